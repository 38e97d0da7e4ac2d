"""Nothing a user does loses a recording: signals, a vanished or mute device, bad outputs.

Real parts only: ``nkt-dyno record`` in a subprocess receiving real SIGINT,
SIGTERM and SIGKILL; simulated devices on the virtual radio with their fault
knobs; real store files. For every fault the samples received are the
samples saved or journalled, and ``recover`` saves or writes them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nkt_dyno.cli import main
from nkt_dyno.commands.record import take_test
from nkt_dyno.devices import DriverOptions
from nkt_dyno.devices._session import open_device
from nkt_dyno.devices.simulator import Faults, SimConfig
from nkt_dyno.journal import Journal, read_journal, unsaved
from nkt_dyno.store import Store
from nkt_dyno.trace import gyro_signed, gyro_signed_from, read_trace

TAGS = ["--client", "Maria Example", "--muscle", "psoas", "--side", "L"]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with one client; journals go to ``journal/`` beside it."""
    path = tmp_path / "store.sqlite3"
    monkeypatch.setenv("NKT_DYNO_DB", str(path))
    with Store.open(path) as store:
        store.add_client("Maria Example")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rows(path: Path) -> int:
    """Sample lines in a journal as it is being written (a last partial line excluded)."""
    text = path.read_text(encoding="utf-8")
    lines = text[: text.rfind("\n") + 1].splitlines()
    return max(sum(not line.startswith("#") for line in lines) - 1, 0)


def _recording(db: Path, *extra: str) -> tuple[subprocess.Popen[str], Path]:
    """``record --seconds inf --save`` in a subprocess, once its journal holds ~1 s."""
    command = [sys.executable, "-m", "nkt_dyno", "record", "--device", "sim:progressor"]
    proc = subprocess.Popen(
        [*command, "--seconds", "inf", "--save", *TAGS, *extra],
        env={**os.environ, "NKT_DYNO_DB": str(db)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        journals = list((db.parent / "journal").glob("*.csv"))
        if journals and _rows(journals[0]) >= 80:
            return proc, journals[0]
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"no journal filled: {proc.communicate()}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_end_the_recording_and_save_every_sample(
    db: Path, sig: signal.Signals
) -> None:
    proc, journal = _recording(db)
    assert unsaved() == []  # a journal still being written is not offered for recovery
    assert journal.stat().st_mode & 0o777 == 0o600
    assert journal.parent.stat().st_mode & 0o777 == 0o700
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    received = int(out.split()[0])
    assert received >= 80 and out.splitlines()[-1] == "saved as test 1"
    with Store.open(db) as store:
        assert store.get_test(1).n_samples == received
    assert not journal.exists()


def test_kill_9_keeps_every_journalled_sample_for_recover(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    proc, journal = _recording(db, "--notes", "after the run", "--test", "make")
    proc.kill()
    proc.communicate(timeout=30)
    written = _rows(journal)
    assert written >= 80

    code, out, _ = run(capsys, "recover")
    assert code == 0
    assert journal.name in out and "Maria Example" in out and "psoas" in out
    assert "client1-psoas-L" in journal.name and journal.name[:8].isdigit()
    code, out, err = run(capsys, "recover", "--save")
    assert code == 0, err
    assert out.strip() == f"{journal.name}: {written} samples saved as test 1"
    with Store.open(db) as store:
        test = store.get_test(1)
        assert test.n_samples == written
        assert (test.muscle, test.side, test.test) == ("psoas", "L", "make")
        assert test.notes.startswith("recording interrupted at ")
        assert test.notes.endswith("; after the run")
        assert test.device_id == "sim:progressor"
        assert "client_name" not in store.load_trace(1).metadata
    assert not journal.exists() and unsaved() == []


async def test_a_vanished_device_is_given_up_and_every_sample_kept(db: Path) -> None:
    config = SimConfig(faults=Faults(vanish_at_s=0.5))
    options = DriverOptions(give_up_after_s=1.0, connect_timeout_s=0.3)
    journal = Journal({}, "vanished", db.parent / "journal")
    started = time.monotonic()
    async with open_device(
        "sim:progressor", sim=config, calibrated=False, options=options
    ) as session:
        take = await take_test(session, "sim:progressor", 20.0, journal=journal)
        assert session.simulator is not None
        sent = len(session.simulator.sent.force_n)
    assert time.monotonic() - started < 5.0  # the give-up fired; the 20 s did not run out
    assert take is not None and take.lost
    assert len(take.trace) == sent == journal.samples
    journal.release()
    assert np.array_equal(read_journal(journal.path).force, take.trace.force)  # type: ignore[arg-type]


def test_record_marks_a_device_that_vanishes_as_lost(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["record", "--device", "sim:progressor", "--seconds", "2", "--save", *TAGS]
    code, out, err = run(capsys, *argv, "--sim-fault", "vanish=0.8")
    assert code == 0, err
    assert "device lost at" in err
    with Store.open(db) as store:
        test = store.get_test(1)
        assert test.notes.startswith("device lost at 0.")
        assert test.n_samples == int(out.split()[0])


async def test_a_mute_device_ends_the_recording_and_its_effort_is_marked_cut(db: Path) -> None:
    config = SimConfig(faults=Faults(silent_at_s=2.5))
    started = time.monotonic()
    async with open_device(
        "sim:progressor",
        scenario="hold",
        sim=config,
        calibrated=False,
        options=DriverOptions(silence_s=0.4),
    ) as session:
        take = await take_test(session, "sim:progressor", 10.0)
    # ended by the silence (2.5 s + 0.4 s to notice it), not by the 10 s clock
    assert time.monotonic() - started < 5.0
    assert take is not None and not take.lost
    assert take.silent_s == pytest.approx(2.5, abs=0.1)
    assert take.trace.metadata["silent_from_s"] == f"{take.silent_s:.3f}"
    assert take.trace.t[-1] == pytest.approx(take.silent_s, abs=0.05)
    assert take.results is not None and len(take.results) == 1
    cut = take.results[0]
    assert "gap" in cut.flags
    assert cut.reasons[-1] == "the device sent nothing from 2.5 s on: the recording ends there"


def test_record_says_a_mute_device_ended_the_test_and_saves_it_marked(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["record", "--device", "sim:progressor", "--seconds", "30", "--save", *TAGS]
    started = time.monotonic()
    code, out, err = run(capsys, *argv, "--sim-fault", "silent=1.5")
    assert code == 0, err
    assert time.monotonic() - started < 8.0  # 1.5 s, then the driver's 2 s of silence
    assert "sent nothing from 1.5 s on: the recording ended there" in err
    assert "effort 1 of 1: " in out and " · gap: the device sent nothing from 1.5 s on" in out
    with Store.open(db) as store:
        test = store.get_test(1)
        assert test.notes.startswith("device sent nothing from 1.5 s")
        assert test.n_samples == int(out.split()[0])
        assert test.analysis is not None and "gap" in test.analysis.primary["flags"]


@pytest.mark.parametrize(
    ("output", "message"),
    [("missing/trace.csv", "does not exist"), (".", "is a folder")],
)
def test_a_bad_output_is_refused_before_recording(
    db: Path, capsys: pytest.CaptureFixture[str], output: str, message: str
) -> None:
    started = time.monotonic()
    code, out, err = run(capsys, "record", "--device", "sim:progressor", "-o", output)
    assert code == 1 and message in err and out == ""
    assert time.monotonic() - started < 1.0


def test_an_output_that_fails_after_recording_keeps_the_save_and_the_journal(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    threading.Timer(0.5, folder.rmdir).start()  # the folder goes while recording
    argv = ["record", "--device", "sim:progressor", "--seconds", "1.5", "--save", *TAGS]
    code, out, err = run(capsys, *argv, "-o", str(folder / "t.csv"))
    assert code == 1
    received = int(out.split()[0])
    assert "could not be written" in err and "nkt-dyno recover" in err
    with Store.open(db) as store:
        assert store.get_test(1).n_samples == received
    (left,) = unsaved()
    assert len(left.trace) == received and str(left.path) in err

    code, out, _ = run(capsys, "recover", "-o", str(tmp_path / "rescued"))
    assert code == 0
    assert len(read_trace(tmp_path / "rescued" / left.path.name)) == received
    assert unsaved() == []


def test_journal_names_are_unique_and_say_what_and_when(tmp_path: Path) -> None:
    paths = []
    for _ in range(3):
        journal = Journal({}, "client3-psoas-L", tmp_path)
        journal.write(np.array([0.0, 0.1]), np.array([1.0, 2.0]), None)
        journal.release()
        assert journal.path is not None
        paths.append(journal.path.name)
    assert len(set(paths)) == 3
    stamp = time.strftime("%Y%m%d")
    assert all(p.startswith(stamp) and "-client3-psoas-L-" in p for p in paths)


def test_a_journal_says_when_an_unsigned_gyro_became_signed(tmp_path: Path) -> None:
    # What a crash leaves must be read again as the live engine read it: a
    # device's unsigned speed at first, signed from the block it learnt on.
    journal = Journal({"device": "ACTIV5-0777"}, "client3-psoas-L", tmp_path)
    t = np.arange(0.0, 2.0, 0.1)
    for a in range(0, 20, 5):
        block = slice(a, a + 5)
        journal.write(t[block], t[block] * 10, np.abs(np.sin(t[block])), gyro_signed=a >= 10)
    journal.release()
    assert journal.path is not None
    again = read_journal(journal.path)
    assert gyro_signed(again.metadata) is False
    assert gyro_signed_from(again.metadata) == pytest.approx(0.95)
    assert again.metadata["device"] == "ACTIV5-0777" and len(again) == 20
    # signed from the start: nothing to say
    plain = Journal({}, "client3-psoas-L", tmp_path)
    plain.write(t, t, np.sin(t), gyro_signed=True)
    plain.release()
    assert plain.path is not None
    assert gyro_signed(read_journal(plain.path).metadata)


def test_make_test_gaps_and_rate_are_stored(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["record", "--device", "sim:progressor", "--seconds", "2", "--save", *TAGS]
    out_file = tmp_path / "t.csv"
    code, _, err = run(
        capsys, *argv, "--test", "make", "--sim-fault", "drop=20", "-o", str(out_file)
    )
    assert code == 0, err
    assert "# test: make" in out_file.read_text(encoding="utf-8")
    with Store.open(db) as store:
        test = store.get_test(1)
        assert test.test == "make" and store.load_trace(1).metadata["test"] == "make"
        assert test.rate_hz == pytest.approx(80.0, rel=0.05)
        assert test.gaps and all(g.samples_lost >= 1 for g in test.gaps)
        assert sum(g.samples_lost for g in test.gaps) + test.n_samples == pytest.approx(160, abs=12)
    code, out, _ = run(capsys, "replay", "1", "--speed", "max")
    assert code == 0
    assert f"{len(test.gaps)} gaps: at " in out.splitlines()[1] and "lost)" in out
    html = tmp_path / "report.html"
    code, _, err = run(capsys, "report", "--session", str(test.session_id), "-o", str(html))
    assert code == 0, err
    text = html.read_text(encoding="utf-8")
    assert f"{len(test.gaps)} gaps: at " in text and "make test, the patient pushing" in text


def test_a_protocol_step_the_store_refuses_is_kept_and_recovered(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nkt_dyno.clinic import ProtocolRequest, plan
    from nkt_dyno.clinic._runner import Captured, GroupWriter
    from nkt_dyno.store import Device, StoreError
    from nkt_dyno.trace import Trace

    t = np.arange(400) / 80.0
    captured = Captured(Trace(t, 5.0 + 50.0 * np.sin(t) ** 2), (), Device("sim:x", "Sim", ""))
    request = ProtocolRequest(client="1", muscle="psoas", side="L", steps=plan(baselines=1))
    step = request.steps[0]
    with Store.open(db) as store:
        writer = GroupWriter(store, request)
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages + 20}")  # a full disk
        saved = []
        with pytest.raises(StoreError, match=r"is kept in .*nkt-dyno recover --save"):
            while True:
                saved.append(writer.save_or_keep(step, captured))
    (left,) = unsaved()
    assert len(left.trace) == 400 and left.tags["condition"] == "baseline"
    code, _, err = run(capsys, "recover", "--save")
    assert code == 0, err
    with Store.open(db) as store:
        assert saved and store.test_ids() == [*saved, saved[-1] + 1]
        assert store.get_test(store.test_ids()[-1]).n_samples == 400


async def test_a_journal_that_cannot_be_written_never_stops_the_recording(
    db: Path, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    journal = Journal({}, "blocked", blocked)
    async with open_device("sim:progressor", calibrated=False) as session:
        take = await take_test(session, "sim:progressor", 0.5, journal=journal)
        assert session.simulator is not None
        sent = len(session.simulator.sent.force_n)
    assert journal.failed is not None and journal.samples == 0
    assert take is not None and len(take.trace) == sent


@pytest.mark.parametrize("at", [0.93, 0.99])
def test_a_link_drop_at_the_very_end_keeps_the_test(
    db: Path, capsys: pytest.CaptureFixture[str], at: float
) -> None:
    argv = ["record", "--device", "sim:progressor", "--seconds", "1", "--save", *TAGS]
    code, out, err = run(capsys, *argv, "--sim-fault", f"disconnect={at}")
    assert code == 0, err
    assert "Traceback" not in err
    with Store.open(db) as store:
        assert store.get_test(1).n_samples == int(out.split()[0])


async def test_the_connect_timeout_is_honoured_for_a_device_that_is_gone() -> None:
    from nkt_dyno.devices import Dynamometer, scan
    from nkt_dyno.devices.simulator import SIMULATORS, synthetic
    from nkt_dyno.devices.virtual import VirtualRadio

    radio = VirtualRadio()
    await radio.central()
    sim = SIMULATORS["progressor"](synthetic("hold", 3))
    await sim.attach(radio)
    try:
        (found,) = [f for f in await scan(radio.backends(), 0.3) if f.kind == "progressor"]
        await sim.vanish()
        dyno = Dynamometer(
            found, backends=radio.backends(), options=DriverOptions(connect_timeout_s=0.5)
        )
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            # The outer bound turns a driver that waits forever into a failure, not a hang.
            await asyncio.wait_for(dyno.open(), 5.0)
        assert time.monotonic() - started < 2.0
        await dyno.close()
    finally:
        await sim.close()
        await radio.close()


def test_recover_discards_unwanted_journals_and_only_old_ones_when_asked(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from nkt_dyno.journal import keep
    from nkt_dyno.trace import Trace

    t = np.arange(0.0, 1.0, 0.01)
    old = keep(Trace(t, t * 10.0), {"recorded": "2026-01-05T10:00:00.000+00:00"}, "old")
    new = keep(Trace(t, t * 20.0), {"recorded": "2099-01-05T10:00:00.000+00:00"}, "new")
    code, out, _ = run(capsys, "recover")
    assert code == 0 and "--discard" in out

    code, _, err = run(capsys, "recover", "--discard", "--older-than", "-1")
    assert code != 0 and "--older-than" in err
    assert old.exists() and new.exists()

    code, out, _ = run(capsys, "recover", "--discard", "--older-than", "30")
    assert code == 0 and out.strip() == f"{old.name}: 100 samples discarded"
    assert not old.exists() and new.exists()

    code, out, _ = run(capsys, "recover", "--discard", str(new))
    assert code == 0 and not new.exists() and unsaved() == []
