"""Progress over time: sessions against the first one's MDC95 band, in each quantity."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_clinic_protocol import Clinic

from nkt_dyno.clinic import build_report, progress, render_html, tracked
from nkt_dyno.clinic._progress import chart
from nkt_dyno.context import TestContext
from nkt_dyno.store import Store


def three_visits(store: Store) -> tuple[Clinic, list[int]]:
    """psoas R at about 100 N, then 104 N, then 150 N; lever arms in visits 1 and 3 only."""
    c = Clinic(store)
    sessions = []
    for level, arm in ((100.0, 0.3), (104.0, None), (150.0, 0.3)):
        s = c.session()
        sessions.append(s)
        for k in (-2.0, 0.0, 2.0):
            tid = c.add_test(s, "psoas", "R", "baseline", "hold", level + k)
            if arm is not None:
                store.edit_test(tid, who="me", context=TestContext(lever_arm_m=arm))
    c.add_test(sessions[-1], "psoas", "L", "baseline", "hold", 120.0)
    return c, sessions


def test_a_visit_beyond_the_reference_band_is_a_change(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        c, _ = three_visits(store)
        p = progress(store, c.client, "psoas", "R")
        first = p.visits[0].value
        assert [v.change for v in p.visits] == ["reference", "within", "up"]
        # one session of trials before the reference: the 20 % fallback MDC
        assert p.mdc == pytest.approx(0.2 * first)
        assert p.visits[1].value - first < p.mdc < p.visits[2].value - first
        assert [v.trials for v in p.visits] == [3, 3, 3]
        assert p.visits[0].verdicts == ("hold", "hold", "hold")
        torque = progress(store, c.client, "psoas", "R", quantity="torque")
        assert [round(v.value / 0.3, 6) for v in torque.visits] == [
            round(v.value, 6) for v in (p.visits[0], p.visits[2])
        ]
        assert torque.skipped == 1 and torque.mdc == pytest.approx(0.3 * p.mdc)
        assert progress(store, c.client, "psoas", "R", quantity="per_kg").visits == ()


def test_only_sides_tested_in_earlier_sessions_are_tracked(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        c, sessions = three_visits(store)
        assert tracked(store, c.client, store.tests(sessions[-1])) == [("psoas", "R")]


def test_the_chart_and_the_report_show_the_band_and_the_calls(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        c, sessions = three_visits(store)
        p = progress(store, c.client, "psoas", "R")
        svg = chart(p)
        html = render_html(build_report(store, sessions[-1]))
        older = render_html(build_report(store, sessions[1]))
    assert svg.count("<circle") == 3 and "reference ± MDC95" in svg
    assert 'fill="#c0392b"' not in svg and svg.count('fill="#1f6fb4"') == 1  # one visit up
    assert "<h2>Progress</h2><p class='summary'>psoas R: force withstood (N)</p>" in html
    assert "stronger beyond MDC" in html and "within MDC" in html
    assert "stronger beyond MDC" not in older  # a report never shows later sessions
