"""Exports for other systems: a FHIR R4 Bundle per session and the clinic-shaped CSV.

A simulated visit (synthetic efforts at 250 samples/s, a belt-fixed test
with a lever arm, a body mass, a hand grip test, a calibrated device) goes
out through the command line; the bundle is parsed back with the
``fhir.resources`` models and its numbers compared with the store's.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nkt_dyno.cli import main
from nkt_dyno.context import TestContext
from nkt_dyno.derived import derived_measures
from nkt_dyno.store import Device, Store, save_recording
from nkt_dyno.store._fhir import parse_bundle
from nkt_dyno.trace import Trace, samples_sha256

ADDRESS = "C4:7F:51:9A:10:22"
GRIP = "hand grip"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _effort(seed: int, peak: float, **metadata: str) -> Trace:
    rng = np.random.default_rng(seed)
    t = np.arange(1500) / 250.0
    rise = np.clip((t - 1.0) / 0.6, 0.0, 1.0)
    fall = np.clip((5.0 - t) / 0.4, 0.0, 1.0)
    force = 4.0 + peak * np.minimum(rise, fall) + rng.normal(0, 0.2, t.size)
    return Trace(t, force, metadata={"sample_rate_hz": "250", **metadata})


@pytest.fixture
def visit(tmp_path: Path) -> tuple[str, int]:
    db = str(tmp_path / "store.sqlite3")
    with Store.open(db) as store:
        jane = store.add_client("Jane Doe", birth_year=1985, notes="Jane's knee")
        store.add_body_mass(jane.id, 64.5, measured="2020-01-01")
        store.add_muscle(GRIP, "hand")
        device = Device(ADDRESS, "Tindeq Progressor", "1.4.2")
        store.add_device(ADDRESS, "Tindeq Progressor", "1.4.2")
        store.add_calibration("cal-3", ADDRESS, {"fit": {"degree": 1}})
        common: dict[str, Any] = {"client": jane.id, "examiner": "Dr Who", "device": device}
        first = save_recording(
            store,
            _effort(1, 180.0, device="Jane Doe's Progressor"),
            muscle="gluteus medius",
            side="L",
            condition="baseline",
            calibration_id="cal-3",
            position_notes="=HYPERLINK(1) side-lying",
            context=TestContext(fixation="belt", lever_arm_m=0.42, joint_angle_deg=10, pain=2),
            **common,
        )
        session = store.get_test(first).session_id
        save_recording(store, _effort(2, 150.0), muscle="gluteus medius", side="R",
                       condition="baseline", session_id=session, test="make", **common)  # fmt: skip
        save_recording(store, _effort(3, 300.0), muscle=GRIP, side="R",
                       condition="baseline", session_id=session, **common)  # fmt: skip
    return db, session


def _export(capsys: pytest.CaptureFixture[str], db: str, session: int, fmt: str,
            out: Path, *extra: str) -> Path:  # fmt: skip
    argv = ["export", "--session", str(session), "--format", fmt, "-o", str(out), "--db", db]
    code, stdout, err = run(capsys, *argv, *extra)
    assert code == 0, err
    (path,) = stdout.split()
    return Path(path)


def _components(obs: Any) -> dict[str, Any]:
    return {c.code.text: c for c in obs.component or ()}


def test_fhir_bundle_validates_and_its_numbers_are_the_stores(
    visit: tuple[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, session = visit
    path = _export(capsys, db, session, "fhir", tmp_path / "out")
    assert path.name == f"session-{session}-fhir.json"
    bundle = parse_bundle(json.loads(path.read_text("utf-8")))
    assert bundle.type == "collection"
    resources = [e.resource for e in bundle.entry]
    (patient,) = [r for r in resources if r.get_resource_type() == "Patient"]
    assert patient.name[0].text == "Jane Doe" and str(patient.birthDate) == "1985"
    observations = [r for r in resources if r.get_resource_type() == "Observation"]
    with Store.open(db) as store:
        tests = store.tests(session)
        assert len(observations) == len(tests) == 3
        for obs, test in zip(observations, tests, strict=True):
            assert test.analysis is not None and test.analysis.primary is not None
            effort = test.analysis.primary
            assert float(obs.valueQuantity.value) == effort["peak_n"]
            assert (obs.valueQuantity.system, obs.valueQuantity.code) == (
                "http://unitsofmeasure.org",
                "N",
            )
            assert obs.subject.reference == bundle.entry[0].fullUrl
            parts = _components(obs)
            assert parts["test method (make or break)"].valueString == test.test
            assert parts["verdict"].valueString == test.analysis.verdict
            trace = store.load_trace(test.id)
            assert parts["SHA-256 of the samples"].valueString == samples_sha256(trace)
            side = parts["laterality"].valueCodeableConcept.coding[0]
            assert (side.system, side.code) == (
                "http://snomed.info/sct",
                {"L": "7771000", "R": "24028007"}[test.side],
            )
            if effort.get("break_force_n") is not None:
                assert float(parts["force at break"].valueQuantity.value) == effort["break_force_n"]
            mass = store.body_mass_at(test.client_id, test.recorded)
            measures = {
                m.key: m.value
                for m in derived_measures(trace.t, trace.force, effort,
                                          lever_arm_m=test.context.lever_arm_m,
                                          body_mass_kg=None if mass is None else mass.kg)
            }  # fmt: skip
            assert float(parts["force / body mass"].valueQuantity.value) == measures["n_per_kg"]
            assert parts["force / body mass"].valueQuantity.code == "N/kg"
            assert float(parts["RFD 0-50 ms"].valueQuantity.value) == measures["rfd_0_50_n_per_s"]
            assert parts["RFD 0-50 ms"].valueQuantity.code == "N/s"
        glute_l, glute_r, grip = observations
        assert glute_l.code.coding is None and glute_l.code.text.startswith("gluteus medius")
        assert grip.code.coding[0].code == "251433001"
        assert grip.code.coding[0].system == "http://snomed.info/sct"
        left = _components(glute_l)
        assert float(left["lever arm"].valueQuantity.value) == 0.42
        assert left["lever arm"].valueQuantity.code == "m"
        assert left["torque"].valueQuantity.code == "N.m"
        assert float(left["torque"].valueQuantity.value) == pytest.approx(
            0.42 * tests[0].analysis.primary["peak_n"]  # type: ignore[union-attr,index]
        )
        assert left["fixation"].valueString == "belt"
        assert left["pain (0-10)"].valueInteger == 2
        assert left["calibration record"].valueString == "cal-3"
        assert "torque" not in _components(glute_r)  # no lever arm: no torque, no guess


def test_pseudonymised_bundle_names_nobody(
    visit: tuple[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, session = visit
    path = _export(capsys, db, session, "fhir", tmp_path / "share", "--pseudonymise")
    assert path.name.startswith("pseudonymised-P") and path.name.endswith("-1-fhir.json")
    text = path.read_text("utf-8")
    bundle = parse_bundle(json.loads(text))
    with Store.open(db) as store:
        stamps = [t.recorded[:16] for t in store.tests(session)]
    for secret in ("Jane", "Doe", ADDRESS, "Dr Who", "cal-3", "side-lying", *stamps):
        assert secret.lower() not in text.lower(), secret
    assert not re.search(r"(?<![0-9a-f.])1985(?![0-9a-f.])", text)  # not inside a digest
    resources = [e.resource for e in bundle.entry]
    assert {r.get_resource_type() for r in resources} == {"Observation"}
    pseudonym = path.name.split("-")[1]
    assert all(r.subject.identifier.value == pseudonym for r in resources)
    # The pseudonymised export never replaces a file.
    argv = ["export", "--session", str(session), "--format", "fhir", "-o", str(path.parent)]
    code, _, err = run(capsys, *argv, "--pseudonymise", "--db", db)
    assert code == 1 and "exists already" in err


def test_fhir_export_without_the_library_says_how_to_install(
    visit: tuple[str, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, session = visit
    monkeypatch.setitem(sys.modules, "fhir.resources.R4B.bundle", None)  # as if not installed
    argv = ["export", "--session", str(session), "--format", "fhir", "-o", str(tmp_path / "o")]
    code, _, err = run(capsys, *argv, "--db", db)
    assert code == 1
    assert err.strip() == (
        "nkt-dyno: error: the FHIR export needs the fhir.resources package: "
        "install it with pip install 'nkt-dyno[fhir]'"
    )
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_clinic_csv_has_one_row_per_test_in_the_clinic_layout(
    visit: tuple[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, session = visit
    path = _export(capsys, db, session, "clinic-csv", tmp_path / "out")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a byte-order mark: spreadsheets read accents
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0])[:6] == [
        "profile", "date_utc", "movement", "position", "laterality", "peak_n",
    ]  # fmt: skip
    with Store.open(db) as store:
        tests = store.tests(session)
        client_id = tests[0].client_id
        assert len(rows) == len(tests)
        for row, test in zip(rows, tests, strict=True):
            assert test.analysis is not None and test.analysis.primary is not None
            assert row["profile"] == str(client_id)
            assert row["movement"] == test.muscle
            assert row["laterality"] == {"L": "Left", "R": "Right"}[test.side]
            assert float(row["peak_n"]) == test.analysis.primary["peak_n"]
            assert row["verdict"] == test.analysis.verdict and row["test"] == test.test
            assert row["samples_sha256"] == samples_sha256(store.load_trace(test.id))
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["date_utc"])
    first = rows[0]
    assert first["position"] == "'=HYPERLINK(1) side-lying"  # a formula made inert
    assert float(first["torque_nm"]) == pytest.approx(0.42 * float(first["peak_n"]))
    assert first["fixation"] == "belt" and first["calibration_id"] == "cal-3"
    assert rows[1]["torque_nm"] == "" and "torque_nm: no lever arm recorded" in rows[1]["withheld"]
    assert float(first["rfd_0_50_n_per_s"]) > 0  # 250 samples/s: every window is given


def test_pseudonymised_clinic_csv_names_nobody(
    visit: tuple[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, session = visit
    path = _export(capsys, db, session, "clinic-csv", tmp_path / "share", "--pseudonymise")
    text = path.read_text("utf-8-sig")
    for secret in ("Jane", "Doe", ADDRESS, "Dr Who", "cal-3", "side-lying"):
        assert secret.lower() not in text.lower(), secret
    assert not re.search(r"(?<![0-9a-f.])1985(?![0-9a-f.])", text)  # not inside a digest
    rows = list(csv.DictReader(io.StringIO(text)))
    pseudonym = path.name.split("-")[1]
    assert {r["profile"] for r in rows} == {pseudonym}
    assert {r["position"] for r in rows} == {""}


def test_the_models_refuse_a_broken_bundle_and_the_core_never_loads_them() -> None:
    from pydantic import ValidationError

    good = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Observation", "status": "final",
                                "code": {"text": "psoas strength"}}}],
    }  # fmt: skip
    parse_bundle(good)
    broken = json.loads(json.dumps(good))
    del broken["entry"][0]["resource"]["status"]  # required in R4
    with pytest.raises(ValidationError):
        parse_bundle(broken)
    code = (
        "import sys, nkt_dyno.store, nkt_dyno.cli\n"
        "print([m for m in sys.modules if m.startswith('fhir')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
