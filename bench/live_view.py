"""Live view cost with a 1 kHz stream: frames/s, CPU share, sample-to-screen latency.

A source delivers 1 kHz samples in 10-sample blocks every 10 ms (as a BLE
device packs notifications), stamped with the host's monotonic clock; the
real main window runs a live test on it through the engine. Three phases of
``--seconds`` each, in one process, so the figures can be read against each
other:

- idle: the window shown, no test running (Qt's and the event loop's floor);
- engine: the stream through source, ring buffer and engine, display timer off;
- live: the same with the display timer on -- what the therapist sees.

For each phase: repaints of the plot per second, and process CPU time / wall
time (all threads). For the live phase also the sample-to-screen latency:
when a repaint of the plot has finished, minus the host time of the newest
sample it drew (median and 95th percentile).

Targets (DESIGN §5): >= 30 frames/s, under 25 % of one core, < 50 ms.

    QT_QPA_PLATFORM=offscreen python bench/live_view.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

RATE_HZ = 1000.0
BLOCK = 10


class StreamSource:
    """1 kHz force, a synthetic effort repeated, each block sent when its last sample is due."""

    def __init__(self, seconds: float) -> None:
        from nkt_dyno.engine import synthetic

        effort = synthetic.generate("hold", 3, rate_hz=RATE_HZ)
        self.force = np.asarray(effort.force, dtype=np.float64)
        self.seconds = seconds

    async def __aiter__(self) -> AsyncIterator[object]:
        from gui._sources import SampleBlock

        start = time.monotonic()
        n = 0
        while n < self.seconds * RATE_HZ:
            due = start + (n + BLOCK) / RATE_HZ
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            t = start + (n + 1 + np.arange(BLOCK)) / RATE_HZ  # sample instants, host clock
            idx = (n + np.arange(BLOCK)) % self.force.size
            n += BLOCK
            yield SampleBlock(t, self.force[idx])


@dataclass
class Phase:
    name: str
    seconds: float
    frames: int
    cpu_s: float
    latencies_ms: list[float]

    @property
    def fps(self) -> float:
        return self.frames / self.seconds

    @property
    def cpu_pct(self) -> float:
        return 100.0 * self.cpu_s / self.seconds


def watch_paints(on_paint: Callable[[Any], None]) -> None:
    """Call ``on_paint(plot)`` after every repaint of a plot (patched before any plot exists)."""
    import pyqtgraph as pg

    paint = pg.GraphicsView.paintEvent

    def timed(view: Any, event: Any) -> None:
        paint(view, event)
        on_paint(view)

    pg.GraphicsView.paintEvent = timed  # type: ignore[method-assign]


async def measure(seconds: float) -> list[Phase]:
    from gui._live_model import RunState
    from gui._window import MainWindow

    frames: list[float] = []
    latencies: list[float] = []
    window: MainWindow | None = None

    def on_paint(plot: Any) -> None:
        if window is None or plot is not window.live.view.plot:
            return
        now = time.monotonic()
        frames.append(now)
        x, _ = window.live.view.plot.curve.getOriginalDataset()
        t0 = window.live_model.t0
        if window.live_model.state is RunState.RUNNING and x is not None and len(x) and t0:
            latencies.append(1000.0 * (now - (float(x[-1]) + t0)))

    watch_paints(on_paint)
    window = MainWindow()
    window.show()
    window.live_model.until_complete = False  # stream the whole time, effort after effort
    view = window.live.view
    await asyncio.sleep(1.0)

    async def phase(name: str, stream: bool) -> Phase:
        window.live.set_source(lambda: StreamSource(seconds), "1 kHz bench stream")
        await asyncio.sleep(0.3)
        frames.clear()
        latencies.clear()
        wall0, cpu0 = time.monotonic(), time.process_time()
        if stream:
            window.live.toggle()
            while window.live_model.state is RunState.RUNNING:
                await asyncio.sleep(0.05)
        else:
            await asyncio.sleep(seconds)
        wall, cpu = time.monotonic() - wall0, time.process_time() - cpu0
        return Phase(name, wall, len(frames), cpu, sorted(latencies))

    phases = [await phase("idle", False)]
    view.timer.stop()
    phases.append(await phase("engine", True))
    view.timer.start()
    phases.append(await phase("live", True))
    window.shutdown()
    window.close()
    return phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    seconds = parser.parse_args().seconds

    import qasync
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    phases = qasync.run(measure(seconds))
    print(f"stream        1 kHz, {BLOCK} samples/block, {seconds:g} s per phase")
    for p in phases:
        print(f"{p.name:<8}      {p.fps:5.1f} frames/s   CPU {p.cpu_pct:5.1f} % of one core")
    idle, engine, live = phases
    print(
        f"display cost  {live.cpu_pct - engine.cpu_pct:.1f} % (live - engine);"
        f" engine and stream {engine.cpu_pct - idle.cpu_pct:.1f} % (engine - idle)"
    )
    lat = live.latencies_ms
    print(f"frames/s      {live.fps:.1f}   (target >= 30)")
    print(f"CPU share     {live.cpu_pct:.1f} % of one core   (target < 25 %)")
    print(
        f"latency       median {statistics.median(lat):.1f} ms,"
        f" p95 {lat[int(0.95 * (len(lat) - 1))]:.1f} ms"
        "   (sample to screen, target < 50 ms)"
    )


if __name__ == "__main__":
    main()
