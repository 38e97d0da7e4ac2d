"""The window on a clinic's server: when the server goes mid-session, the test is still saved."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from _gui_support import TIMEOUT_MS, await_task, loop_fixture  # noqa: F401  (a fixture)
from _pgserver import Cluster
from conftest import server_store_url
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gui._live_model import RunState
from gui._window import MainWindow
from gui.app import _offline_store, _open_store
from nkt_dyno.store import Store
from nkt_dyno.store._workstation import open_workstation


@pytest.mark.usefixtures("loop")
def test_a_test_is_saved_in_the_workstation_store_when_the_server_goes_mid_session(
    qtbot: QtBot,
    tmp_path: Path,
    pg_url: str,
    pg_cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nkt_dyno.devices.simulator import synthetic

    url = server_store_url(pg_url)
    local = tmp_path / "ws.sqlite3"
    monkeypatch.setenv("NKT_DYNO_DB", url)
    monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(local))
    args = argparse.Namespace(db=url, simulate=None, exit_after=None)
    store, status = _open_store(args, tmp_path)
    window = MainWindow()
    qtbot.addWidget(window)
    window.attach_store(store, status)
    window.offline = _offline_store(args, store)
    assert "connected" in window.store_label.text()
    window.show()
    link = window.link
    try:
        found = await_task(qtbot, link.simulate("progressor", synthetic("hold", 2, rest_s=1.0)))
        await_task(qtbot, link.connect_device(found))
        window.tagging.client.setCurrentText("Maria Example")
        window.tagging.muscle.setText("psoas")
        qtbot.keyClick(window, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: window.live_model.state is RunState.DONE, timeout=TIMEOUT_MS)
        pg_cluster.stop()
        test_id = window.save_test(window.tagging.tags())
        assert test_id is not None
        assert "in this workstation's store" in window.tagging.status.text()
        assert "server not reachable" in window.store_label.text()
        assert "1 tests wait for upload" in window.store_label.text()
    finally:
        await_task(qtbot, link.close())
        window.shutdown()
        window.close()
        if window.store is not None:
            window.store.close()
        pg_cluster.start()
    with Store.open(local) as ws:
        assert len(ws.test_ids()) == 1
    opened = open_workstation(url)
    with opened.store as srv:
        assert opened.online and "1 tests saved while the server was away" in opened.notice
        (client,) = srv.clients()
        assert client.name == "Maria Example" and len(srv.history(client.id)) == 1
