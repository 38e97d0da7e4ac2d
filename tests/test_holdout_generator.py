"""The hold-out generator (bench/_mechanical.py): deterministic, self-consistent labels.

Accuracy figures belong to ``bench/accuracy.py``; here only that the corpus is
well formed and that the engine runs on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from _mechanical import CASES, MechTrace, holdout_corpus, holdout_trace

from nkt_dyno.engine import Complete, Detector, analyze


@pytest.fixture(scope="module")
def corpus() -> list[MechTrace]:
    return holdout_corpus(len(CASES) * 2, seed=11)


def test_same_seed_same_corpus() -> None:
    a = holdout_corpus(len(CASES), seed=5)
    b = holdout_corpus(len(CASES), seed=5)
    for x, y in zip(a, b, strict=True):
        assert x.truth == y.truth
        np.testing.assert_array_equal(x.t, y.t)
        np.testing.assert_array_equal(x.force, y.force)
        np.testing.assert_array_equal(x.gyro, y.gyro)


def test_other_seed_other_corpus() -> None:
    a = holdout_corpus(3, seed=5)
    b = holdout_corpus(3, seed=6)
    assert not np.array_equal(a[0].force[:50], b[0].force[:50]) or a[0].t.size != b[0].t.size


def test_single_trace_is_deterministic() -> None:
    a, b = holdout_trace(3, 4), holdout_trace(3, 4)
    assert a.truth == b.truth
    np.testing.assert_array_equal(a.force, b.force)


def test_every_case_and_both_verdicts(corpus: list[MechTrace]) -> None:
    assert {tr.truth.case for tr in corpus} == set(CASES)
    assert {tr.truth.verdict for tr in corpus} == {"hold", "break"}


def test_time_strictly_increasing_and_shapes(corpus: list[MechTrace]) -> None:
    for tr in corpus:
        assert tr.t.shape == tr.force.shape == tr.gyro.shape
        assert np.all(np.diff(tr.t) > 0)
        assert np.all(np.isfinite(tr.force)) and np.all(np.isfinite(tr.gyro))
        assert tr.notif_ends[-1] == tr.t.size
        assert np.all(np.diff(tr.notif_ends) > 0)


def test_ground_truth_consistent(corpus: list[MechTrace]) -> None:
    for tr in corpus:
        g = tr.truth
        assert tr.t[0] < g.onset_s <= g.peak_s < tr.t[-1]
        assert g.peak_n >= 30.0
        assert g.rate_hz in (80.0, 200.0, 1000.0)
        if g.verdict == "hold":
            assert g.break_s is None and g.yield_s is None and g.drop_pct is None
        else:
            assert g.break_s is not None and g.yield_s is not None and g.drop_pct is not None
            assert g.onset_s < g.break_s < tr.t[-1]
            assert g.onset_s < g.yield_s < tr.t[-1]
            assert g.drop_pct >= 12.0
            # The yield shows in motion at most shortly after the force turns down.
            assert g.yield_s < g.break_s + 0.5


def test_peak_agrees_with_measured_force(corpus: list[MechTrace]) -> None:
    """The label's peak is the physical force; the reading differs by noise and spikes only."""
    for tr in corpus:
        if tr.truth.case == "hold_glitchy":
            continue
        rest = float(np.median(tr.force[tr.t < tr.truth.onset_s - 0.2]))
        k = np.convolve(tr.force - rest, np.ones(5) / 5, "valid")
        assert abs(np.max(k) - tr.truth.peak_n) < 0.08 * tr.truth.peak_n + 4.0


def test_engine_runs_offline_and_streaming() -> None:
    traces = holdout_corpus(30, seed=3)
    rng = np.random.Generator(np.random.PCG64(0))
    for tr in traces:
        for gyro in (None, tr.gyro):
            res = analyze(tr.t, tr.force, gyro)
            assert res, f"no effort found in trace {tr.index} ({tr.truth.case})"
            for r in res:
                assert r.to_dict()["verdict"] in ("hold", "break", "inconclusive")
        det = Detector()
        done = []
        a = 0
        while a < tr.t.size:
            b = min(tr.t.size, a + int(rng.integers(1, 60)))
            done += [e for e in det.feed(tr.t[a:b], tr.force[a:b]) if isinstance(e, Complete)]
            a = b
        done += [e for e in det.finish() if isinstance(e, Complete)]
        assert done
