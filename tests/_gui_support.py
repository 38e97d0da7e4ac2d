"""Fixtures and helpers shared by the ``test_gui_*`` modules that drive live screens.

Importing this module selects Qt's offscreen platform (unless one is already set),
so it must come before anything creates the ``QApplication``.

The fixtures are plain pytest fixtures, registered under the names ``loop``,
``store`` and ``window`` (the ``name=`` argument) while their functions are
called ``*_fixture``: a test module imports the functions of the fixtures it
requests, and of the ones those depend on, e.g.
``from _gui_support import loop_fixture, store_fixture, window_fixture``, and
its tests' ``window`` parameters shadow no import.

Imported as ``_gui_support``: pytest puts ``tests/`` (no ``__init__.py``) on
``sys.path`` before it imports the test modules next to it.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import asyncio
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
import qasync
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gui._window import MainWindow
from nkt_dyno.store import Store

#: How long a test waits for a GUI condition or a task, unless it says otherwise.
TIMEOUT_MS = 15_000

T = TypeVar("T")


@pytest.fixture(name="loop")
def loop_fixture(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """An asyncio loop living inside Qt's, as in the app: qtbot's waits run its tasks."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    qapp.processEvents()
    asyncio.events._set_running_loop(None)
    qapp.aboutToQuit.disconnect(loop._after_run_forever)
    loop.stop()
    loop.close()
    # stop() called QApplication.exit() outside exec(), which leaves Qt's timers
    # stalled for later qWait calls; one short exec() resets that state
    QTimer.singleShot(0, qapp.quit)
    qapp.exec()


@pytest.fixture(name="store")
def store_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A fresh store in ``tmp_path``, also made the default one."""
    # calibration records are looked up next to the default store: keep them in tmp_path
    monkeypatch.setenv("NKT_DYNO_DB", str(tmp_path / "store.db"))
    with Store.open(tmp_path / "store.db") as s:
        yield s


@pytest.fixture(name="window")
def window_fixture(qtbot: QtBot, loop: qasync.QEventLoop, store: Store) -> Iterator[MainWindow]:
    """The main window on ``store``, shown and exposed; shut down afterwards."""
    w = MainWindow(store)
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    yield w
    w.shutdown()
    w.close()
    w.deleteLater()


def await_task(qtbot: QtBot, work: Awaitable[T], timeout_ms: int = TIMEOUT_MS) -> T:
    """Run ``work`` on the ``loop`` fixture's loop while Qt spins; return its result."""
    task = asyncio.ensure_future(work)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()
