"""Correcting saved tests from the session screen: tags edited, a test moved to another
session, deleted and restored; what the widgets show and what the store and its audit hold
afterwards. A real store file and the real main window on the offscreen platform."""

from __future__ import annotations

import pytest
from _gui_support import (  # noqa: F401  (the *_fixture names are pytest fixtures)
    loop_fixture,
    store_fixture,
    window_fixture,
)
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui._simulation import synthetic_trace
from gui._window import MainWindow
from nkt_dyno.store import NotFoundError, Store, save_recording


@pytest.fixture
def two_sessions(store: Store) -> tuple[int, int, list[int]]:
    """An earlier session, and today's with a break and a hold of the left psoas."""
    client = store.add_client("Client A")
    earlier = store.start_session(client.id, started="2026-11-02T09:00:00+00:00").id
    ids = [
        save_recording(
            store,
            synthetic_trace(case, seed=seed, rate_hz=200.0),
            client=client.id,
            muscle="psoas",
            side="L",
            condition="baseline",
            notes="as tagged",
        )
        for seed, case in enumerate(("break", "hold"), 1)
    ]
    return earlier, store.get_test(ids[0]).session_id, ids


def _column(window: MainWindow, name: str) -> list[str]:
    from gui._session_screen import TEST_COLUMNS

    table = window.session.table
    col = TEST_COLUMNS.index(name)
    return [table.item(row, col).text() for row in range(table.rowCount())]


def test_tags_are_corrected_with_who_and_when(
    qtbot: QtBot, window: MainWindow, store: Store, two_sessions: tuple[int, int, list[int]]
) -> None:
    _, today, (first, second) = two_sessions
    session = window.session
    session.show_session(store, today)
    panel = session.corrections
    assert not panel.save_button.isEnabled()  # nothing selected, nothing to correct
    session.select([first])
    assert panel.save_button.isEnabled() and panel.muscle.text() == "psoas"
    assert panel.notes.text() == "as tagged"
    panel.muscle.setText("iliacus")
    panel.side.setCurrentText("R")
    panel.condition.setCurrentText("retest")
    panel.notes.setText("side entered wrongly")
    panel.by.setText("Dr Example")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)

    assert panel.status.text() == (
        f"test #{first} corrected: muscle psoas → iliacus, side L → R, condition baseline → "
        "retest, notes as tagged → side entered wrongly"
    )
    assert _column(window, "muscle") == ["iliacus", "psoas"]
    assert _column(window, "side") == ["R", "L"]
    assert _column(window, "condition") == ["retest", "baseline"]
    test = store.get_test(first)
    assert (test.muscle, test.side, test.condition, test.notes) == (
        "iliacus", "R", "retest", "side entered wrongly"
    )  # fmt: skip
    (entry,) = store.audit(first)
    assert (entry.who, entry.action) == ("Dr Example", "edit")
    assert entry.before == {
        "muscle": "psoas", "side": "L", "condition": "baseline", "notes": "as tagged"
    }  # fmt: skip
    assert store.get_test(second).muscle == "psoas"  # only the selected test changed

    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "nothing changed" and len(store.audit(first)) == 1
    panel.muscle.setText("no such muscle")
    qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "no such muscle" in panel.status.text()
    assert store.get_test(first).muscle == "iliacus" and len(store.audit(first)) == 1


def test_a_test_moves_to_another_session_of_its_client(
    qtbot: QtBot, window: MainWindow, store: Store, two_sessions: tuple[int, int, list[int]]
) -> None:
    earlier, today, (first, second) = two_sessions
    session = window.session
    session.show_session(store, today)
    session.select([second])
    panel = session.corrections
    assert panel.session.count() == 1 and panel.session.currentData() == earlier
    assert panel.session.currentText() == f"{earlier} · 02 Nov 2026"
    qtbot.mouseClick(panel.move_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == f"test #{second} moved to session {earlier}"
    assert session.table.rowCount() == 1 and _column(window, "#") == [str(first)]
    assert store.get_test(second).session_id == earlier
    assert [t.id for t in store.tests(earlier)] == [second]
    (entry,) = store.audit(second)
    assert entry.action == "move" and entry.before["session_id"] == today


def test_a_deleted_test_leaves_the_session_and_can_be_restored(
    qtbot: QtBot, window: MainWindow, store: Store, two_sessions: tuple[int, int, list[int]]
) -> None:
    _, today, (first, second) = two_sessions
    session = window.session
    session.show_session(store, today)
    panel = session.corrections
    assert not panel.restore_button.isEnabled()
    session.select([first])
    qtbot.mouseClick(panel.delete_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == f"test #{first} deleted; Restore deleted brings it back"
    assert _column(window, "#") == [str(second)]
    with pytest.raises(NotFoundError):
        store.get_test(first)
    assert panel.restore_button.isEnabled() and not panel.delete_button.isEnabled()
    qtbot.mouseClick(panel.restore_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == f"test #{first} restored"
    assert _column(window, "#") == [str(first), str(second)]
    assert [e.action for e in store.audit(first)] == ["delete", "restore"]
    assert not panel.restore_button.isEnabled()
