"""A test's context (fixation, angle, lever arm, pain, MMT grade) and a client's body mass:
checked, stored, migrated, carried by trace files, edited, exported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from test_store_core import make_trace

from nkt_dyno.cli import main
from nkt_dyno.context import TestContext
from nkt_dyno.store import NewAnalysis, Store
from nkt_dyno.store._codec import encode
from nkt_dyno.store._schema import MIGRATIONS, SCHEMA_VERSION
from nkt_dyno.trace import Trace, read_trace, write_trace

BELT = TestContext(fixation="belt", joint_angle_deg=90.0, lever_arm_m=0.32, pain=3, mmt_grade="4+")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(any_db: str) -> str:
    """An empty store on each backend (conftest's ``any_db``)."""
    Store.open(any_db).close()
    return any_db


# -- values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lever_arm_m", 35.0, r"in centimetres\? 35 cm is 0.35 m"),
        ("lever_arm_m", 0.0, "lever arm must be in metres"),
        ("pain", 11, "pain must be a whole number from 0 to 10"),
        ("pain", "2.5", "pain must be a whole number"),
        ("mmt_grade", "6", "MMT grade must be 0 to 5"),
        ("mmt_grade", "5+", "MMT grade must be 0 to 5"),
        ("fixation", "tape", "fixation must be one of handheld, belt, frame"),
        ("joint_angle_deg", "ninety", "joint angle must be a number"),
        ("joint_angle_deg", 400, "joint angle must be from -180 to 180"),
    ],
)
def test_bad_values_are_refused_with_a_sentence(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TestContext(**{field: value})  # type: ignore[arg-type]


def test_context_reads_back_from_trace_metadata(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_trace(path, Trace(np.arange(3.0), np.ones(3), metadata=BELT.to_metadata()))
    text = path.read_text()
    assert "# lever_arm_m: 0.32\n" in text and "# mmt_grade: 4+\n" in text
    assert TestContext.from_metadata(read_trace(path).metadata) == BELT
    with pytest.raises(ValueError, match=r"t\.csv: # pain: pain must be a whole number"):
        TestContext.from_metadata({"pain": "lots"}, source="t.csv")


def test_given_fields_override_defaults() -> None:
    assert TestContext(pain=5).over(BELT) == TestContext(
        fixation="belt", joint_angle_deg=90.0, lever_arm_m=0.32, pain=5, mmt_grade="4+"
    )
    assert BELT.line() == "belt, 90°, lever arm 0.32 m, pain 3/10, MMT 4+"


# -- store -----------------------------------------------------------------------


def test_the_store_keeps_test_type_and_context_and_edits_them(db: str) -> None:
    with Store.open(db) as s:
        session = s.start_session(s.add_client("A").id)
        tid = s.save_test(
            session.id,
            muscle="psoas",
            side="L",
            condition="baseline",
            trace=make_trace(1),
            test="make",
            context=BELT,
        )
        stored = s.get_test(tid)
        assert (stored.test, stored.context) == ("make", BELT)
        edited = s.edit_test(
            tid, who="me", context=TestContext(lever_arm_m=0.3), clear=["pain", "mmt_grade"]
        )
        assert edited.context == TestContext(fixation="belt", joint_angle_deg=90.0, lever_arm_m=0.3)
        entry = s.audit(tid)[-1]
        assert entry.before == {"pain": 3, "mmt_grade": "4+", "lever_arm_m": 0.32}
        assert entry.after == {"pain": None, "mmt_grade": None, "lever_arm_m": 0.3}
        with pytest.raises(ValueError, match="a field to clear must be one of"):
            s.edit_test(tid, who="me", clear=["notes"])


def test_body_mass_valid_at_the_test_day_is_the_latest_before_it(db: str) -> None:
    with Store.open(db) as s:
        client = s.add_client("A").id
        assert s.body_mass_at(client, "2025-01-01T12:00:00+00:00") is None
        s.add_body_mass(client, 70.0, measured="2024-06-01")
        s.add_body_mass(client, 74.5, measured="2025-03-01")
        s.add_body_mass(client, 72.0, measured=dt.date(2024, 12, 31))
        assert [m.kg for m in s.body_masses(client)] == [70.0, 72.0, 74.5]
        at = s.body_mass_at(client, "2025-02-15T12:00:00+00:00")
        assert at is not None and (at.kg, at.measured) == (72.0, "2024-12-31")
        assert s.body_mass_at(client, "2024-01-01T12:00:00+00:00") is None
        with pytest.raises(ValueError, match="body mass must be in kilograms"):
            s.add_body_mass(client, 7000)
        with pytest.raises(ValueError, match="is in the future"):
            s.add_body_mass(client, 70, measured=dt.date.today() + dt.timedelta(days=2))
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            s.add_body_mass(client, 70, measured="1/2/2025")


def _v5_store(path: Path) -> Trace:
    """A store built by the version 5 schema, holding one analysed test."""
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:5]:
        conn.executescript(script)
    conn.execute("PRAGMA user_version = 5")
    conn.execute("INSERT INTO clients (name, created) VALUES ('Old', '2020-01-01T00:00:00+00:00')")
    conn.execute("INSERT INTO sessions (client_id, started) VALUES (1, '2020-01-01T00:00:00')")
    conn.execute(
        "INSERT INTO tests (session_id, recorded, muscle, side, condition, test, rate_hz) "
        "VALUES (1, '2020-01-01T00:01:00+00:00', 'psoas', 'L', 'baseline', 'make', 1000.0)"
    )
    trace = make_trace(3)
    conn.execute(
        "INSERT INTO traces VALUES (1, 'f64le-xor-planes-zlib', ?, ?, ?, NULL, '{}')",
        (len(trace), encode(trace.t), encode(trace.force)),
    )
    conn.execute(
        "INSERT INTO analyses (test_id, engine_version, created, verdict, peak_n, break_ratio, "
        "efforts) VALUES (1, '1.0', '2020-01-01T00:02:00', 'hold', 150.0, 1.0, '[]')"
    )
    conn.commit()
    conn.close()
    return trace


def test_a_version_5_store_migrates_in_place_keeping_everything(tmp_path: Path) -> None:
    path = tmp_path / "v5.sqlite3"
    trace = _v5_store(path)
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 7
        test = s.get_test(1)
        assert (test.muscle, test.test, test.rate_hz, test.context) == (
            "psoas",
            "make",
            1000.0,
            TestContext(),
        )
        assert test.analysis is not None and test.analysis.peak_n == 150.0
        assert s.load_trace(1).force.tobytes() == trace.force.tobytes()
        s.add_body_mass(1, 80.0, measured="2019-12-01")
        s.edit_test(1, who="me", context=TestContext(lever_arm_m=0.4))
        assert s.integrity_check() == "ok"
    with Store.open(path) as s:
        assert s.get_test(1).context.lever_arm_m == 0.4
        mass = s.body_mass_at(1, s.get_test(1).recorded)
        assert mass is not None and mass.kg == 80.0


def test_the_schema_refuses_context_values_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    _v5_store(path)
    Store.open(path).close()
    conn = sqlite3.connect(path)
    for column, value in (("fixation", "tape"), ("pain", 12), ("lever_arm_m", -1.0)):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(f"UPDATE tests SET {column} = ? WHERE id = 1", (value,))
    conn.close()


# -- command line ----------------------------------------------------------------


def _effort_file(path: Path, metadata: dict[str, str]) -> Path:
    t = np.arange(0.0, 4.0, 0.001)
    f = 5.0 + np.interp(t, [0, 0.5, 1.5, 3.0, 3.5, 4.0], [0, 0, 150, 150, 0, 0])
    write_trace(path, Trace(t, f, metadata=metadata))
    return path


def test_import_takes_context_from_options_over_the_file(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    run(capsys, "client", "add", "Jo", "--body-mass", "71.5", "--db", db)
    meta = {"muscle": "psoas", "side": "L", "test": "make", **BELT.to_metadata()}
    path = _effort_file(tmp_path / "e.csv", meta)
    code, _, err = run(capsys, "import", str(path), "--client", "Jo", "--pain", "0",
                         "--whole", "--db", db)  # fmt: skip
    assert code == 0, err
    with Store.open(db) as s:
        test = s.get_test(1)
        assert test.test == "make"
        assert test.context == TestContext(pain=0).over(BELT)


def test_bad_context_options_are_one_sentence(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    path = _effort_file(tmp_path / "e.csv", {"muscle": "psoas", "side": "L"})
    with pytest.raises(SystemExit):
        main(["import", str(path), "--client", "Jo", "--lever-arm", "32", "--db", db])
    assert "lever arm must be in metres, from 0.02 to 1.5 m, got 32 (in centimetres?" in (
        capsys.readouterr().err
    )
    run(capsys, "client", "add", "Jo", "--db", db)
    bad = _effort_file(tmp_path / "b.csv", {"muscle": "psoas", "side": "L", "pain": "11"})
    code, _, err = run(capsys, "import", str(bad), "--client", "Jo", "--db", db)
    assert code != 0 and "# pain: pain must be a whole number from 0 to 10" in err


def test_test_edit_and_client_mass_commands(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    run(capsys, "client", "add", "Jo", "--db", db)
    path = _effort_file(tmp_path / "e.csv", {"muscle": "psoas", "side": "L"})
    assert run(capsys, "import", str(path), "--client", "Jo", "--whole", "--db", db)[0] == 0
    code, out, _ = run(capsys, "test", "edit", "1", "--lever-arm", "0.35", "--fixation",
                       "frame", "--mmt-grade", "3-", "--db", db)  # fmt: skip
    assert code == 0 and out.strip().endswith("break test, frame, lever arm 0.35 m, MMT 3-")
    code, out, _ = run(capsys, "test", "edit", "1", "--clear", "mmt-grade", "--db", db)
    assert out.strip().endswith("frame, lever arm 0.35 m")
    assert run(capsys, "client", "mass", "Jo", "68", "--date", "2024-05-01", "--db", db)[0] == 0
    code, out, _ = run(capsys, "client", "mass", "Jo", "--db", db)
    assert "2024-05-01  68" in out
    code, _, err = run(capsys, "client", "mass", "Jo", "68", "--date", "May 1", "--db", db)
    assert code != 0 and "YYYY-MM-DD" in err


# -- exports ---------------------------------------------------------------------


def _exported(capsys: pytest.CaptureFixture[str], db: str, out: Path, *extra: str) -> list[Path]:
    code, text, err = run(capsys, "export", "--session", "1", "-o", str(out), "--db", db, *extra)
    assert code == 0, err
    return [Path(p) for p in text.split()]


def _seed(db: str) -> None:
    with Store.open(db) as s:
        client = s.add_client("Maria Example")
        s.add_body_mass(client.id, 64.0, measured="2024-01-10")
        session = s.start_session(client.id, started="2024-02-01T09:00:00+00:00")
        trace = make_trace(2)
        trace = Trace(trace.t, trace.force, metadata={**BELT.to_metadata(), "device": "Maria's"})
        s.save_test(
            session.id,
            muscle="psoas",
            side="R",
            condition="baseline",
            trace=trace,
            test="make",
            context=BELT,
            recorded="2024-02-01T09:05:00+00:00",
            analysis=NewAnalysis("1.0", [{"verdict": "hold", "peak_n": 200.0}]),
        )


def test_exports_carry_the_context_and_the_body_mass(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    _seed(db)
    summary_path, _ = _exported(capsys, db, tmp_path / "plain")
    row = next(csv.DictReader(io.StringIO(summary_path.read_text("utf-8-sig"))))
    assert {k: row[k] for k in ("test", "fixation", "joint_angle_deg", "lever_arm_m")} == {
        "test": "make",
        "fixation": "belt",
        "joint_angle_deg": "90.0",
        "lever_arm_m": "0.32",
    }
    assert (row["pain"], row["mmt_grade"], row["body_mass_kg"]) == ("3", "4+", "64.0")
    assert row["body_mass_measured"] == "2024-01-10"
    paths = _exported(capsys, db, tmp_path / "shared", "--pseudonymise", "--format", "json")
    summary = json.loads(paths[0].read_text("utf-8"))[0]
    assert "Maria" not in paths[0].read_text("utf-8") + paths[1].read_text("utf-8")
    assert (summary["body_mass_kg"], summary["lever_arm_m"], summary["mmt_grade"]) == (
        64.0,
        0.32,
        "4+",
    )
    assert summary["body_mass_measured"] != "2024-01-10"  # shifted with the client's times
    shift = dt.date.fromisoformat(summary["body_mass_measured"]) - dt.date(2024, 1, 10)
    recorded = dt.datetime.fromisoformat(summary["recorded"])
    assert abs((recorded.date() - dt.date(2024, 2, 1)) - shift).days <= 1
    metadata = json.loads(paths[1].read_text("utf-8"))[0]["metadata"]
    assert metadata == BELT.to_metadata()


def test_exports_carry_the_derived_measures(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    _seed(db)
    summary_path, _ = _exported(capsys, db, tmp_path / "plain")
    row = next(csv.DictReader(io.StringIO(summary_path.read_text("utf-8-sig"))))
    assert float(row["torque_nm"]) == pytest.approx(200.0 * 0.32)
    assert float(row["n_per_kg"]) == pytest.approx(200.0 / 64.0)
    assert float(row["nm_per_kg"]) == pytest.approx(200.0 * 0.32 / 64.0)
    # the seeded analysis has no onset: no rate measures, each with its reason
    assert row["rfd_0_50_n_per_s"] == "" and "rfd_0_50_n_per_s: no effort found" in row["withheld"]


def test_record_writes_the_context_into_the_trace_and_the_store(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    run(capsys, "client", "add", "Jo", "--db", db)
    out = tmp_path / "rec.csv"
    code, _, err = run(capsys, "record", "--device", "sim:progressor", "--seconds", "1.5",
                       "-o", str(out), "--save", "--client", "Jo", "--muscle", "psoas",
                       "--side", "R", "--test", "make", "--fixation", "belt",
                       "--lever-arm", "0.28", "--db", db)  # fmt: skip
    assert code == 0, err
    assert TestContext.from_metadata(read_trace(out).metadata) == TestContext(
        fixation="belt", lever_arm_m=0.28
    )
    with Store.open(db) as s:
        test = s.get_test(1)
    assert (test.test, test.context.line()) == ("make", "belt, lever arm 0.28 m")


def test_the_samples_digest_is_recomputed_from_an_export(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    import hashlib

    from nkt_dyno.clinic import build_report, render_html

    _seed(db)
    summary_path, traces_path = _exported(capsys, db, tmp_path / "plain")
    row = next(csv.DictReader(io.StringIO(summary_path.read_text("utf-8-sig"))))
    samples = list(csv.DictReader(io.StringIO(traces_path.read_text("utf-8-sig"))))
    t = np.array([float(r["time_s"]) for r in samples], dtype="<f8")
    f = np.array([float(r["force_n"]) for r in samples], dtype="<f8")
    assert row["samples_sha256"] == hashlib.sha256(t.tobytes() + f.tobytes()).hexdigest()
    with Store.open(db) as s:
        html = render_html(build_report(s, 1))
    assert f"SHA-256 {row['samples_sha256'][:16]}…" in html
