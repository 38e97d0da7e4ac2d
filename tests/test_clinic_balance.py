"""Trial CV, limb symmetry index and agonist/antagonist ratios against hand-computed cases."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from test_clinic_protocol import Clinic

from nkt_dyno.clinic import (
    asymmetry,
    build_report,
    ratio_band,
    ratios,
    render_html,
    sides_differ,
    trial_spreads,
)
from nkt_dyno.clinic._balance import TrialSpread
from nkt_dyno.store import Store


def spread(*forces: float) -> TrialSpread:
    n = len(forces)
    mean = sum(forces) / n
    sd = math.sqrt(sum((f - mean) ** 2 for f in forces) / (n - 1))
    return TrialSpread("psoas", "L", "baseline", forces, mean, sd, 100 * sd / mean)


def test_cv_warnings_at_15_and_20_percent() -> None:
    assert spread(100, 110, 90).cv_pct == pytest.approx(10.0)  # SD 10 over mean 100
    assert spread(100, 110, 90).warning == ""
    assert spread(100, 117, 83).cv_pct == pytest.approx(17.0)
    assert spread(100, 117, 83).warning.startswith("above 15 %: variable trials")
    assert spread(100, 125, 75).warning.startswith("above 20 %: too variable to interpret")


def test_limb_symmetry_index_is_weaker_over_stronger() -> None:
    assert asymmetry(80.0, 100.0, 10.0).lsi_pct == pytest.approx(80.0)
    assert asymmetry(100.0, 80.0, 10.0).lsi_pct == pytest.approx(80.0)


def test_ratio_band_moves_each_force_by_its_mdc() -> None:
    r = ratio_band("knee H/Q", "L", "hamstrings", "vastus medialis oblique", 120, 200, 12, 20)
    assert r.ratio == pytest.approx(0.6)
    assert r.low == pytest.approx(108 / 220)
    assert r.high == pytest.approx(132 / 180)
    other = ratio_band("knee H/Q", "R", "hamstrings", "vastus medialis oblique", 60, 200, 6, 20)
    assert other.high == pytest.approx(66 / 180)
    assert other.high < r.low
    assert sides_differ(r, other) and sides_differ(other, r)
    close = ratio_band("knee H/Q", "R", "hamstrings", "vastus medialis oblique", 110, 200, 11, 20)
    assert not sides_differ(r, close)
    assert math.isinf(ratio_band("x", "L", "a", "b", 50, 10, 5, 10).high)
    with pytest.raises(ValueError, match="positive"):
        ratio_band("x", "L", "a", "b", 0, 10, 1, 1)


def test_session_trials_ratios_and_report(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        c = Clinic(store)
        s = c.session()
        for peak in (100.0, 130.0, 80.0):
            c.add_test(s, "hamstrings", "L", "baseline", "hold", peak)
        c.add_test(s, "VMO", "L", "baseline", "hold", 200.0)
        c.add_test(s, "gluteus medius", "R", "baseline", "hold", 150.0)
        tests = store.tests(s)
        found = trial_spreads(tests)
        assert [(t.muscle, t.side, len(t.forces_n)) for t in found] == [("hamstrings", "L", 3)]
        assert found[0].cv_pct > 20  # about 100, 130, 80 N
        (hq,) = ratios(store, store.get_session(s), tests)
        assert (hq.pair, hq.side, hq.antagonist) == ("knee H/Q", "L", "vastus medialis oblique")
        assert hq.ratio == pytest.approx(found[0].mean_n / hq.antagonist_n)
        assert hq.low < hq.ratio < hq.high
        html = render_html(build_report(store, s))
    assert "above 20 %: too variable to interpret; repeat the trials" in html
    assert f"<td>{hq.ratio:.2f}</td>" in html and "knee H/Q" in html
