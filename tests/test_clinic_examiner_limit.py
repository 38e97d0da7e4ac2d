"""A hold at the examiner's usual maximum: the examiner may have set the limit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_clinic_protocol import Clinic

from nkt_dyno.clinic import build_report, examiner_limited, render_html, usual_max
from nkt_dyno.context import TestContext
from nkt_dyno.store import Store


def test_holds_at_the_usual_maximum_are_flagged_unless_belted(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        c = Clinic(store)
        first = c.session()
        for peak in (150.0, 155.0, 160.0, 165.0, 170.0, 175.0):
            c.add_test(first, "gluteus medius", "L", "baseline", "hold", peak)
        c.add_test(first, "psoas", "L", "baseline", "break", 240.0)  # a break: not the arm
        s = c.session()
        at_max = c.add_test(s, "psoas", "R", "baseline", "hold", 172.0)
        weak = c.add_test(s, "psoas", "L", "baseline", "hold", 90.0)
        belted = c.add_test(s, "gluteus medius", "R", "baseline", "hold", 172.0)
        store.edit_test(belted, who="me", context=TestContext(fixation="belt"))
        broke = c.add_test(s, "hamstrings", "L", "baseline", "break", 172.0)
        session = store.get_session(s)
        assert session.examiner_id is not None
        usual = usual_max(store, session.examiner_id, until=session.started)
        holds = [
            t.analysis.peak_n
            for sid in (first, s)
            for t in store.tests(sid)
            if t.analysis and t.analysis.verdict == "hold" and t.context.fixation is None
        ]
        assert usual is not None and usual.tests == len(holds) == 8
        assert usual.force_n == pytest.approx(np.percentile(holds, 90))
        calls = {
            tid: examiner_limited(store.get_test(tid), usual)
            for tid in (at_max, weak, belted, broke)
        }
        assert calls[at_max].endswith("the examiner may have set the limit; repeat with a belt")
        assert calls[weak] == calls[belted] == calls[broke] == ""
        # a report on the first session uses only the holds up to it
        early = usual_max(store, session.examiner_id, until=store.get_session(first).started)
        assert early is not None and early.tests == 6
        html = render_html(build_report(store, s))
    assert html.count("the examiner may have set the limit") == 1
    assert "Usual maximum with the device in hand" in html


def test_no_usual_maximum_from_too_few_holds(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite3") as store:
        c = Clinic(store)
        s = c.session()
        for peak in (150.0, 160.0, 170.0, 180.0):
            c.add_test(s, "psoas", "L", "baseline", "hold", peak)
        examiner = store.get_session(s).examiner_id
        assert examiner is not None and usual_max(store, examiner) is None
