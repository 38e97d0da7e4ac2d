"""Every GUI test is kept from its first sample: journalled as it arrives (live and protocol
screens), left in its journal with its tags when the store refuses the save, and said where;
a device that stays connected but falls silent ends the live test there, marked.

Real parts: simulated devices on the virtual radio (with the simulator's fault knobs), the
window on a real store file that another connection holds locked, ``nkt-dyno recover``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from _gui_support import (  # noqa: F401  (the *_fixture names are pytest fixtures)
    TIMEOUT_MS,
    await_task,
    loop_fixture,
    window_fixture,
)
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui._live_model import RunState
from gui._protocol_screen import ProtocolScreen
from gui._simulation import synthetic_trace
from gui._window import MainWindow
from nkt_dyno.cli import main
from nkt_dyno.devices.simulator import Faults, SimConfig, synthetic
from nkt_dyno.journal import keep, read_journal, unsaved
from nkt_dyno.store import Store

CLIENT = "Maria Example"


@pytest.fixture(name="store")
def store_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A store with one client that gives up on a lock after 0.3 s; journals beside it."""
    monkeypatch.setenv("NKT_DYNO_DB", str(tmp_path / "store.db"))
    with Store.open(tmp_path / "store.db", timeout_s=0.3) as s:
        s.add_client(CLIENT)
        yield s


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another program holding the store's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def _rows(path: Path) -> int:
    """Sample lines written so far (a last partial line excluded)."""
    text = path.read_text(encoding="utf-8")
    lines = text[: text.rfind("\n") + 1].splitlines()
    return max(sum(not line.startswith("#") for line in lines) - 1, 0)


def _connect(qtbot: QtBot, window: MainWindow, case: str, config: SimConfig | None = None) -> None:
    found = await_task(
        qtbot, window.link.simulate("progressor", synthetic(case, 3, rest_s=1.0), config)
    )
    await_task(qtbot, window.link.connect_device(found))


def _start_protocol(qtbot: QtBot, window: MainWindow) -> ProtocolScreen:
    """A simulated hold device and a psoas protocol started on the protocol screen."""
    screen = window.protocol
    window.tabs.setCurrentWidget(screen)
    _connect(qtbot, window, "hold")
    screen.client.setCurrentText(CLIENT)
    screen.muscle.setText("psoas")
    assert screen.start()
    return screen


def test_a_live_test_is_journalled_from_its_first_sample_and_kept_when_the_store_refuses(
    qtbot: QtBot,
    window: MainWindow,
    store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = window.live_model
    try:
        _connect(qtbot, window, "hold")
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: model.ring.written > 0, timeout=TIMEOUT_MS)
        journal = model.journal
        assert journal is not None
        # on disk while the test runs, not only once it ends
        qtbot.waitUntil(lambda: journal.path is not None and _rows(journal.path) > 0)
        assert model.state is RunState.RUNNING
        assert journal.path is not None and journal.path.parent == tmp_path / "journal"
        qtbot.waitUntil(lambda: model.state is RunState.DONE, timeout=TIMEOUT_MS)
    finally:
        await_task(qtbot, window.link.close())
    recording = model.recording()
    assert recording is not None
    window.tagging.client.setCurrentText(CLIENT)
    window.tagging.muscle.setText("psoas")
    window.tagging.notes.setText("first visit")
    with locked(store.path):
        assert window.save_test(window.tagging.tags()) is None
    status = window.tagging.status.text()
    assert status.startswith("not saved: ") and f"kept in {journal.path}" in status
    assert "`nkt-dyno recover --save`" in status
    kept = read_journal(journal.path)
    assert len(kept) == len(recording) and np.array_equal(kept.force, recording.force)
    client = store.find_client(CLIENT)
    assert {k: kept.metadata[k] for k in ("client", "muscle", "side", "notes", "device_id")} == {
        "client": str(client.id),
        "muscle": "psoas",
        "side": "L",
        "notes": "first visit",
        "device_id": "sim:progressor",
    }
    assert [u.path for u in unsaved()] == [journal.path]
    assert store.history(client.id) == []

    assert main(["recover", "--save"]) == 0, capsys.readouterr().err
    assert not journal.path.exists()
    (test,) = store.history(client.id)
    assert (test.muscle, test.side, test.notes, test.n_samples) == (
        "psoas",
        "L",
        "first visit",
        len(recording),
    )


def test_a_test_left_unsaved_stays_in_its_journal_and_the_window_says_where(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    model = window.live_model
    try:
        _connect(qtbot, window, "hold")
        for _ in range(2):
            qtbot.keyClick(window, Qt.Key.Key_Space)
            qtbot.waitUntil(lambda: model.state is RunState.RUNNING, timeout=TIMEOUT_MS)
            first = model.journal
            qtbot.waitUntil(lambda: model.state is RunState.DONE, timeout=TIMEOUT_MS)
    finally:
        await_task(qtbot, window.link.close())
    # the first test was never saved: starting the second left it for recover
    assert first is not None and first.path is not None
    status = window.tagging.status.text()
    assert status.startswith("the last test was not saved: it is kept in ")
    assert len(unsaved()) == 1
    window.tagging.client.setCurrentText(CLIENT)
    window.tagging.muscle.setText("psoas")
    assert window.save_test(window.tagging.tags()) is not None
    assert first.path is not None and not first.path.exists()  # saved: its journal is gone
    assert unsaved()[0].path != first.path


def test_a_protocol_step_the_store_refuses_is_kept_with_its_tags(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    screen = _start_protocol(qtbot, window)
    try:
        with locked(store.path):
            qtbot.keyClick(window, Qt.Key.Key_Space)
            qtbot.waitUntil(lambda: "kept in" in screen.status.text(), timeout=TIMEOUT_MS)
    finally:
        await_task(qtbot, window.link.close())
    status = screen.status.text()
    journal = screen.model.journal
    assert journal is not None and journal.path is not None
    assert status.startswith("not saved: ") and f"Baseline test is kept in {journal.path}" in status
    kept = read_journal(journal.path)
    recording = screen.model.recording()
    assert recording is not None and len(kept) == len(recording)
    meta = kept.metadata
    assert (meta["client"], meta["muscle"], meta["side"], meta["condition"]) == (
        str(store.find_client(CLIENT).id),
        "psoas",
        "L",
        "baseline",
    )
    assert screen.index == 0 and screen.active  # the step can be run again


def test_a_device_that_falls_silent_ends_the_live_test_there_marked(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    model = window.live_model
    mute = SimConfig(faults=Faults(silent_at_s=2.2))  # the hold runs 1.1 to 3.5 s
    try:
        _connect(qtbot, window, "hold", mute)
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: model.state is RunState.DONE, timeout=TIMEOUT_MS)
    finally:
        await_task(qtbot, window.link.close())
    recording = model.recording()
    assert recording is not None
    duration = float(recording.t[-1] - recording.t[0])
    assert duration == pytest.approx(2.2, abs=0.15)
    assert (
        model.cut == f"the device sent nothing from {duration:.1f} s on: the recording ends there"
    )
    assert model.result is not None and "gap" in model.result.flags
    assert model.result.reasons[-1] == model.cut
    assert window.tagging.status.text() == f"test ended early: {model.cut}"
    assert "gap" in window.live.view.banner.text().lower()
    window.tagging.client.setCurrentText(CLIENT)
    window.tagging.muscle.setText("psoas")
    test_id = window.save_test(window.tagging.tags())
    assert test_id is not None
    analysis = store.get_test(test_id).analysis
    assert analysis is not None and "gap" in analysis.primary["flags"]


def test_a_protocol_ended_mid_step_leaves_that_recording_in_its_journal(
    qtbot: QtBot, window: MainWindow, store: Store
) -> None:
    screen = _start_protocol(qtbot, window)
    try:
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: screen.model.ring.written > 10, timeout=TIMEOUT_MS)
        screen.end()
    finally:
        await_task(qtbot, window.link.close())
    (left,) = unsaved()
    assert screen.status.text() == (
        f"the last test was not saved: it is kept in {left.path} (`nkt-dyno recover` saves it)"
    )
    assert len(left.trace) == screen.model.ring.written
    assert screen.prompt.text() == "Protocol ended before any step was saved"


def test_the_window_says_when_recordings_from_earlier_wait_in_journals(
    qtbot: QtBot, store: Store, tmp_path: Path
) -> None:
    trace = synthetic_trace("hold", seed=1)
    keep(trace, {"muscle": "psoas"}, "earlier", tmp_path / "journal")
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert window.tagging.status.text() == (
        "1 recording(s) from earlier were not saved: list and save them with `nkt-dyno recover`"
    )
    window.shutdown()
