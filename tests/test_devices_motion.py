"""Motion from the Activ5's 3-axis IMU: reduction to the signed channel, end to end.

The reduction is checked against the simulator's limb model under several grips
(the truth is known: the limb's own turning rate), then the whole path runs over
the virtual radio: subscription, device time onto host time, the raw IMU kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from firmware_protocol import activ5
from nkt_dyno.devices import (
    Dynamometer,
    ImuSamples,
    MotionReducer,
    find,
    imu_path,
    read_imu_csv,
    reduce_recording,
    write_imu_csv,
)
from nkt_dyno.devices._recording import record
from nkt_dyno.devices._session import open_device
from nkt_dyno.devices.simulator import SIMULATORS, Grip, LimbMotion, Scenario, SimConfig
from nkt_dyno.devices.virtual import VirtualRadio
from nkt_dyno.engine import analyze

FORCE_HZ, IMU_HZ = 10.0, 50.0


def _push(peak_n: float = 200.0, rise_s: float = 1.0, hold_s: float = 1.5) -> Scenario:
    """Rest, a steady rise, a hold, and a release in 0.2 s (the hand lets go)."""
    t = np.array([0.0, 1.0, 1.0 + rise_s, 1.0 + rise_s + hold_s, 1.2 + rise_s + hold_s, 6.0])
    force = np.array([0.0, 0.0, peak_n, peak_n, 0.0, 0.0])
    return Scenario(t, force, rest_s=0.0, repeat=False)


def _yield(peak_n: float = 200.0) -> Scenario:
    """The push above, but the limb gives way at 2.5 s at 60 deg/s while the force falls."""
    t = np.array([0.0, 1.0, 2.0, 2.5, 2.8, 3.5, 3.7, 6.0])
    force = np.array([0.0, 0.0, peak_n, peak_n, 0.6 * peak_n, 0.6 * peak_n, 0.0, 0.0])
    gyro = np.array([0.0, 0.0, 0.0, 0.0, 60.0, 0.0, 0.0, 0.0])
    return Scenario(t, force, gyro, rest_s=0.0, repeat=False)


def _run(
    scenario: Scenario, grip: Grip, force_hz: float = FORCE_HZ
) -> tuple[np.ndarray, np.ndarray, MotionReducer]:
    """Times, channel and the reducer after streaming ``scenario`` at the device's rates
    (or force at ``force_hz``), the IMU on a device clock 1234.5 s ahead of the host's."""
    motion = LimbMotion(scenario, grip, seed=7)
    reducer = MotionReducer(activ5.FORCE_AXIS)
    imu_s = np.arange(0.0, 6.0, 1.0 / IMU_HZ)
    times, out, j = [], [], 0
    for s in np.arange(0.0, 6.0, 1.0 / force_hz):
        while j < len(imu_s) and imu_s[j] <= s:
            accel, gyro = motion.read(float(imu_s[j]))
            reducer.add_imu(1234.5 + imu_s[j], accel, gyro, float(imu_s[j]) + 0.01)
            j += 1
        force, _ = scenario.at(np.array([s]))
        times.append(s)
        out.append(float(reducer.at(np.array([s + 0.01]), force)[0]))
    return np.array(times), np.array(out), reducer


GRIPS = [
    Grip(),
    Grip(roll_deg=90.0),
    Grip(roll_deg=-135.0, flipped=True, limb_tilt_deg=60.0),
    Grip(roll_deg=30.0, flipped=True, limb_tilt_deg=-80.0, limb_yaw_deg=45.0),
]


@pytest.mark.parametrize("grip", GRIPS, ids=lambda g: f"roll{g.roll_deg:g}-flip{g.flipped}")
def test_yield_reads_positive_however_the_device_is_held(grip: Grip) -> None:
    t, g, reducer = _run(_yield(), grip)
    assert reducer.signed  # learnt from the give of the rising load
    during = (t > 2.65) & (t < 3.0)
    assert np.all(g[during] > 15.0)


@pytest.mark.parametrize("grip", GRIPS, ids=lambda g: f"roll{g.roll_deg:g}-flip{g.flipped}")
def test_spring_back_at_release_reads_negative(grip: Grip) -> None:
    t, g, _ = _run(_push(), grip)
    release = (t > 3.5) & (t < 3.7)
    assert np.min(g[release]) < -5.0
    assert np.max(g[release]) < 2.0


def test_unsigned_until_a_rise_has_shown_the_direction() -> None:
    _, g, reducer = _run(_push(peak_n=15.0), Grip(roll_deg=40.0))
    assert not reducer.signed  # 15 N is no effort to learn from
    assert np.all(g >= 0.0)


@pytest.mark.parametrize("force_hz", [10.0, 50.0])
def test_the_direction_is_learnt_alike_at_either_force_rate(force_hz: float) -> None:
    # The rate at rest is averaged over 0.1 s whatever the force rate: a 50-Hz
    # stream must not make the same give look noisier.
    t, g, reducer = _run(_push(peak_n=60.0, rise_s=2.0), Grip(roll_deg=40.0), force_hz)
    assert reducer.signed
    assert np.min(g[(t > 4.5) & (t < 4.7)]) < -2.0  # the spring-back, against the push


def test_turning_that_does_not_follow_the_load_teaches_nothing() -> None:
    # Sway and sensor noise with no give at all, over 100 rises after 3 s at
    # rest: the direction must not be learnt from chance.
    rng = np.random.default_rng(11)
    learnt = 0
    for _ in range(100):
        reducer = MotionReducer(activ5.FORCE_AXIS)
        freq, phase = rng.uniform(0.3, 1.2, 3), rng.uniform(0.0, 2 * np.pi, 3)
        imu_s, j = np.arange(0.0, 7.0, 1.0 / IMU_HZ), 0
        sway = 0.4 * np.sin(2 * np.pi * freq * imu_s[:, None] + phase)
        gyro = sway + rng.normal(0.0, 0.3, (imu_s.size, 3))
        for s in np.arange(0.0, 7.0, 1.0 / FORCE_HZ):
            while j < imu_s.size and imu_s[j] <= s:
                reducer.add_imu(imu_s[j], (0.0, 0.0, 1.0), gyro[j], imu_s[j])
                j += 1
            force = float(np.clip((s - 3.0) / 1.5, 0.0, 1.0)) * 100.0
            reducer.at(np.array([s]), np.array([force]))
        learnt += reducer.signed
    assert learnt <= 1


def test_a_later_effort_keeps_the_direction_learnt_before() -> None:
    reducer = MotionReducer(activ5.FORCE_AXIS)
    reducer.direction = np.array([0.0, 1.0])
    reducer.add_imu(10.0, (0.0, 0.0, 1.0), (0.0, 0.0, 0.0), 10.0)
    assert reducer.at(np.array([10.0]), np.array([0.0]))[0] == 0.0
    assert reducer.signed


def test_recording_can_be_derived_again_from_its_raw_imu(tmp_path: Path) -> None:
    scenario, grip = _yield(), Grip(roll_deg=-70.0, flipped=True)
    motion = LimbMotion(scenario, grip, seed=3)
    imu_t = np.arange(0.0, 6.0, 1.0 / IMU_HZ)
    frames = [motion.read(float(s)) for s in imu_t]
    imu = ImuSamples(
        imu_t,
        imu_t + 99.0,
        np.array([a for a, _ in frames]),
        np.array([w for _, w in frames]),
    )
    path = imu_path(tmp_path / "take.csv")
    write_imu_csv(path, imu, {"device": "ACTIV5-0777"})
    again = read_imu_csv(path)
    assert path.name == "take.imu.csv"
    assert np.allclose(again.gyro_dps, imu.gyro_dps, atol=1e-6)
    t = np.arange(0.0, 6.0, 1.0 / FORCE_HZ)
    force, _ = scenario.at(t)
    gyro, signed_from = reduce_recording(t, force, again, activ5.FORCE_AXIS)
    assert signed_from is not None and 0.0 < signed_from < 2.65
    # Before the push's direction was learnt the channel is a speed with no sign.
    assert np.all(gyro[t < signed_from] >= 0.0)
    assert np.all(gyro[(t > 2.65) & (t < 3.0)] > 15.0)
    (result,) = analyze(t, force, gyro, gyro_signed=False, signed_from_s=signed_from)
    assert (result.verdict, result.break_source) == ("break", "gyro")


def test_a_recording_whose_direction_was_never_learnt_stays_unsigned() -> None:
    t = np.arange(0.0, 3.0, 1.0 / FORCE_HZ)
    imu_t = np.arange(0.0, 3.0, 1.0 / IMU_HZ)
    still = ImuSamples(
        imu_t, imu_t, np.tile([0.0, 0.0, 1.0], (imu_t.size, 1)), np.zeros((imu_t.size, 3))
    )
    gyro, signed_from = reduce_recording(t, np.zeros_like(t), still, activ5.FORCE_AXIS)
    assert signed_from is None
    assert np.allclose(gyro, 0.0)


def test_reading_a_file_that_is_not_imu_fails(tmp_path: Path) -> None:
    path = tmp_path / "x.imu.csv"
    path.write_text("time_s,force_n\n0,1\n")
    with pytest.raises(ValueError, match="not an IMU file"):
        read_imu_csv(path)


async def test_driver_subscribes_to_the_imu_and_maps_its_clock() -> None:
    async with VirtualRadio() as radio:
        sim = SIMULATORS["activ5"](_yield(), SimConfig(grip=Grip(roll_deg=120.0)))
        found = await find(radio.backends(), await sim.attach(radio), timeout=5.0)
        async with Dynamometer(found, backends=radio.backends()) as dyno:
            rec = await record(dyno, 4.0)
        await sim.close()
    assert rec.gyro is not None and rec.imu is not None
    assert len(rec.imu) >= 0.8 * IMU_HZ * 4.0
    # the device clock (1234.5 s at start) lands on the force's time axis
    assert abs(float(rec.imu.t[0])) < 0.2 and abs(float(rec.imu.t[-1]) - rec.t[-1]) < 0.2
    assert rec.gyro_signed
    yielding = (rec.t > 2.7) & (rec.t < 3.0)
    assert np.all(rec.gyro[yielding] > 15.0)


async def test_record_sim_activ5_break_names_motion_as_the_source() -> None:
    from nkt_dyno.commands.record import take_test

    async with open_device("sim:activ5", scenario="break", calibrated=False) as session:
        take = await take_test(session, "sim:activ5", 5.0)
    assert take is not None and take.trace.gyro is not None and take.imu is not None
    assert take.results
    assert take.results[0].verdict == "break"
    assert take.results[0].break_source == "gyro"


async def test_a_channel_the_device_signed_midway_is_judged_again_as_it_was_live(
    tmp_path: Path,
) -> None:
    # The reducer learns the push's direction during the first rises: the
    # channel is an unsigned speed before that, signed after. The saved trace
    # says when, so the analysis of the file is the live one.
    from nkt_dyno.commands.record import take_test
    from nkt_dyno.trace import gyro_signed, gyro_signed_from, read_trace, write_trace

    async with open_device("sim:activ5", scenario="break", calibrated=False) as session:
        take = await take_test(session, "sim:activ5", 14.0)
    assert take is not None and take.results
    write_trace(tmp_path / "take.csv", take.trace)
    again = read_trace(tmp_path / "take.csv")
    since = gyro_signed_from(again.metadata)
    assert not gyro_signed(again.metadata)
    assert since is not None and again.t[0] < since < again.t[-1]
    offline = analyze(again.t, again.force, again.gyro, gyro_signed=False, signed_from_s=since)
    assert [r.to_dict() for r in offline] == [r.to_dict() for r in take.results]
