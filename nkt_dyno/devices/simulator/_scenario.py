"""Where a simulated device's force comes from: a synthetic effort or a recorded trace."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Scenario:
    """Force (and optional gyro) as a function of time since streaming started.

    The recording is played, followed by ``rest_s`` at its first value, and
    repeated when ``repeat`` is set (otherwise its last value is held).
    """

    t: FloatArray
    force: FloatArray
    gyro: FloatArray | None = None
    rest_s: float = 1.0
    repeat: bool = True
    label: str = ""

    def __post_init__(self) -> None:
        if self.t.ndim != 1 or self.t.shape != self.force.shape or len(self.t) < 2:
            raise ValueError("t and force must be 1-D arrays of one length >= 2")
        if np.any(np.diff(self.t) <= 0):
            raise ValueError("scenario time must increase")

    @property
    def period_s(self) -> float:
        return float(self.t[-1] - self.t[0]) + self.rest_s

    def at(self, seconds: FloatArray) -> tuple[FloatArray, FloatArray | None]:
        """Force (N) and gyro (deg/s) at ``seconds`` after the start."""
        if self.repeat:
            local, right = self.t[0] + np.mod(seconds, self.period_s), self.force[0]
        else:
            local, right = self.t[0] + seconds, self.force[-1]
        force = np.interp(local, self.t, self.force, right=right)
        gyro = None
        if self.gyro is not None:
            gyro = np.interp(local, self.t, self.gyro, right=0.0)
        return force, gyro


def synthetic(
    case: str, seed: int = 1, *, rate_hz: float = 1000.0, gyro: bool = False, rest_s: float = 1.0
) -> Scenario:
    """One effort of an engine synthetic case (``hold``, ``break`` ...), repeated."""
    from nkt_dyno.engine import synthetic as gen

    trace = gen.generate(case, seed, rate_hz=rate_hz, gyro=gyro)
    t = np.asarray(trace.t, dtype=np.float64)
    return Scenario(
        t - t[0],
        np.asarray(trace.force, dtype=np.float64),
        None if trace.gyro is None else np.asarray(trace.gyro, dtype=np.float64),
        rest_s=rest_s,
        label=case,
    )


def from_trace(path: str | Path, *, repeat: bool = True, rest_s: float = 1.0) -> Scenario:
    """Replay a recorded trace CSV (``nkt_dyno.trace`` format)."""
    from nkt_dyno.trace import read_trace

    trace = read_trace(path)
    t = np.asarray(trace.t, dtype=np.float64)
    gyro = None if trace.gyro is None else np.asarray(trace.gyro, dtype=np.float64)
    return Scenario(
        t - t[0], np.asarray(trace.force, dtype=np.float64), gyro, rest_s, repeat, str(path)
    )


def constant(force_n: float, duration_s: float = 1.0) -> Scenario:
    """A steady force (calibration weights, tests)."""
    t = np.array([0.0, duration_s])
    return Scenario(t, np.full(2, force_n), rest_s=0.0, label=f"{force_n:g} N")


def load(spec: str, *, seed: int = 1, gyro: bool = False) -> Scenario:
    """A synthetic case name, or the path of a trace file."""
    from nkt_dyno.engine.synthetic import CASES

    if spec in CASES:
        return synthetic(spec, seed, gyro=gyro)
    path = Path(spec)
    if not path.is_file():
        raise ValueError(f"scenario {spec!r} is neither a case ({', '.join(CASES)}) nor a file")
    return from_trace(path)
