"""The accuracy bench's scoring: matching found efforts to the truth, tallies, calibration."""

from __future__ import annotations

import dataclasses
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from _score import Score, decision_blocks, ece, rule_accuracy, rule_of, tally
from _sources import Recording, TrueEffort


def _rec(efforts: tuple[TrueEffort, ...], timed: bool = True) -> Recording:
    t = np.arange(0.0, 20.0, 0.01)
    return Recording("test", "r", t, np.zeros_like(t), None, True, "break", efforts, timed)


def _found(onset: float, verdict: str, peak: float = 100.0, conf: float = 0.9) -> dict:
    return {
        "onset_s": onset,
        "verdict": verdict,
        "peak_n": peak,
        "confidence": conf,
        "reasons": ["released to rest without a yield"],
        "flags": [],
        "break_source": "force" if verdict == "break" else None,
    }


def test_found_efforts_match_true_ones_by_time_and_extras_are_counted():
    truth = (
        TrueEffort("hold", onset_s=1.0, end_s=4.0, peak_n=100.0),
        TrueEffort("break", onset_s=8.0, end_s=11.0, peak_n=80.0),
    )
    score = Score()
    # a touch before, the hold, an extra break at rest, and the break called hold
    found = [
        _found(0.2, "hold", 5.0),
        _found(1.02, "hold"),
        _found(5.0, "break"),
        _found(8.01, "hold", 80.0),
    ]
    tally(score, _rec(truth), found, gyro=False)
    assert (score.efforts, score.right) == (2, 1)
    assert score.extra == 2 and score.count_wrong == 1 and score.missed == 0
    assert score.false_breaks == 1  # the unmatched break at 5 s
    assert score.onset_ms == pytest.approx([20.0, 10.0])


def test_a_recording_without_motion_is_timed_by_the_force_in_a_run_with_motion():
    truth = (TrueEffort("break", onset_s=8.0, end_s=11.0, break_s=9.0, yield_s=8.9),)
    found = [{**_found(8.0, "break"), "break_s": 9.01}]
    score = Score()
    tally(score, _rec(truth), found, gyro=True)
    assert score.break_ms == pytest.approx([10.0])


def test_a_late_yield_accepts_inconclusive_only_without_motion():
    late = TrueEffort("break", late=True)
    assert late.accepted(gyro=False) == {"break", "inconclusive"}
    assert late.accepted(gyro=True) == {"break"}
    assert TrueEffort("hold", cut=True).accepted(gyro=True) == {"hold", "inconclusive"}


def test_untimed_recordings_pair_in_order():
    score = Score()
    tally(
        score,
        _rec((TrueEffort("hold"), TrueEffort("hold")), timed=False),
        [_found(1, "hold")],
        False,
    )
    assert (score.efforts, score.right, score.missed) == (2, 1, 1)


def test_calibration_error_of_a_calibrated_and_an_overconfident_detector():
    calibrated = [(0.75, ok, "r") for ok in (True, True, True, False)] * 10
    assert ece(calibrated)[0] == pytest.approx(0.0)
    overconfident = [(0.95, ok, "r") for ok in (True, False)] * 10
    assert ece(overconfident)[0] == pytest.approx(45.0)


def test_rule_shares_shrink_toward_the_overall_share():
    calib = [(0.9, True, "a")] * 18 + [(0.9, False, "b")] * 2
    assert rule_accuracy(calib)["b"] == (0.0, 2)
    shrunk, n = rule_accuracy(calib, prior=10)["b"]
    assert n == 2 and shrunk == pytest.approx((0 + 10 * 0.9) / 12)
    assert rule_of({"verdict": "break", "break_source": "gyro"}) == "gyro"
    assert rule_of({"verdict": "inconclusive", "flags": ["possible_late_yield"]}) == "late"


def test_decision_blocks_feed_one_sample_at_a_time_only_around_breaks():
    rec = _rec((TrueEffort("break", onset_s=2.0, end_s=8.0, break_s=5.0, yield_s=4.9),))
    cuts = decision_blocks(rec, gyro=False)
    assert cuts[0].start == 0 and cuts[-1].stop == rec.t.size
    assert all(a.stop == b.start for a, b in itertools.pairwise(cuts))
    single = [rec.t[c.start] for c in cuts if c.stop - c.start == 1]
    assert min(single) == pytest.approx(4.7) and max(single) == pytest.approx(6.0)
    assert max(c.stop - c.start for c in cuts) == 101  # one second elsewhere
    moving = dataclasses.replace(rec, gyro=np.zeros_like(rec.t))
    with_motion = [
        moving.t[c.start] for c in decision_blocks(moving, gyro=True) if c.stop - c.start == 1
    ]
    assert min(with_motion) == pytest.approx(4.6)
    # a recording without a motion channel is timed by its force in that run too
    assert decision_blocks(rec, gyro=True) == cuts
