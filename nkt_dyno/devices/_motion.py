"""Motion from a device's 3-axis IMU, reduced to the one signed channel of DESIGN §2.

The examiner pushes along the device's force axis; the limb turns about an axis at
right angles to that push, so its angular velocity lies in the device's plane normal
to the force axis, along a direction set by how the therapist holds the device. That
direction, with its sign, is learnt from the motion that accompanies a rising load:
soft tissue gives a little under the examiner's rising push and turns the limb the
way a yield would (positive). A hand letting go afterwards turns it back (negative).

Until a rise has shown enough turning, the channel is the unsigned speed in that
plane and is marked unsigned. The direction is learnt again at every effort, so a
therapist who changes grip between tests is followed.

The give is found by regressing each interval's in-plane turning on the load added
in it (turning = k * added load): sway and tremor do not follow the load, so they
average out of k. Its direction is trusted once the rise is large enough and the
turning rate it implies stands :data:`GIVE_SNR` times above the spread of the rate at
rest, averaged over :data:`REST_CHUNK_S` (so that the spread, and what is learnt, do
not depend on the force rate); a slow rise under a swaying hand teaches nothing, and
the direction learnt before (if any) is kept.

The IMU's own clock is mapped onto host time (:class:`ClockMap`); the channel is
taken at the force samples' times from the latest frames received, so it never
waits for the IMU.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nkt_dyno.devices._clock import ClockMap

FloatArray = npt.NDArray[np.float64]

GIVE_SNR = 2.0
"""The give's turning rate must be this many times the rate's spread at rest."""
REST_CHUNK_S = 0.1
"""The rate at rest is averaged over at least this long (s) for its spread."""
RISE_MIN_N = 20.0
"""Load added before the turning that came with it is trusted (N)."""
EFFORT_N = 10.0
"""Force above the rest level that makes an effort (N)."""
BIAS_TAU_S = 2.0
"""Time constant of the gyro bias estimate, taken while the limb is at rest (s)."""
REST_WINDOW_S = 3.0
"""The rest level is the lowest force seen over this long."""
KEEP_S = 5.0
"""IMU history kept for taking the channel at force times (s)."""
IMU_COLUMNS = (
    "time_s",
    "device_s",
    "accel_x_g",
    "accel_y_g",
    "accel_z_g",
    "gyro_x_dps",
    "gyro_y_dps",
    "gyro_z_dps",
)


@dataclass(frozen=True, slots=True, eq=False)
class ImuSamples:
    """Raw IMU frames in the device's own axes, with host times."""

    t: FloatArray
    """Host-monotonic seconds, shape (n,)."""
    device_s: FloatArray
    """The device's clock, shape (n,)."""
    accel_g: FloatArray
    """Acceleration (g), shape (n, 3)."""
    gyro_dps: FloatArray
    """Angular rate (deg/s), shape (n, 3)."""

    def __len__(self) -> int:
        return len(self.t)

    def shifted(self, dt: float) -> ImuSamples:
        """The same frames with ``dt`` added to their host times."""
        return ImuSamples(self.t + dt, self.device_s, self.accel_g, self.gyro_dps)


def concat_imu(parts: Iterable[ImuSamples]) -> ImuSamples | None:
    """All frames of ``parts`` in order; None when there are none."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return None
    return ImuSamples(
        np.concatenate([p.t for p in parts]),
        np.concatenate([p.device_s for p in parts]),
        np.concatenate([p.accel_g for p in parts]),
        np.concatenate([p.gyro_dps for p in parts]),
    )


def _plane(force_axis: tuple[float, float, float]) -> FloatArray:
    """Two orthonormal rows spanning the plane normal to ``force_axis``."""
    n = np.asarray(force_axis, dtype=np.float64)
    n = n / np.linalg.norm(n)
    helper = np.eye(3)[int(np.argmin(np.abs(n)))]
    u = np.cross(n, helper)
    u /= np.linalg.norm(u)
    return np.stack((u, np.cross(n, u)))


class MotionReducer:
    """Streaming reduction of one device's IMU to the signed ``gyro`` channel.

    Feed IMU frames with :meth:`add_imu` as they arrive and ask for the channel at
    each force block's times with :meth:`at`, which also learns from the block's
    force. :attr:`signed` tells whether the values returned last were signed.
    """

    def __init__(self, force_axis: tuple[float, float, float] = (0.0, 0.0, 1.0)) -> None:
        self._plane = _plane(force_axis)
        self._clock = ClockMap()
        self._t: deque[float] = deque()
        self._w: deque[tuple[float, float]] = deque()
        self._pending: list[ImuSamples] = []
        self.direction: FloatArray | None = None
        """Unit vector in the plane (plane coordinates): the push's turning, positive."""
        self._turn_by_load = np.zeros(2)
        """Sum over rising intervals of turning (deg) times load added (N)."""
        self._load_sq = 0.0
        """Sum over the same intervals of the load added, squared (N^2)."""
        self._load_time = 0.0
        """Sum over the same intervals of load added times their duration (N s)."""
        self._added = 0.0
        self._bias = np.zeros(2)
        """The gyro's offset in the plane (deg/s), learnt at rest and taken off."""
        self._bias_set = False
        self._spread = 0.0
        """Variance of the in-plane rate about its offset at rest ((deg/s)^2)."""
        self._chunk_from: float | None = None
        """Start of the stretch at rest not yet taken into the offset and spread."""
        self._rest: deque[tuple[float, float]] = deque()
        self._last: tuple[float, float] | None = None
        """(t, force) of the previous force sample."""

    @property
    def signed(self) -> bool:
        return self.direction is not None

    def add_imu(
        self,
        device_s: float,
        accel_g: Sequence[float],
        gyro_dps: Sequence[float],
        arrival: float,
    ) -> None:
        """One IMU frame, received at host time ``arrival``."""
        d = np.array([device_s])
        t = float(self._clock.map(d, arrival)[0])
        gyro = np.asarray(gyro_dps, dtype=np.float64)
        w = self._plane @ gyro
        self._t.append(t)
        self._w.append((float(w[0]), float(w[1])))
        while self._t and self._t[0] < t - KEEP_S:
            self._t.popleft()
            self._w.popleft()
        self._pending.append(
            ImuSamples(
                np.array([t]),
                d,
                np.asarray(accel_g, dtype=np.float64).reshape(1, 3),
                gyro.reshape(1, 3),
            )
        )

    def take_raw(self) -> ImuSamples | None:
        """Frames received since the last call (for keeping beside the channel)."""
        raw, self._pending = concat_imu(self._pending), []
        return raw

    def at(self, t: FloatArray, force: FloatArray) -> FloatArray:
        """The channel at times ``t`` (s); ``force`` (N) at the same times teaches it."""
        w = self._rates(t)
        for i in range(len(t)):
            self._learn(float(t[i]), float(force[i]))
        w = w - self._bias
        if self.direction is None:
            return np.hypot(w[:, 0], w[:, 1])
        return np.asarray(w @ self.direction, dtype=np.float64)

    def _track_bias(self, t0: float, t1: float) -> None:
        """Follow the offset and spread of the rate at rest, averaged over ``t0``-``t1``;
        the first interval sets them outright."""
        if not self._t or t1 <= t0:
            return
        w = self._turning(t0, t1, debias=False) / (t1 - t0)
        gain = 1.0 if not self._bias_set else min(1.0, (t1 - t0) / BIAS_TAU_S)
        dev = w - self._bias
        self._bias += gain * dev
        self._spread += gain * (float(dev @ dev) - self._spread)
        self._bias_set = True

    def _rates(self, t: FloatArray) -> FloatArray:
        """In-plane angular velocity at ``t``, shape (n, 2), bias not removed; past the
        last frame, the last frame's."""
        if not self._t:
            return np.zeros((len(t), 2))
        ts = np.fromiter(self._t, dtype=np.float64, count=len(self._t))
        ws = np.asarray(self._w, dtype=np.float64)
        return np.stack((np.interp(t, ts, ws[:, 0]), np.interp(t, ts, ws[:, 1])), axis=1)

    def _learn(self, t: float, force: float) -> None:
        """Learn from one force sample: the offset at rest, the direction in a rise."""
        self._rest.append((t, force))
        while self._rest[0][0] < t - REST_WINDOW_S:
            self._rest.popleft()
        rest = min(f for _, f in self._rest)
        last, self._last = self._last, (t, force)
        if force - rest < EFFORT_N / 2:
            # at rest: the next effort is learnt afresh
            self._turn_by_load[:] = 0.0
            self._load_sq = self._load_time = self._added = 0.0
            if last is not None:
                if self._chunk_from is None:
                    self._chunk_from = last[0]
                if t - self._chunk_from >= REST_CHUNK_S - 1e-9:  # a 10-Hz interval counts
                    self._track_bias(self._chunk_from, t)
                    self._chunk_from = t
            return
        self._chunk_from = None
        if last is None or force <= last[1] or force - rest < EFFORT_N or t <= last[0]:
            return
        added = force - last[1]
        self._turn_by_load += self._turning(last[0], t) * added
        self._load_sq += added * added
        self._load_time += added * (t - last[0])
        self._added += added
        # k = turn_by_load / load_sq (deg/N, least squares); times the rise's
        # load-weighted slope load_sq / load_time, the turning rate it brought.
        rate = self._turn_by_load / self._load_time
        size = float(np.hypot(*rate))
        if self._added >= RISE_MIN_N and size >= GIVE_SNR * np.sqrt(self._spread):
            self.direction = rate / size

    def _turning(self, t0: float, t1: float, *, debias: bool = True) -> FloatArray:
        """In-plane rotation (deg) between ``t0`` and ``t1``, from the frames received,
        with the offset taken off unless ``debias`` is False."""
        if t1 <= t0 or not self._t:
            return np.zeros(2)
        ts = np.fromiter(self._t, dtype=np.float64, count=len(self._t))
        inside = ts[(ts > t0) & (ts < t1)]
        grid = np.concatenate(([t0], inside, [t1]))
        w = self._rates(grid) - (self._bias if debias else 0.0)
        return np.asarray(np.trapezoid(w, grid, axis=0), dtype=np.float64)


def reduce_recording(
    t: FloatArray, force: FloatArray, imu: ImuSamples, force_axis: tuple[float, float, float]
) -> tuple[FloatArray, float | None]:
    """Derive the channel again from a recording's force and its raw IMU.

    Each force sample sees the frames taken up to its own time, as it would have
    live had every frame arrived at once. Returns the channel and the time of its
    first signed sample (None if the push's direction was never learnt): the
    samples before it are an unsigned speed, so the whole recording is read as
    ``analyze(..., gyro_signed=False, signed_from_s=...)``.
    """
    reducer = MotionReducer(force_axis)
    out = np.empty_like(t)
    signed_from: float | None = None
    j = 0
    for i in range(len(t)):
        while j < len(imu) and imu.t[j] <= t[i]:
            # Frames already on host time: map them onto themselves.
            reducer.add_imu(float(imu.t[j]), imu.accel_g[j], imu.gyro_dps[j], float(imu.t[j]))
            j += 1
        out[i] = reducer.at(t[i : i + 1], force[i : i + 1])[0]
        if signed_from is None and reducer.signed:
            signed_from = float(t[i])
    return out, signed_from


def imu_path(trace_path: str | Path) -> Path:
    """Where the raw IMU of the trace at ``trace_path`` is kept: beside it, ``.imu.csv``."""
    return Path(trace_path).with_suffix(".imu.csv")


def write_imu_csv(path: str | Path, imu: ImuSamples, metadata: dict[str, str]) -> None:
    """The raw frames as CSV (``# key: value`` lines, then :data:`IMU_COLUMNS`)."""
    with open(path, "w", newline="") as fh:
        fh.write("# nkt-dyno imu v1\n")
        for key, value in metadata.items():
            fh.write(f"# {key}: {value}\n")
        writer = csv.writer(fh)
        writer.writerow(IMU_COLUMNS)
        rows = np.column_stack((imu.t, imu.device_s, imu.accel_g, imu.gyro_dps))
        writer.writerows([f"{v:.6f}" for v in row] for row in rows.tolist())


def read_imu_csv(path: str | Path) -> ImuSamples:
    """Frames written by :func:`write_imu_csv` (ValueError if the columns differ)."""
    lines = [ln for ln in Path(path).read_text().splitlines() if not ln.startswith("#")]
    if not lines or tuple(lines[0].split(",")) != IMU_COLUMNS:
        raise ValueError(f"{path}: not an IMU file (expected columns {', '.join(IMU_COLUMNS)})")
    data = np.loadtxt(lines[1:], delimiter=",", ndmin=2) if len(lines) > 1 else np.empty((0, 8))
    return ImuSamples(data[:, 0], data[:, 1], data[:, 2:5], data[:, 5:8])
