"""Is a window of readings still? Its mean, spread and drift; tare.

A calibration point or a zero is only as good as the stillness of the load
while it was read: a swinging mass shows as spread, a creeping load or a hand
still on the device as drift. Both are measured in the device's nominal
newtons (every codec in ``firmware_protocol`` already reports newtons), so the
limits below are in N and N/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from calibration._errors import CalibrationError, Reason


@dataclass(frozen=True, slots=True)
class StabilityLimits:
    """How still a window must be to be used.

    A window passes when its sample standard deviation is at most
    ``max(max_sd_n, max_sd_fraction * |mean|)`` and the magnitude of its
    least-squares slope is at most
    ``max(max_drift_n_per_s, max_drift_fraction_per_s * |mean|)``.

    Parameters
    ----------
    max_sd_n : float
        Absolute spread limit, N (default 0.3: about twice the noise of a
        Progressor or an Activ5 at rest, whose step is 0.27 N).
    max_sd_fraction : float
        Spread limit relative to the reading (default 0.002 = 0.2 %), because
        a heavy hanging mass never hangs perfectly still.
    max_drift_n_per_s : float
        Absolute drift limit, N/s (default 0.2, i.e. 0.4 N over a 2 s window).
    max_drift_fraction_per_s : float
        Drift limit relative to the reading, 1/s (default 0.002).
    min_samples : int
        Fewest samples a window may hold (default 8).

    Notes
    -----
    The slope of ``n`` samples of white noise with SD ``s`` over ``T`` seconds
    scatters by about ``s * sqrt(12 / n) / T``: 0.03 N/s for 0.2 N noise over
    a 2 s window at 80 Hz, but 0.2 N/s over 0.5 s. Windows of 1--3 s keep the
    drift test meaningful.
    """

    max_sd_n: float = 0.3
    max_sd_fraction: float = 0.002
    max_drift_n_per_s: float = 0.2
    max_drift_fraction_per_s: float = 0.002
    min_samples: int = 8

    def __post_init__(self) -> None:
        for name in (
            "max_sd_n",
            "max_sd_fraction",
            "max_drift_n_per_s",
            "max_drift_fraction_per_s",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: expected a finite value >= 0, got {value!r}")
        if self.min_samples < 2:
            raise ValueError(f"min_samples: expected >= 2, got {self.min_samples!r}")


@dataclass(frozen=True, slots=True)
class WindowStats:
    """Summary of one window of readings.

    Attributes
    ----------
    mean : float
        Mean reading (nominal N).
    sd : float
        Sample standard deviation (ddof = 1), N.
    drift_per_s : float
        Least-squares slope against time, N/s.
    n : int
        Number of samples.
    duration_s : float
        ``n / sample_rate_hz``.
    """

    mean: float
    sd: float
    drift_per_s: float
    n: int
    duration_s: float


def window_stats(samples: npt.ArrayLike, sample_rate_hz: float) -> WindowStats:
    """Mean, spread and drift of a 1-D window sampled at `sample_rate_hz`.

    Raises
    ------
    ValueError
        If `samples` is not 1-D with at least 2 finite values, or
        `sample_rate_hz` is not positive.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"samples: expected a 1-D array of >= 2 values, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("samples: contains NaN or infinite values")
    if not (math.isfinite(sample_rate_hz) and sample_rate_hz > 0):
        raise ValueError(f"sample_rate_hz: expected > 0, got {sample_rate_hz!r}")
    t = np.arange(x.size) / sample_rate_hz
    tc = t - t.mean()
    mean = float(x.mean())
    slope = float(np.dot(tc, x - mean) / np.dot(tc, tc))
    return WindowStats(
        mean=mean,
        sd=float(x.std(ddof=1)),
        drift_per_s=slope,
        n=int(x.size),
        duration_s=x.size / sample_rate_hz,
    )


def stable_mean(
    samples: npt.ArrayLike,
    sample_rate_hz: float,
    limits: StabilityLimits | None = None,
) -> WindowStats:
    """Summarise a window and refuse it unless the reading held still.

    Parameters
    ----------
    samples : array_like, shape (n,)
        Raw readings, nominal N.
    sample_rate_hz : float
        Sampling rate, Hz; sets the time axis of the drift estimate.
    limits : StabilityLimits, optional
        Thresholds; the documented defaults when omitted.

    Returns
    -------
    WindowStats
        Its ``mean`` is the reading to use.

    Raises
    ------
    CalibrationError
        ``Reason.TOO_FEW_POINTS`` below ``limits.min_samples``;
        ``Reason.UNSTABLE`` when spread or drift exceed the limits.

    Examples
    --------
    >>> round(stable_mean([10.0, 10.1, 9.9, 10.0] * 4, 80.0).mean, 6)
    10.0
    """
    limits = limits or StabilityLimits()
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 1 and x.size < limits.min_samples:
        raise CalibrationError(
            Reason.TOO_FEW_POINTS,
            f"the window holds {x.size} samples, need at least {limits.min_samples}; "
            "read for longer or check that the device is streaming",
        )
    stats = window_stats(x, sample_rate_hz)
    level = abs(stats.mean)
    sd_limit = max(limits.max_sd_n, limits.max_sd_fraction * level)
    drift_limit = max(limits.max_drift_n_per_s, limits.max_drift_fraction_per_s * level)
    if stats.sd > sd_limit:
        raise CalibrationError(
            Reason.UNSTABLE,
            f"the reading is moving: spread {stats.sd:.3g} N > {sd_limit:.3g} N; "
            "let the load hang still and take the hand off the device",
        )
    if abs(stats.drift_per_s) > drift_limit:
        raise CalibrationError(
            Reason.UNSTABLE,
            f"the reading is drifting: {stats.drift_per_s:+.3g} N/s, limit {drift_limit:.3g} N/s; "
            "wait for it to settle",
        )
    return stats


def tare(
    samples: npt.ArrayLike,
    sample_rate_hz: float,
    limits: StabilityLimits | None = None,
) -> float:
    """Zero reading of an unloaded device, refused while the reading moves.

    The device must rest unloaded (nothing hanging, no hand pressing) for the
    whole window. Pass the result to :meth:`Correction.tared`.

    Returns
    -------
    float
        The raw reading that should read 0 N.

    Raises
    ------
    CalibrationError
        As :func:`stable_mean`.

    Examples
    --------
    >>> tare([0.4, 0.5, 0.6, 0.5] * 4, 80.0)
    0.5
    """
    return stable_mean(samples, sample_rate_hz, limits).mean
