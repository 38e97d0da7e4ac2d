"""A client's sex and a test's patient position (schema 7): checked, stored, migrated,
carried by trace files, edited on the command line, exported; and the catalogue's
quadriceps, whose test is knee extension."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from test_store_core import make_trace

from nkt_dyno.cli import main
from nkt_dyno.clinic import versus_norms
from nkt_dyno.context import TestContext, patient_position, sex
from nkt_dyno.store import NewAnalysis, Store
from nkt_dyno.store._schema import SCHEMA_VERSION, migrate
from nkt_dyno.trace import Trace, read_trace, write_trace


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(any_db: str) -> str:
    """An empty store on each backend (conftest's ``any_db``)."""
    Store.open(any_db).close()
    return any_db


def _effort_file(path: Path, metadata: dict[str, str]) -> Path:
    t = np.arange(0.0, 4.0, 0.001)
    f = 5.0 + np.interp(t, [0, 0.5, 1.5, 3.0, 3.5, 4.0], [0, 0, 150, 150, 0, 0])
    write_trace(path, Trace(t, f, metadata=metadata))
    return path


# -- values ------------------------------------------------------------------------


def test_positions_and_sexes_read_forgivingly_and_refuse_in_one_sentence() -> None:
    assert patient_position(" Side lying ") == "side-lying"
    assert patient_position("sidelying") == "side-lying"
    assert sex("Female") == "female"
    with pytest.raises(
        ValueError,
        match=r"^patient position must be one of supine, prone, "
        r"side-lying, seated, standing, got 'kneeling'$",
    ):
        patient_position("kneeling")
    with pytest.raises(ValueError, match=r"^sex must be female or male, got 'x'$"):
        sex("x")
    context = TestContext(patient_position="seated", fixation="belt")
    assert context.line() == "seated, belt"
    assert TestContext.from_metadata(context.to_metadata()) == context


# -- store -------------------------------------------------------------------------


def test_the_store_keeps_and_corrects_sex_and_position(db: str) -> None:
    with Store.open(db) as s:
        client = s.add_client("Ann", birth_year=1990, sex="female")
        assert s.get_client(client.id).sex == "female"
        assert s.edit_client(client.id, sex="male", notes="n").sex == "male"
        cleared = s.edit_client(client.id, clear=["sex", "birth_year"])
        assert (cleared.sex, cleared.birth_year, cleared.notes) == (None, None, "n")
        with pytest.raises(ValueError, match="sex must be female or male"):
            s.add_client("Bo", sex="unknown")
        with pytest.raises(ValueError, match="a client detail to clear must be one of"):
            s.edit_client(client.id, clear=["name"])
        session = s.start_session(client.id)
        tid = s.save_test(
            session.id,
            muscle="quads",
            side="L",
            condition="baseline",
            trace=make_trace(1),
            context=TestContext(patient_position="seated"),
        )
        assert s.get_test(tid).context.patient_position == "seated"
        edited = s.edit_test(tid, who="me", context=TestContext(patient_position="supine"))
        assert edited.context.patient_position == "supine"
        assert s.audit(tid)[-1].before == {"patient_position": "seated"}


def _v6_store(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=6)
    conn.execute("INSERT INTO clients (name, birth_year, created) VALUES ('Old', 1960, '2020')")
    conn.execute("INSERT INTO sessions (client_id, started) VALUES (1, '2020-01-01T00:00:00')")
    conn.execute(
        "INSERT INTO tests (session_id, recorded, muscle, side, condition, lever_arm_m) "
        "VALUES (1, '2020-01-01T00:01:00+00:00', 'psoas', 'L', 'baseline', 0.4)"
    )
    trace = make_trace(3)
    from nkt_dyno.store._codec import encode

    conn.execute(
        "INSERT INTO traces VALUES (1, 'f64le-xor-planes-zlib', ?, ?, ?, NULL, '{}')",
        (len(trace), encode(trace.t), encode(trace.force)),
    )
    conn.close()


def test_a_version_6_store_migrates_in_place_and_the_schema_checks_the_new_columns(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v6.sqlite3"
    _v6_store(path)
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 7
        client, test = s.get_client(1), s.get_test(1)
        assert (client.name, client.birth_year, client.sex) == ("Old", 1960, None)
        assert test.context == TestContext(lever_arm_m=0.4)
        s.edit_client(1, sex="male")
        s.edit_test(1, who="me", context=TestContext(patient_position="prone"))
        assert s.integrity_check() == "ok"
    conn = sqlite3.connect(path)
    for sql in (
        "UPDATE clients SET sex = 'other'",
        "UPDATE tests SET patient_position = 'kneeling'",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(sql)
    conn.close()


# -- command line ------------------------------------------------------------------


def test_client_add_edit_and_list_with_sex(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = run(
        capsys, "client", "add", "Ann", "--sex", "female", "--birth-year", "1990", "--db", db
    )
    assert code == 0, err
    code, out, _ = run(capsys, "client", "edit", "Ann", "--sex", "male", "--db", db)
    assert code == 0 and out.strip() == "client 1: Ann, born 1990, sex male"
    _, out, _ = run(capsys, "client", "list", "--db", db)
    assert out.splitlines()[0].split() == ["id", "name", "born", "sex", "added"]
    assert out.splitlines()[2].split()[:4] == ["1", "Ann", "1990", "male"]
    code, out, _ = run(capsys, "client", "edit", "1", "--clear", "sex", "--db", db)
    assert out.strip().endswith("sex not recorded")
    with pytest.raises(SystemExit):
        main(["client", "edit", "Ann", "--sex", "other", "--db", db])
    assert "sex must be female or male, got 'other'" in capsys.readouterr().err
    run(capsys, "client", "add", "Bo", "--db", db)
    code, _, err = run(capsys, "client", "edit", "Bo", "--name", "ann", "--db", db)
    assert code != 0 and "there is already a client named 'Ann'" in err
    code, _, err = run(capsys, "client", "edit", "Bo", "--db", db)
    assert code != 0 and "nothing to change" in err


def test_position_comes_from_the_file_or_the_option_and_edits(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    run(capsys, "client", "add", "Jo", "--db", db)
    meta = {"muscle": "quadriceps", "side": "L", "patient_position": "seated"}
    path = _effort_file(tmp_path / "e.csv", meta)
    assert run(capsys, "import", str(path), "--client", "Jo", "--whole", "--db", db)[0] == 0
    assert (
        run(
            capsys,
            "import",
            str(path),
            "--client",
            "Jo",
            "--whole",
            "--patient-position",
            "supine",
            "--db",
            db,
        )[0]
        == 0
    )
    with Store.open(db) as s:
        assert [t.context.patient_position for t in s.tests(1)] == ["seated", "supine"]
    code, out, _ = run(capsys, "test", "edit", "1", "--patient-position", "prone", "--db", db)
    assert code == 0 and out.strip().endswith("prone")
    run(capsys, "test", "edit", "1", "--clear", "patient-position", "--db", db)
    with Store.open(db) as s:
        assert s.get_test(1).context.patient_position is None
    bad = _effort_file(tmp_path / "b.csv", {**meta, "patient_position": "upside down"})
    code, _, err = run(capsys, "import", str(bad), "--client", "Jo", "--db", db)
    assert code != 0 and "# patient_position: patient position must be one of" in err


def test_record_writes_the_position_into_the_trace(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    run(capsys, "client", "add", "Jo", "--db", db)
    out = tmp_path / "rec.csv"
    code, _, err = run(
        capsys,
        "record",
        "--device",
        "sim:progressor",
        "--seconds",
        "1.5",
        "-o",
        str(out),
        "--save",
        "--client",
        "Jo",
        "--muscle",
        "quads",
        "--side",
        "R",
        "--patient-position",
        "seated",
        "--db",
        db,
    )
    assert code == 0, err
    assert read_trace(out).metadata["patient_position"] == "seated"
    with Store.open(db) as s:
        assert s.get_test(1).context.patient_position == "seated"


# -- exports -----------------------------------------------------------------------


def _seed(db: str) -> None:
    with Store.open(db) as s:
        client = s.add_client("Maria Example", birth_year=1980, sex="female")
        session = s.start_session(client.id, started="2024-02-01T09:00:00+00:00")
        s.save_test(
            session.id,
            muscle="quadriceps",
            side="R",
            condition="baseline",
            trace=make_trace(2),
            context=TestContext(patient_position="seated"),
            recorded="2024-02-01T09:05:00+00:00",
            analysis=NewAnalysis("1.0", [{"verdict": "hold", "peak_n": 200.0}]),
        )


def test_exports_carry_sex_and_position_and_the_trace_brings_the_position_back(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    pytest.importorskip("fhir.resources")
    _seed(db)
    out = tmp_path / "x"
    for fmt in ("csv", "clinic-csv", "fhir"):
        code, _, err = run(
            capsys, "export", "--session", "1", "--format", fmt, "-o", str(out), "--db", db
        )
        assert code == 0, err
    summary = next(
        csv.DictReader(io.StringIO((out / "session-1-summary.csv").read_text("utf-8-sig")))
    )
    assert (summary["sex"], summary["patient_position"]) == ("female", "seated")
    clinic = next(csv.DictReader(io.StringIO((out / "session-1-tests.csv").read_text("utf-8-sig"))))
    assert (clinic["position"], clinic["sex"], clinic["movement"]) == (
        "seated",
        "female",
        "quadriceps",
    )
    bundle = json.loads((out / "session-1-fhir.json").read_text("utf-8"))
    patient = bundle["entry"][0]["resource"]
    assert patient["gender"] == "female"
    components = {c["code"]["text"]: c for c in bundle["entry"][1]["resource"]["component"]}
    assert components["patient position"]["valueString"] == "seated"
    code, _, err = run(
        capsys,
        "export",
        "--session",
        "1",
        "--pseudonymise",
        "--format",
        "json",
        "-o",
        str(tmp_path / "shared"),
        "--db",
        db,
    )
    assert code == 0, err
    (shared,) = (tmp_path / "shared").glob("*-summary.json")
    row = json.loads(shared.read_text("utf-8"))[0]
    assert (row["sex"], row["patient_position"], row["age_band"]) == ("female", "seated", "40-49")
    # A trace file carrying the test's context (as `record` writes one) imports back with it.
    with Store.open(db) as s:
        test = s.get_test(1)
    meta = {"muscle": test.muscle, "side": test.side, **test.context.to_metadata()}
    path = _effort_file(tmp_path / "again.csv", meta)
    assert run(capsys, "import", str(path), "--client", "1", "--whole", "--db", db)[0] == 0
    with Store.open(db) as s:
        assert s.history(1)[-1].context.patient_position == "seated"


# -- references from the store's own facts ------------------------------------------


def test_reference_lookup_takes_sex_and_position_from_the_store(db: str) -> None:
    _seed(db)
    with Store.open(db) as s:
        test = s.get_test(1)
        with_facts = versus_norms(test, s.get_client(1), 60.0)
        s.edit_client(1, clear=["sex"])
        without = versus_norms(test, s.get_client(1), 60.0)
    assert with_facts.missing == () and "no reference value for quadriceps" in with_facts.reason
    assert without.missing == ("the client's sex",)


# -- the catalogue's quadriceps ------------------------------------------------------


def test_quadriceps_is_the_knee_extension_test_and_old_stores_keep_working(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as s:
        for query in ("quadriceps", "quads", "knee extensors"):
            muscle = s.resolve_muscle(query)
            assert muscle.name == "quadriceps" and "toward knee flexion" in muscle.position
        assert "hip extension" in s.resolve_muscle("rectus femoris").position
        session = s.start_session(s.add_client("A").id)
        old = s.save_test(
            session.id, muscle="rectus femoris", side="L", condition="baseline", trace=make_trace(1)
        )
    # A store where a user had added their own "quadriceps" (the catalogue then had none).
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO muscles (name, region, position, aliases) "
        "VALUES ('Quadriceps', 'thigh', 'their own words', '[\"quad\"]')"
    )
    conn.commit()
    conn.close()
    with Store.open(path) as s:
        assert s.resolve_muscle("quadriceps").custom is False
        assert [m.name for m in s.muscles()].count("quadriceps") == 1
        tid = s.save_test(
            session.id, muscle="Quadriceps", side="L", condition="baseline", trace=make_trace(2)
        )
        assert s.get_test(tid).muscle == "quadriceps"
        assert s.get_test(old).muscle == "rectus femoris"
        assert [t.id for t in s.history(1, "rectus femoris")] == [old]
