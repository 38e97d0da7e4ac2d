"""Scripted mode: run tests on a simulated device unattended, for demos and checks.

Each scenario case is one test on its own simulated device (real driver,
virtual radio). With two or more, every test is saved with demo tags so the
session screen can compare them. If the device path fails, the case is
replayed from the same synthetic trace instead and a note says so.
"""

from __future__ import annotations

import asyncio
import sys
import time

from gui._live_model import RunState
from gui._simulation import DEVICE_RATES_HZ, synthetic_trace
from gui._sources import ReplaySource
from gui._tagging import Tags
from gui._window import MainWindow
from nkt_dyno.devices.simulator import Scenario

TEST_TIMEOUT_S = 20.0
CONDITIONS = ("baseline", "retest")


def _scenario(case: str, seed: int, rate_hz: float) -> Scenario:
    trace = synthetic_trace(case, seed=seed, rate_hz=rate_hz)
    t = trace.t - trace.t[0]
    return Scenario(t, trace.force, rest_s=0.0, repeat=False, label=case)


async def _connect(window: MainWindow, kind: str, case: str, seed: int) -> bool:
    """Connect to a fresh simulated ``kind`` device playing ``case``; False if that failed."""
    try:
        found = await window.link.simulate(kind, _scenario(case, seed, 1000.0))
        await window.link.connect(found)
    except Exception as exc:
        print(f"simulated device failed ({exc}); replaying the synthetic trace", file=sys.stderr)
        return False
    return window.link.state == "streaming"


async def run_tests(window: MainWindow, kind: str, cases: list[str], seed: int) -> list[int]:
    """Run one live test per case; save them when there are several. Returns saved ids."""
    saved: list[int] = []
    for i, case in enumerate(cases):
        if not await _connect(window, kind, case, seed + i):
            trace = synthetic_trace(case, seed=seed + i, rate_hz=DEVICE_RATES_HZ.get(kind, 80.0))
            window.live.set_source(lambda tr=trace: ReplaySource(tr), f"replay of synthetic {case}")
        window.live.toggle()
        deadline = time.monotonic() + TEST_TIMEOUT_S
        while window.live_model.state is RunState.RUNNING and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        window.live_model.stop()
        if len(cases) > 1 and window.store is not None:
            tags = Tags(
                client="Demo client",
                muscle="gluteus medius",
                side="L",
                condition=CONDITIONS[min(i, 1)],
                challenge_target=None,
                therapist_verdict=None,
                notes=f"simulated {case}",
            )
            test_id = window.save_test(tags)
            if test_id is not None:
                saved.append(test_id)
    return saved
