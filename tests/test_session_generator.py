"""Tests of the independent synthetic session generator (``bench/_sessions.py``)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import _sessions
from _sessions import CASES, EffortTruth, Session, corpus, session

SEED = 31337
N_CHECK = 60  # sessions whose labels are checked against the noise-free signals


@pytest.fixture(scope="module")
def default_corpus() -> list[Session]:
    return corpus()


@pytest.fixture(scope="module")
def built() -> list[_sessions._Built]:
    """Sessions with their noise-free force and motion at the sample times."""
    return [_sessions._build(SEED, index) for index in range(N_CHECK)]


def _equal(a: Session, b: Session) -> bool:
    same_gyro = (a.gyro is None and b.gyro is None) or (
        a.gyro is not None and b.gyro is not None and np.array_equal(a.gyro, b.gyro)
    )
    return (
        a.name == b.name
        and np.array_equal(a.t, b.t)
        and np.array_equal(a.force, b.force)
        and same_gyro
        and a.gyro_sign_known == b.gyro_sign_known
        and a.rate_hz == b.rate_hz
        and a.efforts == b.efforts
        and a.touches == b.touches
    )


def test_same_seed_gives_the_same_session() -> None:
    for index in (0, 5, 17):
        assert _equal(session(SEED, index), session(SEED, index))


def test_other_seed_or_index_gives_another_session() -> None:
    a = session(SEED, 3)
    assert not _equal(a, session(SEED, 4))
    assert not _equal(a, session(SEED + 1, 3))


def test_corpus_is_the_list_of_sessions() -> None:
    small = corpus(4, seed=7)
    assert [s.name for s in small] == [f"7:{i}" for i in range(4)]
    assert _equal(small[2], session(7, 2))


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="seed"):
        session(-1, 0)
    with pytest.raises(ValueError, match="n must be"):
        corpus(-2)


def test_shapes_and_dtypes(default_corpus: list[Session]) -> None:
    assert len(default_corpus) == 300
    for s in default_corpus:
        assert s.t.dtype == np.float64 and s.force.dtype == np.float64
        assert s.t.ndim == 1 and s.force.shape == s.t.shape
        assert s.t.size > 100
        assert np.all(np.isfinite(s.t)) and np.all(np.isfinite(s.force))
        if s.gyro is not None:
            assert s.gyro.dtype == np.float64 and s.gyro.shape == s.t.shape
        else:
            assert s.gyro_sign_known
        assert s.rate_hz in (80.0, 250.0, 1000.0)
        assert 1 <= len(s.efforts) <= 6
        assert all(isinstance(e, EffortTruth) for e in s.efforts)


def test_time_strictly_increasing(default_corpus: list[Session]) -> None:
    for s in default_corpus:
        dt = np.diff(s.t)
        assert np.all(dt > 0), s.name
        # Typical spacing is the nominal period (jitter, lost packets and gaps aside).
        assert abs(float(np.median(dt)) * s.rate_hz - 1.0) < 0.05, s.name


def test_every_case_appears(default_corpus: list[Session]) -> None:
    kinds = Counter(e.kind for s in default_corpus for e in s.efforts)
    assert set(kinds) == set(CASES)
    assert all(kinds[k] >= 5 for k in CASES), kinds


def test_mix_of_sessions(default_corpus: list[Session]) -> None:
    n = len(default_corpus)
    single = sum(len(s.efforts) == 1 for s in default_corpus) / n
    make = sum(s.efforts[0].test == "make" for s in default_corpus) / n
    gyro = sum(s.gyro is not None for s in default_corpus) / n
    assert 0.22 < single < 0.45
    assert 0.12 < make < 0.30
    assert 0.48 < gyro < 0.72
    break_test = [e for s in default_corpus for e in s.efforts if e.test == "break"]
    late = sum(e.late for e in break_test) / len(break_test)
    assert 0.02 < late < 0.09
    assert any(s.touches for s in default_corpus)
    assert any(np.diff(s.t).max() > 10.0 for s in default_corpus)  # a long gap


def test_labels_are_well_formed(default_corpus: list[Session]) -> None:
    for s in default_corpus:
        tests = {e.test for e in s.efforts}
        assert len(tests) == 1 and tests <= {"break", "make"}, s.name
        prev_end = -np.inf
        for e in s.efforts:
            assert e.kind in CASES
            assert e.verdict in ("hold", "break")
            assert e.kind.startswith(e.verdict if e.test == "break" else "make")
            if e.test == "make":
                assert e.verdict == "hold"
            assert e.late == (e.kind == "break_late")
            assert s.t[0] <= e.onset_s <= e.peak_s <= e.end_s <= s.t[-1], s.name
            assert e.onset_s >= prev_end, s.name
            prev_end = e.end_s
            assert e.peak_n > 0
            if e.verdict == "hold":
                assert e.break_s is None and e.yield_s is None
                assert e.plateau_s is not None
            else:
                assert e.break_s is not None and e.yield_s is not None
                assert e.yield_s <= e.break_s + 1e-9 < e.end_s
                assert (e.plateau_s is not None) == e.late
            if e.plateau_s is not None:
                assert e.onset_s <= e.plateau_s <= e.peak_s
            if e.late:
                assert e.plateau_s is not None and e.break_s is not None
                assert e.break_s - e.plateau_s >= 0.5
        for a, b in s.touches:
            assert a < b
            assert all(b < e.onset_s or a > e.end_s for e in s.efforts), s.name


def _rest_before(clean: np.ndarray, t: np.ndarray, onset: float) -> float:
    i = int(np.searchsorted(t, onset))
    return float(np.median(clean[max(0, i - 20) : max(1, i - 2)]))


def test_labels_match_the_noise_free_signals(built: list[_sessions._Built]) -> None:
    for b in built:
        s, f, w = b.session, b.clean_force, b.clean_omega
        for k, e in enumerate(s.efforts):
            span = (s.t >= e.onset_s) & (s.t <= e.end_s)
            loaded = k == 0 and e.onset_s == s.t[0]
            if not loaded:
                rest = _rest_before(f, s.t, e.onset_s)
                top = float(f[span].max()) - rest
                # The peak on the sample grid is at most a little below the 2 kHz one.
                assert 0.97 * e.peak_n <= top <= e.peak_n * 1.001 + 1e-9, (s.name, k)
                # Skip 0.6 ms, one step of the 2 kHz grid the samples are interpolated from.
                before = f[(s.t < e.onset_s - 0.0006) & (s.t > e.onset_s - 0.3)]
                assert np.all(before - rest <= 0.0101 * e.peak_n), (s.name, k)
            if e.break_s is None or e.yield_s is None:
                continue
            f_break = float(np.interp(e.break_s, s.t, f))
            rest = _rest_before(f, s.t, e.onset_s) if not loaded else 0.0
            after = f[(s.t > e.break_s) & (s.t < e.break_s + 0.6)]
            assert f_break - float(after.min()) >= 0.1 * (f_break - rest), (s.name, k)
            # The limb moves in the push direction right after the yield, and not before.
            moving = w[(s.t >= e.yield_s) & (s.t <= e.yield_s + 0.25)]
            assert moving.max() > 10.0, (s.name, k)
            quiet = w[(s.t >= e.yield_s - 0.3) & (s.t < e.yield_s)]
            assert quiet.size == 0 or quiet.max() < moving.max() / 2, (s.name, k)


def test_gyro_reads_the_yield_with_the_known_sign(default_corpus: list[Session]) -> None:
    seen = 0
    for s in default_corpus[:N_CHECK]:
        if s.gyro is None or not s.gyro_sign_known:
            continue
        for e in s.efforts:
            if e.yield_s is None:
                continue
            window = s.gyro[(s.t >= e.yield_s) & (s.t <= e.yield_s + 0.25)]
            assert window.max() > 8.0, s.name
            seen += 1
    assert seen >= 5


def test_holds_spring_back_toward_the_examiner(built: list[_sessions._Built]) -> None:
    """At the release of a break-test hold the limb moves the negative way, fast."""
    minima = []
    for b in built:
        s, w = b.session, b.clean_omega
        for e in s.efforts:
            if e.test != "break" or e.verdict != "hold" or e.end_s == s.t[-1]:
                continue
            window = w[(s.t >= e.peak_s) & (s.t <= e.end_s + 0.3)]
            minima.append(float(window.min()))
    assert len(minima) >= 20
    assert np.mean(np.array(minima) < -5.0) > 0.85
