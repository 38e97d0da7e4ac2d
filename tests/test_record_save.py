"""``record --save``: a simulated device over the virtual radio into a real store file.

Covers the calibration a test was measured with (registered by ``calibrate``
and by every save, referenced by fingerprint), a device lost mid-test, and
the tag errors reported before the device is opened.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from test_store_core import assert_same_trace, make_trace

from calibration import CalibrationRecord
from nkt_dyno.cli import main
from nkt_dyno.commands.record import Tags, save_take, take_test
from nkt_dyno.devices import DriverOptions
from nkt_dyno.devices._session import open_device
from nkt_dyno.devices.simulator import Faults, SimConfig
from nkt_dyno.store import Store, register_calibration, save_recording
from nkt_dyno.trace import read_trace

SIM = ["--device", "sim:progressor", "--sim-error", "1.07,3"]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store file; calibration record files live next to it."""
    path = tmp_path / "store.sqlite3"
    monkeypatch.setenv("NKT_DYNO_DB", str(path))
    with Store.open(path) as store:
        store.add_client("Maria Example")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_calibrate_then_record_save_refers_to_the_calibration(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calibrate = ["calibrate", *SIM, "--masses", "0,5,10", "--no-unloading", "--window", "0.25"]
    code, out, _ = run(capsys, *calibrate, "--yes", "--db", db)
    assert code == 0
    record = CalibrationRecord.load(tmp_path / "calibrations" / "sim_progressor.json")
    assert f"record {record.fingerprint()} kept in the store" in out

    csv_path = tmp_path / "trace.csv"
    tags = ["--client", "Maria Example", "--muscle", "glute med", "--side", "L"]
    record_args = ["record", *SIM, "--scenario", "break", "--seconds", "3.5"]
    code, out, err = run(capsys, *record_args, "-o", str(csv_path), "--save", *tags, "--db", db)
    assert code == 0, err
    assert f"calibration {record.fingerprint()} applied" in err
    test_id = int(out.splitlines()[-1].removeprefix("saved as test "))

    with Store.open(db) as store:
        test = store.get_test(test_id)
        assert (test.muscle, test.side, test.condition) == ("gluteus medius", "L", "baseline")
        assert test.calibration_id == record.fingerprint()
        assert store.get_calibration(record.fingerprint()).record == json.loads(record.to_json())
        assert CalibrationRecord.from_dict(store.get_calibration(test.calibration_id).record) == (
            record
        )
        device = store.get_device("sim:progressor")
        assert (device.model, device.firmware) == ("Tindeq Progressor", "1.4.2")
        assert test.device_id == device.id
        assert test.analysis is not None and test.analysis.verdict == "break"
        stored = store.load_trace(test_id)
        assert stored.metadata["calibration"] == record.fingerprint()
        written = read_trace(csv_path)
        np.testing.assert_allclose(stored.t, written.t, atol=1e-6)
        np.testing.assert_allclose(stored.force, written.force, atol=1e-3)
        session_id = test.session_id

    code, out, _ = run(capsys, "history", "--client", "Maria Example", "--db", db)
    assert code == 0
    assert out.splitlines()[2].split()[2:5] == [str(test_id), "gluteus", "medius"]
    assert out.splitlines()[2].split()[-1] == record.fingerprint()

    code, out, _ = run(
        capsys, "export", "--session", str(session_id), "-o", str(tmp_path), "--db", db
    )
    assert code == 0
    summary = Path(out.splitlines()[0]).read_text(encoding="utf-8-sig")
    assert next(csv.DictReader(summary.splitlines()))["calibration_id"] == record.fingerprint()


def test_record_save_without_a_trace_file_or_calibration(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tags = ["--client", "1", "--muscle", "psoas", "--side", "R", "--condition", "retest"]
    code, out, err = run(capsys, "record", *SIM, "--seconds", "1", "--save", *tags, "--db", db)
    assert code == 0, err
    assert out.splitlines()[-1] == "saved as test 1"
    with Store.open(db) as store:
        test = store.get_test(1)
        assert (test.condition, test.calibration_id, test.device_id) == (
            "retest",
            None,
            "sim:progressor",
        )
        assert store.load_trace(1).metadata["calibration"] == "none"


async def test_a_device_lost_mid_test_still_saves_what_was_recorded(db: str) -> None:
    config = SimConfig(faults=Faults(disconnect_at_s=(1.0,)))
    async with open_device(
        "sim:progressor",
        scenario="hold",
        sim=config,
        calibrated=False,
        options=DriverOptions(give_up_after_s=0.0),
    ) as session:
        take = await take_test(session, "sim:progressor", 5.0)
    assert take is not None and take.lost
    assert 0.7 < take.trace.t[-1] < 1.2
    with Store.open(db) as store:
        tags = Tags.from_args(store, _args(notes="leaning"))
        test = store.get_test(save_take(store, take, tags))
        assert test.notes.startswith("device lost at 1.") and test.notes.endswith("; leaning")
        stored = store.load_trace(test.id)
        assert_same_trace(stored, take.trace)
        assert float(stored.metadata["link_lost_at_s"]) == pytest.approx(take.trace.t[-1], abs=1e-3)
        assert test.analysis is not None


def _args(**kw: str) -> object:
    import argparse

    tags = {"client": "Maria Example", "muscle": "psoas", "side": "L", "condition": "baseline"}
    return argparse.Namespace(**{"target": None, "examiner": None, "notes": "", **tags, **kw})


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--muscle", "psoas"], "--save needs --client, --side"),
        (["--client", "Nobody", "--muscle", "psoas", "--side", "L"], "client add"),
        (["--client", "1", "--muscle", "glutues medius", "--side", "L"], "did you mean gluteus"),
        (["--client", "1", "--muscle", "psoas", "--side", "L", "--target", "xyzzy"], "xyzzy"),
    ],
)
def test_tag_errors_are_reported_before_recording(
    db: str, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out, err = run(capsys, "record", *SIM, "--seconds", "1", "--save", *extra, "--db", db)
    assert code == 1 and out == ""
    assert err.startswith("nkt-dyno: error: ") and message in err
    assert "Nobody" not in err
    with Store.open(db) as store:
        assert store.test_ids() == []


def test_record_without_save_needs_an_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "record", "--device", "sim:progressor", "--seconds", "1")
    assert code == 1 and "give -o FILE" in err


def test_calibrations_are_registered_once_by_fingerprint(db: str, tmp_path: Path) -> None:
    code = main(
        ["calibrate", *SIM, "--masses", "0,10", "--no-unloading", "--window", "0.25", "--yes"]
    )
    assert code == 0
    record = CalibrationRecord.load(tmp_path / "calibrations" / "sim_progressor.json")
    with Store.open(db) as store:
        assert register_calibration(store, record) == record.fingerprint()
        kept = store.get_calibration(record.fingerprint())
        assert (kept.device_id, store.get_device(kept.device_id).model) == (
            "sim:progressor",
            "Tindeq Progressor",
        )
        with pytest.raises(ValueError, match="already names another record"):
            store.add_calibration(record.fingerprint(), "sim:progressor", {"gain": 1.0})
        with pytest.raises(ValueError, match="but the device applied"):
            save_recording(
                store,
                make_trace(1),
                client=1,
                muscle="psoas",
                side="L",
                condition="baseline",
                calibration=record,
                calibration_id="cal-7",
            )
        assert store.test_ids() == []


async def test_a_full_store_keeps_the_recording_in_its_journal(db: str, tmp_path: Path) -> None:
    import argparse

    from nkt_dyno.commands.record import _keep
    from nkt_dyno.journal import Journal, unsaved

    async with open_device("sim:progressor", scenario="hold", calibrated=False) as session:
        journal = Journal({"recorded": "2026-01-02T03:04:05+00:00"}, "client1-psoas-L")
        take = await take_test(session, "sim:progressor", 1.0, journal=journal)
    assert take is not None and journal.samples == len(take.trace)
    args = argparse.Namespace(output=None)
    with Store.open(db) as store:
        tags = Tags.from_args(store, _args())
        journal.metadata.update(tags.metadata())
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's size cap stands in for a full disk.
        store._conn.execute(f"PRAGMA max_page_count = {pages + 20}")
        codes = [_keep(args, take, tags, store, journal) for _ in range(1)]
        while codes[-1] == 0:
            journal = Journal(dict(journal.metadata), "client1-psoas-L")
            journal.write(take.trace.t, take.trace.force, None)
            codes.append(_keep(args, take, tags, store, journal))
        saved = store.test_ids()
    assert codes[-1] == 1 and len(saved) == len(codes) - 1
    (left,) = unsaved()
    assert left.path == journal.path
    assert np.array_equal(left.trace.t, take.trace.t)
    assert np.array_equal(left.trace.force, take.trace.force)
    assert (left.tags["client_name"], left.tags["muscle"], left.tags["side"]) == (
        "Maria Example",
        "psoas",
        "L",
    )
