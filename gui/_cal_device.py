"""The device under calibration: raw readings kept for the live display and read in windows.

Calibration must see the sensor's own numbers, so the device is opened raw
through the one ``open_device`` path (no saved record applied). A pump task
on the event loop puts every block into a ring buffer: the wizard's timer
shows the latest reading and judges its stillness from it, and the
procedure's ``read_window`` waits for a fresh window there. For a simulated
device, ``place_load`` is the hung mass.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import numpy as np

from gui._ring import RingBuffer
from gui._units import FloatArray
from nkt_dyno.devices import SampleBlock
from nkt_dyno.devices._session import DeviceSession, open_device
from nkt_dyno.devices.simulator import SensorError, SimConfig, constant

SETTLE_S = 0.15
"""Samples arriving this soon after a window is asked for are dropped: the load just changed."""
RING_SAMPLES = 1 << 16
"""Readings kept for the live display: a minute of a 1 kHz device."""


class CalibrationDevice:
    """An open device streaming raw force; use :meth:`open` and :meth:`close`."""

    def __init__(self, name: str, sensor: SensorError | None = None) -> None:
        self.name = name
        self.sensor = sensor
        self.session: DeviceSession | None = None
        self.ring = RingBuffer(RING_SAMPLES)
        self._stack = contextlib.AsyncExitStack()
        self._pump: asyncio.Task[None] | None = None
        self._fresh = asyncio.Event()

    @property
    def model(self) -> str:
        return "" if self.session is None else self.session.dyno.profile.spec.model

    @property
    def simulated(self) -> bool:
        return self.session is not None and self.session.simulator is not None

    async def open(self) -> None:
        """Connect raw and start streaming (a ``sim:`` name starts unloaded)."""
        sim = None if self.sensor is None else SimConfig(sensor=self.sensor)
        self.session = await self._stack.enter_async_context(
            open_device(self.name, scenario=constant(0.0), sim=sim, calibrated=False)
        )
        self._pump = asyncio.ensure_future(self._read(self.session))
        await self.session.dyno.start()

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
        with contextlib.suppress(Exception):  # the link may already be gone
            await self._stack.aclose()
        self.session = None

    def place_load(self, force_n: float) -> None:
        """Hang a load on a simulated device (a real one waits for the operator)."""
        if self.session is not None and self.session.simulator is not None:
            self.session.simulator.place_load(force_n)

    async def _read(self, session: DeviceSession) -> None:
        async for item in session.dyno:
            if isinstance(item, SampleBlock) and len(item):
                self.ring.extend(item.t, item.force)
                self._fresh.set()

    def latest(self, seconds: float) -> tuple[FloatArray, FloatArray]:
        """Times and readings of the last ``seconds``, oldest first (empty before any)."""
        t, f = self.ring.view()
        first = int(np.searchsorted(t, t[-1] - seconds)) if t.size else 0
        return t[first:], f[first:]

    async def window(self, seconds: float) -> FloatArray:
        """Force over the next ``seconds`` once the load has settled."""
        start = time.monotonic() + SETTLE_S
        while True:
            await self._fresh.wait()
            self._fresh.clear()
            t, f = self.ring.view()
            first = int(np.searchsorted(t, start))
            if t.size and first < t.size and t[-1] - t[first] >= seconds:
                return np.array(f[first:])
