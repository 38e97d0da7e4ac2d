"""Protocol groups in the store, change calls on sessions with known effects, the CLI."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from nkt_dyno import cli
from nkt_dyno.clinic import GroupSummary, plan, summarise_group
from nkt_dyno.clinic.simulation import parse_scenarios, step_scenario
from nkt_dyno.engine.synthetic import generate
from nkt_dyno.store import Store, analyse, save_recording
from nkt_dyno.store._schema import MIGRATIONS
from nkt_dyno.trace import Trace

DAY0 = dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.UTC)


def effort(case: str, seed: int, peak_n: float) -> Trace:
    """A synthetic test (engine corpus) whose effort above rest peaks at ``peak_n``."""
    tr = generate(case, seed, rate_hz=200.0)
    keep = tr.t >= tr.truth.onset_s - 0.8
    t, f = tr.t[keep] - tr.t[keep][0], tr.force[keep]
    rest = float(np.median(f[t < 0.4]))
    return Trace(t, rest + (f - rest) * peak_n / tr.truth.peak_n, None, {"sample_rate_hz": "200"})


class Clinic:
    """Writes sessions of synthetic tests with chosen forces into a real store."""

    def __init__(self, store: Store, client: str = "Jo Example", examiner: str = "Dr Weiss"):
        self.store = store
        self.client = store.add_client(client).id
        self.examiner = examiner
        self.seed = 0
        self.day = 0

    def session(self) -> int:
        self.day += 1
        started = (DAY0 + dt.timedelta(days=7 * self.day)).isoformat()
        return self.store.start_session(self.client, examiner=self.examiner, started=started).id

    def add_test(
        self,
        session: int,
        muscle: str,
        side: str,
        condition: str,
        case: str,
        peak_n: float,
        *,
        group: int | None = None,
        target: str | None = None,
    ) -> int:
        self.seed += 1
        trace = effort(case, self.seed, peak_n)
        started = self.store.get_session(session).started
        recorded = (
            dt.datetime.fromisoformat(started) + dt.timedelta(seconds=self.seed)
        ).isoformat()
        return self.store.save_test(
            session,
            muscle=muscle,
            side=side,
            condition=condition,
            trace=trace,
            challenge_target=target,
            analysis=analyse(trace),
            recorded=recorded,
            group_id=group,
        )

    def history(self, muscle: str, side: str, case: str, level: float, cv: float, n: int) -> None:
        """``n`` earlier sessions of three baseline trials around ``level`` N (trial CV ``cv``)."""
        rng = np.random.default_rng(self.seed + 1000)
        for _ in range(n):
            s = self.session()
            day_level = level * (1 + 0.03 * rng.normal())
            for _ in range(3):
                self.add_test(
                    s, muscle, side, "baseline", case, day_level * (1 + cv * rng.normal())
                )

    def group(self, muscle: str, side: str, steps: list[tuple[str, str, float, str | None]]) -> int:
        """A protocol group in a new session: (condition, case, peak N, challenge target)."""
        s = self.session()
        gid = self.store.start_protocol_group(s, muscle=muscle, side=side).id
        for condition, case, peak, target in steps:
            self.add_test(s, muscle, side, condition, case, peak, group=gid, target=target)
        return gid


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "clinic.sqlite3")


@pytest.fixture
def store(db: str):
    with Store.open(db) as s:
        yield s


def verdicts(summary: GroupSummary) -> list[str]:
    steps = (*summary.baseline, *summary.challenges, *summary.post)
    return [s.test.analysis.verdict if s.test.analysis else "-" for s in steps]


# -- the two known effects --------------------------------------------------------------


def test_a_muscle_that_breaks_at_baseline_and_holds_after_treatment_has_changed(
    store: Store,
) -> None:
    clinic = Clinic(store)
    clinic.history("gluteus medius", "L", "break", 110.0, cv=0.03, n=3)
    gid = clinic.group(
        "gluteus medius",
        "L",
        [
            ("baseline", "break", 112.0, None),
            ("baseline", "break", 108.0, None),
            ("challenge", "hold", 171.0, "TFL"),
            ("retest", "hold", 168.0, None),
        ],
    )
    summary = summarise_group(store, gid)
    assert verdicts(summary) == ["break", "break", "hold", "hold"]
    assert summary.noise is not None and summary.noise.method == "icc"
    assert summary.noise.sessions == 4  # three earlier sessions and this one
    assert summary.change is not None and summary.change.changed
    assert summary.change.pct == pytest.approx(52.7, abs=3.0)
    assert summary.challenge_changes[0] is not None and summary.challenge_changes[0].changed
    assert re.fullmatch(
        r"gluteus medius L: baseline BREAK at 11\d N · drop \d\d %, BREAK at 1\d\d N "
        r"· drop \d\d %; challenge TFL L → HOLD 17\d N; "
        r"retest → HOLD 16\d N \(\+5\d %, beyond MDC\)",
        summary.line(),
    ), summary.line()


def test_a_noisy_muscle_without_real_change_is_not_called_changed(store: Store) -> None:
    clinic = Clinic(store)
    clinic.history("psoas", "R", "hold", 140.0, cv=0.12, n=4)
    # +15 %: a fixed 10 % rule would call this a change; this muscle's noise does not.
    gid = clinic.group(
        "psoas", "R", [("baseline", "hold", 140.0, None), ("retest", "hold", 161.0, None)]
    )
    summary = summarise_group(store, gid)
    assert summary.noise is not None and summary.noise.method == "icc"
    assert summary.noise.cv_pct is not None and summary.noise.cv_pct > 8.0
    assert summary.change is not None and not summary.change.changed
    assert re.search(r"\(\+1[4-7] %, within MDC\)$", summary.line()), summary.line()


def test_the_same_noisy_muscle_losing_half_its_force_has_changed(store: Store) -> None:
    clinic = Clinic(store)
    clinic.history("psoas", "R", "hold", 140.0, cv=0.12, n=4)
    gid = clinic.group(
        "psoas", "R", [("baseline", "hold", 140.0, None), ("retest", "break", 75.0, None)]
    )
    change = summarise_group(store, gid).change
    assert change is not None and change.changed and change.diff_n < 0


def test_without_history_the_fallback_is_used_and_stated(
    store: Store, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic = Clinic(store)
    gid = clinic.group(
        "psoas", "L", [("baseline", "hold", 100.0, None), ("retest", "hold", 112.0, None)]
    )
    summary = summarise_group(store, gid)
    assert summary.noise is not None and summary.noise.method == "fallback"
    assert summary.change is not None and not summary.change.changed  # 12 N < 20 % of 100 N
    assert cli.main(["protocol", "show", str(gid), "--db", db]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"^psoas L: baseline HOLD 10\d N; retest → HOLD 11\d N \(\+1\d %, within MDC\)$",
        out,
        re.MULTILINE,
    ), out
    assert "fallback (20 % of force, reported range 15–30 %)" in out and "too few" in out


def test_reliability_uses_only_this_examiners_baselines_up_to_the_session(store: Store) -> None:
    clinic = Clinic(store)
    clinic.examiner = "Someone Else"
    clinic.history("psoas", "R", "hold", 140.0, cv=0.03, n=3)
    clinic.examiner = "Dr Weiss"
    gid = clinic.group(
        "psoas", "R", [("baseline", "hold", 140.0, None), ("retest", "hold", 150.0, None)]
    )
    clinic.history("psoas", "R", "hold", 140.0, cv=0.03, n=3)  # later sessions do not count
    noise = summarise_group(store, gid).noise
    assert noise is not None and noise.method == "fallback"


# -- the store's protocol groups ----------------------------------------------------------


def test_groups_link_their_tests_and_refuse_strangers(store: Store) -> None:
    clinic = Clinic(store)
    session = clinic.session()
    group = store.start_protocol_group(session, muscle="glute med", side="L")
    assert (group.muscle, group.side, group.session_id) == ("gluteus medius", "L", session)
    first = clinic.add_test(
        session, "gluteus medius", "L", "baseline", "hold", 100.0, group=group.id
    )
    loose = clinic.add_test(session, "gluteus medius", "L", "baseline", "hold", 100.0)
    assert [t.id for t in store.group_tests(group.id)] == [first]
    assert store.get_test(first).group_id == group.id and store.get_test(loose).group_id is None
    assert store.protocol_groups(session) == [group]
    with pytest.raises(ValueError, match="cannot join"):
        clinic.add_test(session, "psoas", "L", "baseline", "hold", 100.0, group=group.id)
    with pytest.raises(ValueError, match="cannot join"):
        clinic.add_test(clinic.session(), "gluteus medius", "L", "baseline", "hold", 90.0, group=1)
    assert len(store.test_ids()) == 2


def test_save_recording_puts_a_group_test_into_the_groups_session(store: Store) -> None:
    clinic = Clinic(store)
    old = clinic.session()
    group = store.start_protocol_group(old, muscle="psoas", side="R")
    test_id = save_recording(
        store,
        effort("hold", 3, 120.0),
        client=clinic.client,
        muscle="psoas",
        side="R",
        condition="baseline",
        group_id=group.id,
    )
    assert store.get_test(test_id).session_id == old


def test_migration_3_adds_groups_to_a_version_2_file(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO clients (name, created) VALUES ('Old', '2020-01-01T00:00:00+00:00')")
    conn.execute(
        "INSERT INTO sessions (client_id, started) VALUES (1, '2020-01-01T00:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    with Store.open(path) as s:
        assert s.schema_version >= 3
        assert s.protocol_groups(1) == []
        gid = s.start_protocol_group(1, muscle="psoas", side="L").id
        tid = s.save_test(
            1,
            muscle="psoas",
            side="L",
            condition="baseline",
            trace=effort("hold", 1, 90.0),
            group_id=gid,
        )
        assert s.get_test(tid).group_id == gid
        assert s.integrity_check() == "ok"


# -- running a protocol -------------------------------------------------------------------


def test_plan_orders_baselines_challenges_and_retests() -> None:
    steps = plan(baselines=2, challenges=["TFL", "QL"], retests=2)
    assert [s.label for s in steps] == [
        "baseline test",
        "baseline test 2",
        "challenge TFL",
        "challenge QL",
        "retest",
        "retest 2",
    ]
    assert [s.condition for s in steps][-1] == "retest"
    with pytest.raises(ValueError, match="baseline"):
        plan(baselines=0)


def test_scenarios_per_role_and_forces() -> None:
    assert parse_scenarios("hold") == dict.fromkeys(("baseline", "challenge", "retest"), "hold")
    assert parse_scenarios("retest=break@90")["retest"] == "break@90"
    assert parse_scenarios("retest=break@90")["baseline"] == "break@110"
    with pytest.raises(ValueError, match="role=case"):
        parse_scenarios("after=hold")
    scenario = step_scenario("hold@150", seed=2)
    rest = float(np.median(scenario.force[:50]))
    assert float(scenario.force.max()) - rest == pytest.approx(150.0, rel=0.1)
    with pytest.raises(ValueError, match="positive"):
        step_scenario("hold@-3", seed=1)


def test_protocol_run_end_to_end_on_a_simulated_device(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["client", "add", "Jo Example", "--db", db]) == 0
    code = cli.main(
        [
            "protocol",
            "run",
            "--db",
            db,
            "--client",
            "Jo Example",
            "--muscle",
            "glute med",
            "--side",
            "L",
            "--device",
            "sim:progressor",
            "--challenge",
            "TFL",
            "--examiner",
            "Dr Weiss",
            "--seed",
            "41",  # short synthetic efforts: the run takes real time
            "--yes",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "baseline test ..." in out and "challenge TFL ..." in out and "retest ..." in out
    line = next(x for x in out.splitlines() if x.startswith("gluteus medius L:"))
    assert re.fullmatch(
        r"gluteus medius L: baseline BREAK at 1\d\d N · drop \d\d %; "
        r"challenge TFL L → HOLD 1\d\d N; retest → HOLD 1\d\d N \(\+\d+ %, beyond MDC\)",
        line,
    ), line
    with Store.open(db) as s:
        (group,) = s.protocol_groups(s.sessions()[0].id)
        tests = s.group_tests(group.id)
        assert [t.condition for t in tests] == ["baseline", "challenge", "retest"]
        assert tests[1].challenge_target == "tensor fasciae latae"
        assert all(t.device_id and t.analysis for t in tests)
        assert s.get_examiner(s.sessions()[0].examiner_id or 0).name == "Dr Weiss"


def test_scenario_on_a_real_device_is_refused(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    Store.open(db).close()
    args = ["protocol", "run", "--db", db, "--client", "x", "--muscle", "psoas", "--side", "L"]
    assert cli.main([*args, "--device", "AA:BB", "--scenario", "hold", "--yes"]) == 1
    assert "only for simulated devices" in capsys.readouterr().err
