"""Activ5 motion: yields called from the IMU-derived channel, and holds left alone.

Run: ``python bench/activ5_motion.py [--seeds N]``. Each labelled synthetic effort
is played through the simulated Activ5's limb and IMU model under a grip drawn
from its seed (any turn in the hand, either face forward, the limb at any angle to
gravity), sampled as the device sends it (force 10 Hz in 0.27 N steps, IMU frames
at 50 Hz on the device's tick clock, 10 ms transport delay; ``--force-hz`` tries a
faster force stream), reduced to the signed
channel by the driver's :class:`MotionReducer` and fed to the streaming engine.

The radio is left out so that hundreds of efforts take seconds: the bytes, the
reduction and the engine are the ones the driver uses (the end-to-end path over
the virtual radio is tested in ``tests/test_devices_motion.py``).

Reported: how often the channel was signed, and signed right, by the yield; break
calls from motion and their confirmation latency (the last sample's time when the
engine emitted the break, minus the true start of the yield); breaks called in
holds (the spring-back at release must not be one).
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from firmware_protocol import activ5
from nkt_dyno.devices._motion import MotionReducer
from nkt_dyno.devices.simulator import Grip, LimbMotion, Scenario
from nkt_dyno.engine import Break, Detector, DetectorConfig, synthetic

BREAKS = ("break", "break_rising", "small_drop", "break_release")
HOLDS = ("hold", "slow_release", "ease_off", "short_plateau")
IMU_HZ, DELAY_S = 50.0, 0.01


def _one(case: str, seed: int, force_hz: float = 10.0) -> tuple[str | None, float | None, bool]:
    """How the channel stood at the yield ("right", "wrong", "unsigned"; None without
    a yield), the confirmation latency, and whether a break was called from motion."""
    trace = synthetic.generate(case, seed, rate_hz=1000.0, gyro=True)
    t0 = float(trace.t[0])
    scenario = Scenario(trace.t - t0, trace.force, trace.gyro, rest_s=1.0, repeat=False)
    motion = LimbMotion(scenario, Grip.drawn(seed), seed + 1)
    reducer = MotionReducer(activ5.FORCE_AXIS)
    detector: Detector | None = None
    yield_s = None if trace.truth.yield_s is None else trace.truth.yield_s - t0
    end = float(scenario.t[-1]) + 1.0
    imu_s = np.arange(0.0, end, 1.0 / IMU_HZ)
    j, signed_right, latency, called = 0, None, None, False
    for s in np.arange(0.0, end, 1.0 / force_hz):
        while j < len(imu_s) and imu_s[j] <= s:
            accel, gyro = motion.read(float(imu_s[j]))
            frame = activ5.decode_imu(
                activ5.encode_imu_notification(tuple(accel), tuple(gyro), 1000.0 + imu_s[j])
            )
            reducer.add_imu(frame.device_time_s, frame.accel_g, frame.gyro_dps, imu_s[j] + DELAY_S)
            j += 1
        force_now, _ = scenario.at(np.array([s]))
        force = activ5.decode_force(activ5.encode_force_notification(float(force_now[0])))
        t = np.array([s + DELAY_S])
        g = reducer.at(t, np.array([force]))
        if yield_s is not None and signed_right is None and s >= yield_s + 0.05:
            if not reducer.signed:
                signed_right = "unsigned"
            else:
                signed_right = "right" if float(g[0]) > 0 else "wrong"
        if detector is None:
            # As ``record`` and the GUI do: signed from the first block, or
            # from the block after which the reducer has learnt the direction.
            detector = Detector(DetectorConfig(), gyro_signed=reducer.signed)
            marked = reducer.signed
        elif reducer.signed and not marked:
            detector.mark_signed()
            marked = True
        for event in detector.feed(t, [force], g):
            if isinstance(event, Break) and event.source == "gyro" and not called:
                called = True
                if yield_s is not None:
                    latency = s - yield_s
    assert detector is not None
    for event in detector.finish():
        called = called or (isinstance(event, Break) and event.source == "gyro")
    return signed_right, latency, called


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument(
        "--force-hz", type=float, default=10.0, help="force rate (the device's is 10 Hz)"
    )
    args = parser.parse_args()
    signed: list[str] = []
    latencies: list[float] = []
    missed = false_breaks = 0
    for seed in range(1, args.seeds + 1):
        for case in BREAKS:
            right, latency, _ = _one(case, seed, args.force_hz)
            if right is not None:
                signed.append(right)
            if latency is None:
                missed += 1
            else:
                latencies.append(latency)
        for case in HOLDS:
            false_breaks += _one(case, seed, args.force_hz)[2]
    n_breaks, n_holds = args.seeds * len(BREAKS), args.seeds * len(HOLDS)
    tally = ", ".join(f"{k} {signed.count(k)}" for k in ("right", "wrong", "unsigned"))
    print(f"channel at the yield ({len(signed)} yields): {tally}")
    print(f"breaks called from motion: {len(latencies)}/{n_breaks} (missed {missed})")
    if latencies:
        ms = sorted(1000.0 * x for x in latencies)
        p90 = ms[int(0.9 * (len(ms) - 1))]
        print(f"confirmation latency: median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms")
    print(f"breaks called from motion in holds: {false_breaks}/{n_holds}")


if __name__ == "__main__":
    main()
