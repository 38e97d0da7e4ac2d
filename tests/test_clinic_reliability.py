"""Change vs noise, asymmetry and curve distance: exact cases and slow reference versions."""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pytest

from nkt_dyno.clinic import (
    asymmetry,
    call_change,
    estimate_noise,
    icc,
    nmed,
    rise_curve,
    rise_stats,
)
from nkt_dyno.clinic.reliability import FALLBACK_MDC_FRACTION, MDC_Z, within_cv_pct

# Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def slow_icc(table: list[list[float]], kind: str) -> float:
    """ICC by the textbook sums, one loop per term (no numpy)."""
    n, k = len(table), len(table[0])
    grand = sum(sum(r) for r in table) / (n * k)
    row_means = [sum(r) / k for r in table]
    col_means = [sum(table[i][j] for i in range(n)) / n for j in range(k)]
    ss_total = sum((table[i][j] - grand) ** 2 for i in range(n) for j in range(k))
    ss_rows = sum(k * (m - grand) ** 2 for m in row_means)
    ss_cols = sum(n * (m - grand) ** 2 for m in col_means)
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    mse = (ss_total - ss_rows - ss_cols) / ((n - 1) * (k - 1))
    if kind == "3,1":
        return (msr - mse) / (msr + (k - 1) * mse)
    return (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)


def test_icc_reproduces_the_published_shrout_fleiss_values() -> None:
    assert icc(SHROUT_FLEISS, "2,1") == pytest.approx(0.29, abs=0.005)
    assert icc(SHROUT_FLEISS, "3,1") == pytest.approx(0.71, abs=0.005)


def test_icc_of_a_constant_shift_without_error_is_exact() -> None:
    # Trial 2 always reads 2 N more: perfect consistency, imperfect agreement.
    table = [[10.0, 12.0], [20.0, 22.0], [30.0, 32.0]]
    assert icc(table, "3,1") == pytest.approx(1.0)
    assert icc(table, "2,1") == pytest.approx(200.0 / 204.0)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("kind", ["2,1", "3,1"])
def test_icc_matches_the_slow_reference(seed: int, kind: str) -> None:
    rng = np.random.default_rng(seed)
    table = (rng.normal(100, 15, (6, 1)) + rng.normal(0, 5, (6, 4))).tolist()
    assert icc(table, kind) == pytest.approx(slow_icc(table, kind), rel=1e-12)


def test_icc_rejects_bad_tables() -> None:
    with pytest.raises(ValueError, match=r"at least 2 × 2"):
        icc([[1.0, 2.0]])
    with pytest.raises(ValueError, match="finite"):
        icc([[1.0, math.nan], [2.0, 3.0]])
    with pytest.raises(ValueError, match="kind"):
        icc(SHROUT_FLEISS, "1,1")  # type: ignore[arg-type]
    assert math.isnan(icc([[5.0, 5.0], [5.0, 5.0]]))


def test_sem_and_mdc_follow_the_formulas_on_a_constructed_dataset() -> None:
    sessions = [[100.0, 104.0, 98.0], [120.0, 118.0, 125.0], [90.0, 95.0], [110.0, 108.0, 111.0]]
    noise = estimate_noise(sessions, 105.0)
    table = [s[:2] for s in sessions]  # balanced on the fewest trials (2)
    expected_icc = slow_icc(table, "2,1")
    sd = statistics.stdev(itertools.chain.from_iterable(table))
    expected_sem = sd * math.sqrt(1.0 - expected_icc)
    assert noise.method == "icc"
    assert (noise.sessions, noise.trials) == (4, 2)
    assert noise.icc21 == pytest.approx(expected_icc)
    assert noise.icc31 == pytest.approx(slow_icc(table, "3,1"))
    assert noise.sem_n == pytest.approx(expected_sem)
    assert noise.mdc_n == pytest.approx(1.96 * math.sqrt(2.0) * expected_sem)
    assert "ICC(2,1)" in noise.note


def test_negative_icc_counts_as_zero() -> None:
    # Within-session spread larger than between sessions: ICC < 0, SEM = SD.
    sessions = [[100.0, 120.0], [120.0, 100.0], [110.0, 111.0]]
    noise = estimate_noise(sessions, 110.0)
    assert noise.icc21 is not None and noise.icc21 < 0
    assert noise.sem_n == pytest.approx(statistics.stdev([100, 120, 120, 100, 110, 111]))


@pytest.mark.parametrize(
    "sessions",
    [[], [[110.0]], [[110.0, 112.0, 108.0]], [[110.0], [111.0], [109.0]], [[5.0, 5.0], [5.0, 5.0]]],
)
def test_too_few_trials_fall_back_to_the_published_fraction_and_say_so(
    sessions: list[list[float]],
) -> None:
    noise = estimate_noise(sessions, 110.0)
    assert noise.method == "fallback"
    assert noise.mdc_n == pytest.approx(FALLBACK_MDC_FRACTION * 110.0)
    assert noise.sem_n is None and noise.icc21 is None
    assert "fallback" in noise.note and "15–30 %" in noise.note and "too few" in noise.note


def test_within_session_cv_is_the_pooled_sd_over_the_mean() -> None:
    assert within_cv_pct([[9.0, 11.0], [19.0, 21.0]]) == pytest.approx(100 * math.sqrt(2) / 15)
    assert within_cv_pct([[9.0], [19.0]]) is None


def test_change_is_called_only_beyond_the_mdc_in_both_directions() -> None:
    noise = estimate_noise([[100.0]], 100.0)  # fallback: MDC 20 N
    up = call_change([100.0], [150.0], noise)
    down = call_change([100.0, 104.0], [70.0], noise)
    small = call_change([100.0], [115.0], noise)
    assert up.changed and up.pct == pytest.approx(50.0) and up.text == "+50 %, beyond MDC"
    assert down.changed and down.diff_n == pytest.approx(-32.0)
    assert not small.changed and small.text == "+15 %, within MDC"
    with pytest.raises(ValueError, match="at least one"):
        call_change([], [1.0], noise)


def test_mdc_constant_is_the_design_formula() -> None:
    assert pytest.approx(1.96 * math.sqrt(2)) == MDC_Z


def test_asymmetry_signed_difference_symmetry_index_and_flag() -> None:
    weak_right = asymmetry(120.0, 90.0, 20.0, muscle="psoas")
    assert weak_right.diff_pct == pytest.approx(25.0)
    assert weak_right.symmetry_index == pytest.approx(100 * 30 / 105)
    assert weak_right.flagged
    # The same 25 % within a larger MDC is not flagged: healthy sides differ that much.
    assert not asymmetry(120.0, 90.0, 35.0).flagged
    assert asymmetry(90.0, 120.0, 20.0).diff_pct == pytest.approx(-25.0)
    with pytest.raises(ValueError, match="left_n"):
        asymmetry(0.0, 90.0, 10.0)


def test_nmed_is_the_mean_rms_gap_over_pairs() -> None:
    a, b, c = np.zeros(101), np.full(101, 0.1), np.full(101, 0.4)
    assert nmed([a, b, c]) == pytest.approx((0.1 + 0.4 + 0.3) / 3)
    assert nmed([a]) is None
    with pytest.raises(ValueError, match="one length"):
        nmed([a, np.zeros(5)])


def test_rise_curves_compare_shape_not_duration_or_force() -> None:
    def ramp(rise_s: float, peak: float) -> tuple[np.ndarray, np.ndarray]:
        t = np.arange(0.0, 1.0 + rise_s, 0.001)
        return t, 3.0 + np.clip((t - 1.0) / rise_s, 0.0, 1.0) * peak

    slow = rise_curve(*ramp(2.0, 200.0), onset_s=1.0, peak_s=3.0, peak_n=200.0)
    quick = rise_curve(*ramp(0.5, 50.0), onset_s=1.0, peak_s=1.5, peak_n=50.0)
    assert slow is not None and quick is not None
    np.testing.assert_allclose(slow, np.linspace(0.0, 0.95, 101), atol=1e-3)
    assert nmed([slow, quick]) == pytest.approx(0.0, abs=1e-3)
    assert rise_curve(*ramp(0.5, 50.0), onset_s=1.0, peak_s=1.0, peak_n=50.0) is None


def test_rise_stats_slope_cv_is_relative_to_peak() -> None:
    # Same rise time on a strong and a weak muscle: slopes differ, the relative rate does not.
    efforts = [
        {"rise_slope_n_per_s": 200.0, "peak_n": 200.0, "start_force_n": 4.0, "start_ratio": 0.02},
        {"rise_slope_n_per_s": 50.0, "peak_n": 50.0, "start_force_n": 2.0, "start_ratio": 0.04},
    ]
    stats = rise_stats(efforts)
    assert stats.slope_cv_pct == pytest.approx(0.0)
    assert stats.rise_slope_n_per_s == pytest.approx(125.0)
    assert stats.start_ratio == pytest.approx(0.03)
    assert stats.nmed is None and stats.time_to_peak_s is None
