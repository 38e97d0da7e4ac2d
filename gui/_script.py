"""Scripted mode: run tests or a calibration on a simulated device unattended.

Each scenario case is one test on its own simulated device (real driver,
virtual radio). With two or more, every test is saved with demo tags so the
session screen can compare them. If the device path fails, the case is
replayed from the same synthetic trace instead and a note says so. A
scripted protocol runs each step on a fresh simulated device playing that
step's role (``baseline=break@110,...``, as ``nkt-dyno protocol run``). A
scripted calibration answers each prompt of the wizard once the live
reading is still, as an operator would, and verifies with the middle mass.
"""

from __future__ import annotations

import asyncio
import sys
import time
from functools import partial

from gui._live_model import RunState
from gui._simulation import DEVICE_RATES_HZ, synthetic_trace
from gui._sources import ReplaySource
from gui._tagging import Tags
from gui._window import MainWindow
from nkt_dyno.clinic.simulation import parse_scenarios, step_scenario
from nkt_dyno.devices.simulator import Scenario

TEST_TIMEOUT_S = 20.0
CALIBRATION_TIMEOUT_S = 60.0
CONDITIONS = ("baseline", "retest")


def _scenario(case: str, seed: int, rate_hz: float) -> Scenario:
    trace = synthetic_trace(case, seed=seed, rate_hz=rate_hz)
    t = trace.t - trace.t[0]
    return Scenario(t, trace.force, rest_s=0.0, repeat=False, label=case)


async def _connect(window: MainWindow, kind: str, scenario: Scenario) -> bool:
    """Connect to a fresh simulated ``kind`` device playing ``scenario``; False if that failed."""
    try:
        found = await window.link.simulate(kind, scenario)
        await window.link.connect_device(found)
    except Exception as exc:
        print(f"simulated device failed ({exc}); replaying the synthetic trace", file=sys.stderr)
        return False
    return window.link.state == "streaming"


async def run_tests(window: MainWindow, kind: str, cases: list[str], seed: int) -> list[int]:
    """Run one live test per case; save them when there are several. Returns saved ids."""
    saved: list[int] = []
    for i, case in enumerate(cases):
        if not await _connect(window, kind, _scenario(case, seed + i, 1000.0)):
            trace = synthetic_trace(case, seed=seed + i, rate_hz=DEVICE_RATES_HZ.get(kind, 80.0))
            window.live.set_source(partial(ReplaySource, trace), f"replay of synthetic {case}")
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


async def run_protocol(
    window: MainWindow,
    kind: str,
    spec: str | None,
    seed: int,
    *,
    muscle: str,
    side: str,
    challenges: list[str],
) -> int | None:
    """Run a protocol for the demo client in the guided panel; return its group id."""
    screen = window.protocol
    window.tabs.setCurrentWidget(screen)
    scenarios = parse_scenarios(spec)
    screen.client.setCurrentText("Demo client")
    screen.muscle.setText(muscle)
    next(b for b in screen.side_group.buttons() if b.text() == side).setChecked(True)
    screen.challenges.setText(", ".join(challenges))
    if not screen.start():
        print(f"protocol not started: {screen.status.text()}", file=sys.stderr)
        return None
    while screen.active:
        index = screen.index
        scenario = step_scenario(scenarios[screen.steps[index].role], seed + index)
        if not await _connect(window, kind, scenario):
            return None
        window.toggle_current()  # the Space bar
        deadline = time.monotonic() + TEST_TIMEOUT_S
        while screen.index == index and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if screen.index == index:
            print(f"step {index + 1} did not finish: {screen.status.text()}", file=sys.stderr)
            return None
    return screen.group_id


async def run_calibration(
    window: MainWindow,
    device: str,
    masses: list[float],
    sim_error: tuple[float, float, float] | None,
    window_s: float = 1.0,
) -> bool:
    """Calibrate ``device`` through the wizard and verify; False if it did not finish."""
    wizard = window.calibration
    window.tabs.setCurrentWidget(wizard)
    wizard.device_name.setCurrentText(device)
    if sim_error is not None:
        for box, value in zip(
            (wizard.sim_gain, wizard.sim_offset, wizard.sim_quadratic), sim_error, strict=True
        ):
            box.setValue(value)
    wizard.masses.setText(", ".join(f"{m:g}" for m in masses))
    wizard.window_s.setValue(window_s)
    wizard.start()
    deadline = time.monotonic() + CALIBRATION_TIMEOUT_S
    while time.monotonic() < deadline:
        if wizard.read_button.isEnabled() and wizard.stillness.text().startswith("● still"):
            wizard.confirm()
        if wizard.record is not None:
            break
        await asyncio.sleep(0.1)
    if wizard.record is None:
        print(f"calibration did not finish: {wizard.status.text()}", file=sys.stderr)
        return False
    wizard.start_verification(sorted(masses)[len(masses) // 2])
    verdicts = wizard.result.verdicts
    while time.monotonic() < deadline and not verdicts.text().endswith(("PASS", "FAIL")):
        if wizard.read_button.isEnabled() and wizard.stillness.text().startswith("● still"):
            wizard.confirm()
        await asyncio.sleep(0.1)
    return verdicts.text().endswith(("PASS", "FAIL"))
