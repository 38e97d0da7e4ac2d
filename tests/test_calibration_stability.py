import numpy as np
import pytest

from calibration import (
    CalibrationError,
    Correction,
    Reason,
    StabilityLimits,
    stable_mean,
    tare,
    window_stats,
)

RATE = 80.0


def test_window_stats_exact() -> None:
    x = np.array([1.0, 2.0, 3.0, 4.0])
    s = window_stats(x, 2.0)
    assert s.mean == 2.5
    assert s.sd == pytest.approx(np.std(x, ddof=1))
    assert s.drift_per_s == pytest.approx(2.0)  # one unit per sample at 2 Hz
    assert (s.n, s.duration_s) == (4, 2.0)


def test_stable_mean_returns_mean_of_quiet_window() -> None:
    x = 50.0 + 0.1 * np.tile([1.0, -1.0], 80)
    assert stable_mean(x, RATE).mean == pytest.approx(50.0)


def test_tare_returns_zero_reading() -> None:
    x = 0.7 + 0.05 * np.tile([1.0, -1.0, 0.0, 0.0], 40)
    zero = tare(x, RATE)
    assert zero == pytest.approx(0.7)
    assert Correction.identity().tared(zero)(0.7) == pytest.approx(0.0, abs=1e-15)


def test_tare_refuses_spread() -> None:
    x = 0.4 * np.tile([1.0, -1.0], 80)  # SD 0.4 N > 0.3 N
    with pytest.raises(CalibrationError, match="spread") as info:
        tare(x, RATE)
    assert info.value.reason is Reason.UNSTABLE
    assert "[unstable]" in str(info.value)


def test_tare_refuses_drift_but_not_just_below_the_limit() -> None:
    t = np.arange(160) / RATE
    with pytest.raises(CalibrationError, match="drifting") as info:
        tare(0.25 * t, RATE)  # 0.25 N/s > 0.2 N/s, SD only 0.14 N
    assert info.value.reason is Reason.UNSTABLE
    assert tare(0.19 * t, RATE) == pytest.approx(0.19 * t.mean())


def test_relative_limits_scale_with_load() -> None:
    # 0.5 N of spread is too much unloaded but fine under 300 N (0.2 % = 0.6 N).
    wiggle = 0.5 * np.tile([1.0, -1.0], 80) * np.sqrt(159 / 160)
    assert stable_mean(300.0 + wiggle, RATE).mean == pytest.approx(300.0)
    with pytest.raises(CalibrationError):
        stable_mean(wiggle, RATE)


def test_custom_limits() -> None:
    x = 0.4 * np.tile([1.0, -1.0], 80)
    assert stable_mean(x, RATE, StabilityLimits(max_sd_n=0.5)).mean == pytest.approx(0.0)


def test_too_few_samples() -> None:
    with pytest.raises(CalibrationError) as info:
        stable_mean(np.zeros(7), RATE)
    assert info.value.reason is Reason.TOO_FEW_POINTS
    with pytest.raises(CalibrationError, match="holds 0 samples"):
        stable_mean(np.zeros(0), RATE)


@pytest.mark.parametrize(
    ("samples", "rate", "message"),
    [
        (np.zeros((4, 4)), RATE, "samples: expected a 1-D array"),
        (np.r_[np.zeros(9), np.nan], RATE, "samples: contains NaN"),
        (np.zeros(10), 0.0, "sample_rate_hz: expected > 0"),
    ],
)
def test_bad_arguments(samples: np.ndarray, rate: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stable_mean(samples, rate)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"max_sd_n": -1.0}, "max_sd_n"),
        ({"max_drift_n_per_s": np.inf}, "max_drift_n_per_s"),
        ({"min_samples": 1}, "min_samples"),
    ],
)
def test_limits_validate(kwargs: dict[str, float], name: str) -> None:
    with pytest.raises(ValueError, match=name):
        StabilityLimits(**kwargs)
