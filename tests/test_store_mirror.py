"""A workstation's copy of its clients' server history: the baseline of room A in room B offline.

Real PostgreSQL (``conftest.py``), real workstation files, the real CLI.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pgserver import Cluster
from conftest import server_store_url
from test_store_core import assert_same_trace, make_trace
from test_store_server import _role, server, server_traces

from nkt_dyno.cli import main
from nkt_dyno.store import Store, StoreError, save_recording
from nkt_dyno.store._mirror import OfflineStore, follow, mirror_path, refresh
from nkt_dyno.store._workstation import offline_line, open_offline, status_line
from nkt_dyno.trace import Trace, write_trace

pytest.importorskip("psycopg", reason='the server extra: pip install -e ".[server]"')


def test_room_b_offline_compares_against_room_a_baseline_and_uploads_only_its_own(
    tmp_path: Path,
    pg_url: str,
    pg_cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = server_store_url(pg_url)
    db = url.split("/")[3].split("?")[0]
    urls = {}
    for name in ("ana", "alex"):
        urls[name] = _role(url, f"{name}_{db}")
        assert main(["store", "grant", f"{name}_{db}", "main", "--db", url]) == 0

    def at(name: str, *argv: str) -> tuple[int, str, str]:
        """A command at ``name``'s workstation: their role, their own file."""
        monkeypatch.setenv("NKT_DYNO_DB", urls[name])
        monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(tmp_path / f"{name}.sqlite3"))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    def record(name: str, seed: int, condition: str) -> None:
        path = tmp_path / f"take{seed}.csv"
        trace = make_trace(seed)
        write_trace(path, Trace(trace.t, trace.force, metadata=dict(trace.metadata)))
        code, _, err = at(name, "import", str(path), "--client", "Maria", "--muscle", "psoas",
                          "--side", "L", "--condition", condition)  # fmt: skip
        assert code == 0, err

    capsys.readouterr()
    assert at("ana", "client", "add", "Maria")[0] == 0
    record("ana", 1, "baseline")  # room A, last week
    assert at("alex", "client", "add", "Nils")[0] == 0  # room B's workstation is in use
    code, out, _ = at("alex", "history", "--client", "Maria")  # room B opens her, online
    assert code == 0 and "baseline" in out and "from" not in out
    copy = mirror_path(tmp_path / "alex.sqlite3")
    assert copy.exists()
    with server(url) as srv:
        (baseline,) = srv.history(srv.find_client("Maria").id)
    pg_cluster.stop()
    try:
        record("alex", 2, "retest")  # saved in Alex's file
        code, out, err = at("alex", "history", "--client", "Maria")
        assert code == 0, err
        assert "server history as of" in out.splitlines()[0]
        rows = [line.split() for line in out.splitlines() if "psoas" in line]
        assert [(r[2], r[5], " ".join(r[-2:])) for r in rows] == [
            (str(-baseline.id), "baseline", "server copy"),
            (rows[1][2], "retest", "this workstation"),
        ]
        assert int(rows[1][2]) > 0
        code, out, err = at("alex", "replay", str(-baseline.id), "--speed", "max")
        assert code == 0, err  # room A's baseline, replayed in room B
        assert out.startswith(f"test {-baseline.id}: psoas L baseline") and "Complete" in out
        code, out, _ = at("alex", "store")
        assert "history copy:" in out and "(1 clients, 1 tests; history as of" in out
        monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(tmp_path / "alex.sqlite3"))
        opened = open_offline(urls["alex"])
        local = opened.store
        try:
            assert isinstance(local, OfflineStore)
            assert "server history as of" in status_line(opened)  # the window's status line
            assert "server history as of" in offline_line(local)  # after losing the server
            assert_same_trace(local.load_trace(-baseline.id), make_trace(1))  # replay offline
            assert local.get_test(-baseline.id).condition == "baseline"
            with pytest.raises(StoreError, match=r"server's test .* change it once the server"):
                local.edit_test(-baseline.id, who="Alex", notes="offline note")
        finally:
            local.close()
    finally:
        pg_cluster.start()
    code, _, err = at("alex", "history", "--client", "Maria")
    assert code == 0 and "1 tests saved while the server was away uploaded" in err
    assert at("alex", "history", "--client", "Maria")[2] == ""
    with server(url) as srv:
        assert server_traces(srv) == {"1": 1, "2": 1}  # the copy's test went nowhere
        assert [t.condition for t in srv.history(srv.find_client("Maria").id)] == [
            "baseline",
            "retest",
        ]
    with Store.open(copy) as kept:  # refreshed on connecting: the upload is in the copy too
        assert len(kept.test_ids()) == 2


def test_the_copy_holds_only_what_the_role_may_see_and_follows_corrections(
    tmp_path: Path, pg_url: str
) -> None:
    url = server_store_url(pg_url, site="A")
    db = url.split("/")[3].split("?")[0]
    with server(url) as admin:
        admin.add_site("B")
        _role(url, f"ana_{db}")
        admin.grant_site(f"ana_{db}", "A")
        alma = admin.add_client("Alma").id
        first = save_recording(admin, make_trace(1), client=alma, muscle="psoas", side="L",
                               condition="baseline", results=())  # fmt: skip
        admin.use_site("B")
        bea = admin.add_client("Bea").id
        save_recording(admin, make_trace(2), client=bea, muscle="psoas", side="L",
                       condition="baseline", results=())  # fmt: skip
    local = tmp_path / "ws.sqlite3"
    with server(_role(url, f"ana_{db}")) as ana:
        assert follow(local, ana, [alma, bea]) == 1  # one trace: Bea is not Ana's to copy
        with Store.open(mirror_path(local)) as copy:
            assert [c.name for c in copy.clients()] == ["Alma"]
        ana.edit_test(first, who="Ana", notes="rechecked")
        second = save_recording(ana, make_trace(3), client=alma, muscle="psoas", side="R",
                                condition="retest", results=())  # fmt: skip
        # A copy refreshed a moment ago is left alone when asked for one under a minute old.
        assert refresh(local, ana, older_than_s=60.0) == 0
        assert refresh(local, ana) == 1  # only the new trace travels again
    with Store.open(mirror_path(local)) as copy:
        assert copy.get_test(first).notes == "rechecked"
        assert [e.action for e in copy.audit(first)] == ["edit"]
        assert_same_trace(copy.load_trace(second), make_trace(3))


def test_a_client_looked_up_is_copied_at_most_once_a_minute(pg_url: str) -> None:
    url = server_store_url(pg_url)
    with server(url) as srv:
        maria = srv.add_client("Maria").id
        seen: list[int] = []
        srv.on_open = seen.append
        srv.find_client("Maria")
        srv.get_client(maria)
        srv.find_client(str(maria))
        assert seen == [maria]
        srv._opened[maria] -= 61  # a minute later
        srv.get_client(maria)
        assert seen == [maria, maria]
