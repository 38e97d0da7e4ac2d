"""The calibration package's procedures, run in a worker thread and answered from the wizard.

``run_calibration`` and ``run_verification`` ask through a blocking prompt
and read through a blocking ``read_window`` (the CLI answers with
``input()``), so the order of masses, the retries while a load swings and
the fit stay in one place. Here the prompt becomes the :attr:`prompted`
signal, shown by the wizard, and the thread waits until the operator
confirms or cancels; windows are read from the device on the event loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from calibration import CalibrationRecord, Verification, run_calibration, run_verification
from gui._cal_device import CalibrationDevice
from gui._units import FloatArray

T = TypeVar("T")

READ_TIMEOUT_S = 10.0
"""Extra time a window may take before the device is declared silent."""


class Cancelled(Exception):
    """The operator left the procedure before it finished."""


class ProcedureRunner(QObject):
    """Runs one procedure at a time on ``device``; ``prompted`` carries each instruction."""

    prompted = Signal(str)

    def __init__(self, device: CalibrationDevice, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.device = device
        self._go = threading.Event()
        self._cancelled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reading: Future[FloatArray] | None = None

    async def calibrate(
        self,
        masses_kg: Sequence[float],
        *,
        window_s: float,
        unloading: bool,
        gravity: float,
        operator: str,
    ) -> CalibrationRecord:
        """Known-mass calibration of the device, raw readings in, record out."""
        return await self._in_thread(
            lambda: run_calibration(
                self._read_window,
                masses_kg,
                self._prompt,
                device_id=self.device.name,
                device_model=self.device.model,
                window_s=window_s,
                unloading=unloading,
                gravity=gravity,
                operator=operator,
                hang=self._hang(gravity),
            )
        )

    async def verify(
        self, record: CalibrationRecord, mass_kg: float, *, window_s: float
    ) -> Verification:
        """Read one known mass through the record's correction and judge it."""
        return await self._in_thread(
            lambda: run_verification(
                self._read_window,
                mass_kg,
                self._prompt,
                record.correction(),
                window_s=window_s,
                gravity=record.gravity,
                hang=self._hang(record.gravity),
            )
        )

    def confirm(self) -> None:
        """The operator did what the last prompt asked."""
        self._go.set()

    def cancel(self) -> None:
        """Leave the running procedure; it ends with :class:`Cancelled`."""
        self._cancelled = True
        self._go.set()
        if self._reading is not None:
            self._reading.cancel()

    # -- worker side ---------------------------------------------------------
    async def _in_thread(self, work: Callable[[], T]) -> T:
        self._loop = asyncio.get_running_loop()
        self._cancelled = False
        return await asyncio.to_thread(work)

    def _prompt(self, text: str) -> None:
        assert self._loop is not None
        self._go.clear()
        if not self._cancelled:
            self._loop.call_soon_threadsafe(self.prompted.emit, text)
            self._go.wait()
        if self._cancelled:
            raise Cancelled

    def _read_window(self, seconds: float) -> FloatArray:
        assert self._loop is not None
        work = asyncio.wait_for(self.device.window(seconds), seconds + READ_TIMEOUT_S)
        self._reading = asyncio.run_coroutine_threadsafe(work, self._loop)
        try:
            return self._reading.result()
        except TimeoutError:
            raise TimeoutError(
                f"{self.device.name}: no samples for {seconds + READ_TIMEOUT_S:g} s"
            ) from None
        except Exception:
            if self._cancelled:
                raise Cancelled from None
            raise
        finally:
            self._reading = None

    def _hang(self, gravity: float) -> Callable[[float], None] | None:
        if not self.device.simulated:
            return None
        loop = self._loop
        assert loop is not None

        def hang(mass_kg: float) -> None:
            loop.call_soon_threadsafe(self.device.place_load, mass_kg * gravity)

        return hang
