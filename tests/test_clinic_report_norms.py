"""Reference values in the report and the session screen: shown only where a reference matches.

The packaged table matches no test (its rows state no patient position), so
the display path is checked with a hand-made table, never with edited packaged
data; here the facts are passed in over the store's (the store's own are
tested in test_client_sex_position.py and the end-to-end sessions).
"""

from __future__ import annotations

from html import unescape
from pathlib import Path

import pytest
from test_clinic_norms import MEAN_ONLY, WOMEN_20S, write_table
from test_clinic_protocol import DAY0, effort

from nkt_dyno.clinic import NormsFacts, build_report, render_html, versus_norms
from nkt_dyno.clinic.norms import DEVICE_CAVEAT, load_references
from nkt_dyno.store import Store, analyse


def _session(store: Store) -> tuple[int, list[int]]:
    """A woman aged 25 at the visit: gluteus medius L (break) and R (make), psoas (hold)."""
    client = store.add_client("Ann", birth_year=DAY0.year - 25)
    session = store.start_session(client.id, started=DAY0.isoformat()).id
    ids = []
    for seed, (muscle, side, case, test, peak) in enumerate(
        (
            ("gluteus medius", "L", "break", "break", 110.0),
            ("gluteus medius", "R", "hold", "make", 130.0),
            ("psoas", "L", "hold", "break", 140.0),
        ),
        start=1,
    ):
        trace = effort(case, seed, peak)
        test_id = store.save_test(session, muscle=muscle, side=side, condition="baseline",
                                  trace=trace, analysis=analyse(trace), test=test,
                                  recorded=DAY0.isoformat())  # fmt: skip
        ids.append(test_id)
    return session, ids


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "norms.sqlite3")


def test_without_sex_and_position_nothing_is_compared_and_the_header_says_why(db: str) -> None:
    with Store.open(db) as store:
        session, _ = _session(store)
        report = build_report(store, session)
    assert all(e.norms is not None and e.norms.comparison is None for e in report.tests)
    assert {e.norms.missing for e in report.tests if e.norms} == {
        ("the client's sex", "the patient position")
    }
    html = unescape(render_html(report))
    assert (
        "none compared with published values (not recorded: the client's sex, the patient position)"
    ) in html
    assert "<th>Reference</th>" not in html and "% of predicted" not in html
    assert "Reference values." not in html  # the method is printed only when it was used


def test_a_matching_reference_shows_percent_predicted_z_source_and_caveat(
    db: str, tmp_path: Path
) -> None:
    table = load_references(write_table(tmp_path, WOMEN_20S, MEAN_ONLY))
    with Store.open(db) as store:
        session, ids = _session(store)
        facts = NormsFacts(
            sex="female", positions={ids[0]: "supine", ids[1]: "supine"}, table=table
        )
        report = build_report(store, session, norms=facts)
        peak = float(store.get_test(ids[0]).analysis.peak_n)  # type: ignore[union-attr,arg-type]
    left, right, psoas = report.tests
    assert left.norms is not None and left.norms.comparison is not None
    comparison = left.norms.comparison
    # WOMEN_20S: gluteus medius, supine, break, women 20-29, 100 ± 20 N
    assert comparison.percent_predicted == pytest.approx(peak)  # 100 * peak / 100
    assert comparison.z == pytest.approx((peak - 100.0) / 20.0)
    html = unescape(render_html(report))
    assert html.count("<th>Reference</th>") == 2
    assert (
        f"{peak:.0f} % of predicted, z {(peak - 100.0) / 20.0:+.1f} "
        f"({peak:.3g} vs 100 N; Hand-made reference for the tests, Table 1)."
    ) in html
    assert DEVICE_CAVEAT[0].upper() + DEVICE_CAVEAT[1:] in html
    assert "<b>Reference values.</b>" in html
    # The make test meets the same muscle but the reference used the break method.
    assert right.norms is not None and right.norms.comparison is None
    assert "no published reference (no reference for gluteus medius matches this test: " in html
    assert "w20 used the break method, this test make" in html
    # No position given for psoas: nothing looked up, nothing printed for it.
    assert psoas.norms is not None and psoas.norms.missing == ("the patient position",)
    assert "1 test not compared with published values (not recorded: the patient position)" in (
        html
    )


def test_the_packaged_table_matches_no_test_even_with_every_fact(db: str) -> None:
    with Store.open(db) as store:
        session, _ = _session(store)
        client = store.get_client(store.get_session(session).client_id)
        for test in store.tests(session):
            for position in ("supine", "side-lying", "seated", "prone", "standing"):
                facts = NormsFacts(sex="female", positions={test.id: position})
                result = versus_norms(test, client, 60.0, facts)
                assert result.comparison is None
                assert "states no test position" in result.reason or "no reference value for" in (
                    result.reason
                )


def test_session_screen_lists_only_matched_comparisons(db: str, tmp_path: Path) -> None:
    pytest.importorskip("PySide6")
    from gui._session_screen import balance_html

    table = load_references(write_table(tmp_path, WOMEN_20S))
    with Store.open(db) as store:
        session, ids = _session(store)
        assert "Reference" not in balance_html(store, session)
        facts = NormsFacts(sex="female", positions={i: "supine" for i in ids}, table=table)
        text = balance_html(store, session, facts)
    lines = [line for line in text.split("<br>") if line.startswith("<b>Reference</b>")]
    assert len(lines) == 1 and f"#{ids[0]} gluteus medius L baseline: " in lines[0]
    assert "% of predicted, z " in lines[0] and "16 %" in lines[0]
