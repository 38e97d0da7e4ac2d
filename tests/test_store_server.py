"""The clinic's server store against a real PostgreSQL server: uploads, sites, roles.

Each test gets a new database on the throwaway server of ``conftest.py``;
all of them skip, saying why, where PostgreSQL is not installed.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _pgserver import Cluster
from conftest import server_store_url
from test_store_core import assert_same_trace, hold, make_trace

from nkt_dyno.cli import main
from nkt_dyno.context import TestContext
from nkt_dyno.store import ServerUnreachableError, Store, StoreError, save_recording
from nkt_dyno.store._codec import encode
from nkt_dyno.store._push import pending, push
from nkt_dyno.store._schema import MIGRATIONS
from nkt_dyno.trace import Trace, write_trace

psycopg = pytest.importorskip("psycopg", reason='the server extra: pip install -e ".[server]"')
from nkt_dyno.store._server import ServerStore  # noqa: E402  (needs psycopg)

TESTS_DIR = str(Path(__file__).parent)


def server(url: str, site: str | None = None) -> ServerStore:
    store = Store.open(url)
    assert isinstance(store, ServerStore)
    if site is not None:
        store.use_site(site)
    return store


def fill(path: Path, tests: int = 3) -> list[int]:
    """A store file with one client, one session and ``tests`` analysed tests."""
    with Store.open(path) as store:
        client = store.add_client("Maria Example", birth_year=1980, sex="female")
        session = store.start_session(client.id, examiner="Dr Who")
        ids = [
            store.save_test(
                session.id,
                muscle="psoas",
                side="L",
                condition="baseline",
                trace=make_trace(seed, gyro=seed % 2 == 0),
                analysis=hold(100.0 + seed),
                context=TestContext(patient_position="supine"),
            )
            for seed in range(tests)
        ]
        store.edit_test(ids[0], who="Dr Who", notes="re-tagged")
        store.add_body_mass(client.id, 68.0, measured="2025-01-02")
    return ids


def server_traces(store: ServerStore) -> dict[str, int]:
    """Each saved trace's seed (from its metadata) and how many tests hold it."""
    counts: dict[str, int] = {}
    for test_id in store.test_ids():
        seed = store.load_trace(test_id).metadata["seed"]
        counts[seed] = counts.get(seed, 0) + 1
    return counts


def test_push_moves_a_file_losslessly_and_again_adds_nothing(tmp_path: Path, pg_url: str) -> None:
    url = server_store_url(pg_url)
    local = tmp_path / "ws.sqlite3"
    ids = fill(local)
    with Store.open(local) as ws, server(url) as srv:
        assert pending(ws, srv.server_uid()) == 3
        assert push(ws, srv) == (3, 0)
        assert pending(ws, srv.server_uid()) == 0
        assert push(ws, srv) == (0, 0)
        (client,) = srv.clients()
        assert (client.name, client.birth_year, client.sex) == ("Maria Example", 1980, "female")
        remote = srv.history(client.id)
        assert len(remote) == 3
        assert {t.context.patient_position for t in remote} == {"supine"}
        for local_id, test in zip(ids, remote, strict=True):
            assert_same_trace(srv.load_trace(test.id), ws.load_trace(local_id))
            assert (
                test.analysis is not None
                and test.analysis.peak_n == ws.get_test(local_id).analysis.peak_n
            )  # type: ignore[union-attr]
        assert [e.action for e in srv.audit()] == ["edit"]
        assert [(m.kg, m.measured) for m in srv.body_masses(client.id)] == [(68.0, "2025-01-02")]
        assert srv.get_session(remote[0].session_id).examiner_id is not None


def test_an_interrupted_push_retried_never_duplicates_a_test(tmp_path: Path, pg_url: str) -> None:
    url = server_store_url(pg_url)
    local = tmp_path / "ws.sqlite3"
    fill(local, tests=5)

    def cut_after_two(test_id: int) -> None:
        if test_id == 2:
            raise KeyboardInterrupt

    with Store.open(local) as ws, server(url) as srv:
        with pytest.raises(KeyboardInterrupt):
            push(ws, srv, uploaded=cut_after_two)
        assert len(srv.test_ids()) == 2
        # Killed after the server committed, before the file noted it: the file forgets.
        ws._conn.execute("DELETE FROM settings WHERE key LIKE 'uploaded:%'")
        assert pending(ws, srv.server_uid()) == 5
        assert push(ws, srv) == (3, 2)
        assert server_traces(srv) == {str(seed): 1 for seed in range(5)}


def test_four_workstations_saving_at_once_keep_every_test_once(tmp_path: Path, pg_url: str) -> None:
    """Each process saves three tests on the server and three into its own file, then uploads."""
    url = server_store_url(pg_url)
    with server(url) as srv:
        srv.add_client("Maria Example")
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {TESTS_DIR!r})
        from test_store_core import make_trace
        from nkt_dyno.store import Store, save_recording
        from nkt_dyno.store._push import push
        me = int(sys.argv[1])
        local = Store.open(sys.argv[2])
        client = local.add_client("Local " + str(me)).id
        with Store.open({url!r}) as srv:
            for n in range(3):
                seed = 100 * me + n
                save_recording(srv, make_trace(seed), client=1, muscle="psoas", side="L",
                               condition="baseline", results=())
                save_recording(local, make_trace(seed + 50), client=client, muscle="psoas",
                               side="R", condition="baseline", results=())
            push(local, srv)
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(me), str(tmp_path / f"{me}.db")])
        for me in range(4)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with server(url) as srv:
        expected = {str(100 * me + n + k): 1 for me in range(4) for n in range(3) for k in (0, 50)}
        assert server_traces(srv) == expected
        assert len(srv.sessions(1)) == 1  # one visit, one session, across workstations
        assert len(srv.clients()) == 5


def test_server_stopped_mid_session_then_restarted_loses_and_doubles_nothing(
    tmp_path: Path, pg_cluster: Cluster, pg_url: str
) -> None:
    url = server_store_url(pg_url)
    local = tmp_path / "ws.sqlite3"
    srv = server(url)
    client = srv.add_client("Maria Example").id
    save_recording(srv, make_trace(1), client=client, muscle="psoas", side="L",
                   condition="baseline", results=())  # fmt: skip
    pg_cluster.stop()
    with pytest.raises(ServerUnreachableError, match="cannot be reached"):
        save_recording(srv, make_trace(2), client=client, muscle="psoas", side="L",
                       condition="baseline", results=())  # fmt: skip
    with pytest.raises(ServerUnreachableError):
        Store.open(url, timeout_s=1)
    with Store.open(local) as ws:  # the workstation carries on in its own file
        kept = ws.add_client("Maria Example").id
        for seed in (2, 3):
            save_recording(ws, make_trace(seed), client=kept, muscle="psoas", side="L",
                           condition="baseline", results=())  # fmt: skip
    pg_cluster.start()
    with Store.open(local) as ws, server(url) as back:
        assert push(ws, back) == (2, 0)
        assert push(ws, back) == (0, 0)
        assert server_traces(back) == {"1": 1, "2": 1, "3": 1}
    srv.close()


def _old_file(path: Path, version: int) -> None:
    """A store file as nkt-dyno wrote it at schema ``version``, with one test."""
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        conn.executescript(script)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("INSERT INTO clients (name, created) VALUES ('Old', '2020-01-01T00:00:00+00:00')")
    conn.execute(
        "INSERT INTO sessions (client_id, started) VALUES (1, '2020-01-01T00:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO tests (session_id, recorded, muscle, side, condition) "
        "VALUES (1, '2020-01-01T00:01:00+00:00', 'psoas', 'L', 'post-treatment')"
    )
    trace = make_trace(7, gyro=True)
    conn.execute(
        "INSERT INTO traces VALUES (1, 'f64le-xor-planes-zlib', ?, ?, ?, ?, ?)",
        (len(trace), encode(trace.t), encode(trace.force), encode(trace.gyro),
         json.dumps(dict(trace.metadata))),
    )  # fmt: skip
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_version_n_file_moves_to_the_server(tmp_path: Path, pg_url: str, version: int) -> None:
    url = server_store_url(pg_url)
    path = tmp_path / f"v{version}.sqlite3"
    _old_file(path, version)
    code = main(["store", "push", "--to", url, "--db", str(path)])
    assert code == 0
    with server(url) as srv:
        (client,) = srv.clients()
        (test,) = srv.history(client.id, "psoas")
        assert (client.name, test.condition, test.test) == ("Old", "retest", "break")
        assert_same_trace(srv.load_trace(test.id), make_trace(7, gyro=True))


def _role(url: str, name: str, *, admin: bool = False) -> str:
    """A login role of the nkt-dyno therapist (or admin) group; its URL on that database."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {name}")
        conn.execute(f"CREATE ROLE {name} LOGIN")
        conn.execute(f"GRANT {'nkt_admin' if admin else 'nkt_therapist'} TO {name}")
    return url.replace("postgresql://postgres@", f"postgresql://{name}@")


def test_a_site_a_therapist_cannot_read_or_change_site_b_clients_even_in_sql(
    pg_url: str,
) -> None:
    url = server_store_url(pg_url, site="A")
    db = url.split("/")[3].split("?")[0]
    with server(url) as admin:
        admin.add_site("B")
        for role, site in ((f"ana_{db}", "A"), (f"bob_{db}", "B")):
            _role(url, role)
            admin.grant_site(role, site)
    ana_url, bob_url = _role(url, f"ana_{db}"), _role(url, f"bob_{db}")
    with Store.open(bob_url) as bob:
        assert bob.site == "B"
        b_client = bob.add_client("Bea of site B").id
        save_recording(bob, make_trace(5), client=b_client, muscle="psoas", side="L",
                       condition="baseline", results=())  # fmt: skip
    with Store.open(ana_url) as ana:
        assert ana.site == "A"
        ana.add_client("Alma of site A")
        assert [c.name for c in ana.clients()] == ["Alma of site A"]
        with pytest.raises(StoreError):
            ana.start_session(b_client)
        with pytest.raises(StoreError, match="may not work for site 'B'"):
            ana.use_site("B")
    with psycopg.connect(ana_url, autocommit=True) as sql:
        for table in ("clients", "sessions", "tests", "traces", "analyses"):
            rows = sql.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert rows == ((1,) if table == "clients" else (0,)), table
        changed = sql.execute("UPDATE clients SET name = 'x' WHERE site = 'B'")
        assert changed.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute("INSERT INTO clients (name, created, site) VALUES ('sneak', 'now', 'B')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute("SELECT * FROM changes")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql.execute("INSERT INTO site_grants VALUES (current_user, 'B')")
    with server(url) as admin:
        assert sorted(c.name for c in admin.clients()) == ["Alma of site A", "Bea of site B"]


def test_every_save_and_change_is_recorded_append_only(pg_url: str) -> None:
    url = server_store_url(pg_url)
    db = url.split("/")[3].split("?")[0]
    ana_url = _role(url, f"ana_{db}")
    with server(url) as admin:
        admin.grant_site(f"ana_{db}", "main")
    with Store.open(ana_url) as ana:
        client = ana.add_client("Maria Example").id
        test_id = save_recording(ana, make_trace(1), client=client, muscle="psoas", side="L",
                                 condition="baseline", results=())  # fmt: skip
        ana.edit_test(test_id, who="Ana", side="R")
    with psycopg.connect(url, autocommit=True) as sql:
        rows = sql.execute("SELECT who, tbl, action, before, after FROM changes ORDER BY id")
        log = [(w, t, a, b, c) for w, t, a, b, c in rows]
        assert {(w, t, a) for w, t, a, _, _ in log} >= {
            (f"ana_{db}", "clients", "insert"),
            (f"ana_{db}", "tests", "insert"),
            (f"ana_{db}", "tests", "update"),
        }
        update = next(e for e in log if e[1:3] == ("tests", "update"))
        assert json.loads(update[3])["side"] == "L" and json.loads(update[4])["side"] == "R"
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            sql.execute("DELETE FROM changes")


def test_the_store_command_shows_server_site_and_pending_without_the_password(
    tmp_path: Path,
    pg_url: str,
    pg_cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = server_store_url(pg_url)
    local = tmp_path / "ws.sqlite3"
    fill(local, tests=2)
    secret_url = url.replace("postgresql://postgres@", "postgresql://postgres:s3cret-pw@")
    monkeypatch.setenv("NKT_DYNO_DB", secret_url)
    monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(local))
    assert main(["store"]) == 0
    out = capsys.readouterr().out
    assert "connected; site main" in out and "2 tests waiting for upload" in out
    assert main(["store", "push", "--to", secret_url, "--db", str(local)]) == 0
    assert "2 tests uploaded" in capsys.readouterr().out
    assert main(["store"]) == 0
    out = capsys.readouterr().out
    assert "0 tests waiting for upload" in out and "1 clients, 2 tests" in out
    pg_cluster.stop()
    try:
        assert main(["store"]) == 0
        out, err = capsys.readouterr()
        assert "not reachable" in out
    finally:
        pg_cluster.start()
    assert "s3cret" not in out + err


def test_a_workstation_without_its_server_saves_locally_and_uploads_when_it_is_back(
    tmp_path: Path,
    pg_url: str,
    pg_cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = server_store_url(pg_url)
    local = tmp_path / "ws.sqlite3"
    monkeypatch.setenv("NKT_DYNO_DB", url)
    monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(local))
    assert main(["client", "add", "Maria Example"]) == 0
    capsys.readouterr()
    assert local.exists()  # the server's clients are copied to the workstation's file
    recordings = []
    for seed in (1, 2):
        recordings.append(tmp_path / f"r{seed}.csv")
        trace = make_trace(seed)
        write_trace(recordings[-1], Trace(trace.t, trace.force, metadata=dict(trace.metadata)))
    pg_cluster.stop()
    try:
        for file in recordings:
            code = main(["import", str(file), "--client", "Maria Example", "--muscle", "psoas",
                         "--side", "L", "--condition", "baseline"])  # fmt: skip
            err = capsys.readouterr().err
            assert code == 0, err
            assert "cannot be reached: this workstation saves to" in err
        assert "1 tests wait for upload" in err  # counted before the second was saved
        assert main(["store"]) == 0
        out = capsys.readouterr().out
        assert "not reachable" in out and "2 tests" in out
    finally:
        pg_cluster.start()
    assert main(["history", "--client", "Maria Example"]) == 0
    captured = capsys.readouterr()
    assert "2 tests saved while the server was away uploaded" in captured.err
    with server(url) as srv:
        (client,) = srv.clients()  # the offline tests joined the server's client
        assert server_traces(srv) == {"1": 1, "2": 1}
        assert len(srv.history(client.id)) == 2
    assert main(["history", "--client", "Maria Example"]) == 0
    assert "uploaded" not in capsys.readouterr().err


def test_a_client_changed_on_the_server_keeps_the_server_version_and_logs_the_other(
    tmp_path: Path, pg_url: str
) -> None:
    url = server_store_url(pg_url)
    local = tmp_path / "ws.sqlite3"
    with server(url) as srv:
        srv.add_client("Maria Example", notes="left-handed", sex="female")
    from nkt_dyno.store._workstation import mirror_clients

    with Store.open(local) as ws, server(url) as srv:
        assert mirror_clients(ws, srv) == 1
        assert mirror_clients(ws, srv) == 0
        assert ws.get_client(1).sex == "female"
        save_recording(ws, make_trace(4), client=1, muscle="psoas", side="L",
                       condition="baseline", results=())  # fmt: skip
    with psycopg.connect(url, autocommit=True) as sql:
        sql.execute("UPDATE clients SET notes = 'right-handed' WHERE id = 1")
    with Store.open(local) as ws, server(url) as srv:
        assert push(ws, srv) == (1, 0)
        (client,) = srv.clients()
        assert client.notes == "right-handed"
    with psycopg.connect(url, autocommit=True) as sql:
        (before, after) = sql.execute(
            "SELECT before, after FROM changes WHERE action = 'conflict'"
        ).fetchone()
    assert json.loads(before)["notes"] == "right-handed"
    assert json.loads(after)["notes"] == "left-handed"
    assert json.loads(after)["sex"] == json.loads(before)["sex"] == "female"


def test_sites_and_grants_from_the_cli(pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    url = server_store_url(pg_url)
    db = url.split("/")[3].split("?")[0]
    ana_url = _role(url, f"ana_{db}")
    assert main(["store", "site", "North", "--db", url]) == 0
    assert main(["store", "grant", f"ana_{db}", "North", "--db", url]) == 0
    assert "may now work with the clients of site North" in capsys.readouterr().out
    assert main(["store", "grant", "nobody_here", "North", "--db", url]) == 1
    assert "no database role 'nobody_here'" in capsys.readouterr().err
    assert main(["store", "grant", f"ana_{db}", "South", "--db", url]) == 1
    assert "no site 'South'" in capsys.readouterr().err
    assert main(["store", "site", "South", "--db", ana_url]) == 1
    assert "may not do this" in capsys.readouterr().err
    with Store.open(ana_url) as ana:
        assert isinstance(ana, ServerStore) and ana.sites() == ["North"]


def test_the_window_says_which_store_and_whether_the_server_answers(
    tmp_path: Path,
    pg_url: str,
    pg_cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("PySide6")
    import argparse
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui._window import MainWindow
    from gui.app import _open_store

    app = QApplication.instance() or QApplication([])
    assert app is not None
    url = server_store_url(pg_url)
    monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(tmp_path / "ws.sqlite3"))
    args = argparse.Namespace(db=url, simulate=None, exit_after=None)
    lines = []
    for up in (True, False):
        if not up:
            pg_cluster.stop()
        store, status = _open_store(args, tmp_path)
        window = MainWindow()
        window.attach_store(store, status)
        lines.append(window.store_label.text())
        window.close()
        store.close()
    pg_cluster.start()
    assert lines[0].startswith("store: server postgresql://postgres@/") and "connected" in lines[0]
    assert "(site main)" in lines[0]
    assert "server not reachable" in lines[1] and "0 tests wait for upload" in lines[1]


def test_a_server_at_schema_1_is_migrated_by_its_owner_with_nothing_lost(pg_url: str) -> None:
    import sqlalchemy

    from nkt_dyno.store._server_schema import SERVER_SCHEMA_VERSION, migrate

    engine = sqlalchemy.create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(pg_url),
        poolclass=sqlalchemy.pool.NullPool,
    )
    with engine.begin() as conn:
        migrate(conn, target=1)
    engine.dispose()
    trace = make_trace(3, gyro=True)
    with psycopg.connect(pg_url, autocommit=True) as sql:
        sql.execute("INSERT INTO sites VALUES ('main')")
        sql.execute("INSERT INTO clients (name, created, site) VALUES ('Old', '2024', 'main')")
        sql.execute("INSERT INTO sessions (client_id, started) VALUES (1, '2024-01-01T09:00')")
        sql.execute(
            "INSERT INTO tests (session_id, recorded, muscle, side, condition) "
            "VALUES (1, '2024-01-01T09:01', 'psoas', 'L', 'baseline')"
        )
        sql.execute(
            "INSERT INTO traces VALUES (1, 'f64le-xor-planes-zlib', %s, %s, %s, %s, %s)",
            (len(trace), encode(trace.t), encode(trace.force), encode(trace.gyro),
             json.dumps(dict(trace.metadata))),
        )  # fmt: skip
    db = pg_url.split("/")[3].split("?")[0]
    ana_url = _role(pg_url, f"ana_{db}")
    with pytest.raises(StoreError, match="the database's owner must connect once"):
        Store.open(ana_url)
    with server(pg_url) as srv:
        assert srv.schema_version == SERVER_SCHEMA_VERSION == 3
        (test,) = srv.history(1)
        assert test.context.given() == {} and srv.get_client(1).sex is None
        assert_same_trace(srv.load_trace(test.id), trace)
        srv.add_body_mass(1, 71.5, measured="2024-01-01")
        assert srv.body_mass_at(1, test.recorded + ":00+00:00") is not None
        assert srv.edit_client(1, sex="female").sex == "female"
        edited = srv.edit_test(test.id, who="me", context=TestContext(patient_position="prone"))
        assert edited.context.patient_position == "prone"
    with (
        psycopg.connect(pg_url, autocommit=True) as sql,
        pytest.raises(psycopg.errors.CheckViolation),
    ):
        sql.execute("UPDATE tests SET patient_position = 'kneeling'")


def test_a_recording_saved_on_the_server_names_it_without_the_password(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server_store_url(pg_url)
    secret_url = url.replace("postgresql://postgres@", "postgresql://postgres:s3cret-pw@")
    monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(tmp_path / "ws.sqlite3"))
    with server(url) as srv:
        srv.add_client("Maria Example")
    csv_path = tmp_path / "trace.csv"
    code = main(["record", "--device", "sim:progressor", "--seconds", "1", "-o", str(csv_path),
                 "--save", "--client", "Maria Example", "--muscle", "psoas", "--side", "L",
                 "--db", secret_url])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    test_id = int(out.splitlines()[-1].removeprefix("saved as test "))
    with server(url) as srv:
        stored = json.dumps(dict(srv.load_trace(test_id).metadata))
    assert "s3cret" not in out + err + csv_path.read_text() + stored
    # A journal (kept while recording, and after a failed save) names the store so that
    # `recover` can reopen it: the URL without the password, which libpq finds in ~/.pgpass.
    import argparse

    from nkt_dyno.commands.record import _journal_metadata

    args = argparse.Namespace(device="sim:progressor", test="break", output=None)
    with Store.open(secret_url) as srv:
        assert _journal_metadata(args, None, srv)["store"] == url


def test_two_sites_three_workstations_one_loses_the_server_and_catches_up(
    tmp_path: Path,
    pg_url: str,
    pg_cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Ana and Alex work at site A, Bob at site B, each at a workstation with its own file."""
    url = server_store_url(pg_url, site="A")
    db = url.split("/")[3].split("?")[0]
    assert main(["store", "site", "B", "--db", url]) == 0
    urls = {}
    for name, site in (("ana", "A"), ("alex", "A"), ("bob", "B")):
        role = f"{name}_{db}"
        urls[name] = _role(url, role)
        assert main(["store", "grant", role, site, "--db", url]) == 0
    seeds = iter(range(10, 100))

    def at(name: str, *argv: str) -> tuple[int, str, str]:
        """A command run at ``name``'s workstation (their role, their own file)."""
        monkeypatch.setenv("NKT_DYNO_DB", urls[name])
        monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(tmp_path / f"{name}.sqlite3"))
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    def record(name: str, client: str) -> str:
        path = tmp_path / f"take{next(seeds)}.csv"
        trace = make_trace(int(path.stem[4:]))
        write_trace(path, Trace(trace.t, trace.force, metadata=dict(trace.metadata)))
        code, _, err = at(name, "import", str(path), "--client", client, "--muscle", "psoas",
                          "--side", "L")  # fmt: skip
        assert code == 0, err
        return err

    capsys.readouterr()
    assert at("ana", "client", "add", "Alma of A")[0] == 0
    assert at("bob", "client", "add", "Bea of B")[0] == 0
    record("ana", "Alma of A")
    record("alex", "Alma of A")
    record("bob", "Bea of B")
    pg_cluster.stop()
    try:
        for _ in range(2):  # Ana carries on in her own file
            assert "cannot be reached" in record("ana", "Alma of A")
    finally:
        pg_cluster.start()
    record("alex", "Alma of A")
    code, out, err = at("ana", "history", "--client", "Alma of A")
    assert code == 0 and "2 tests saved while the server was away uploaded" in err
    assert at("ana", "history", "--client", "Alma of A")[2] == ""  # nothing left to upload
    code, out, _ = at("alex", "client", "list")
    assert "Alma of A" in out and "Bea" not in out
    code, out, _ = at("bob", "client", "list")
    assert "Bea of B" in out and "Alma" not in out
    code, _, err = at("bob", "history", "--client", "Alma of A")
    assert code == 1 and "no client with that name" in err
    with server(url) as admin:
        alma = admin.find_client("Alma of A").id
        bea = admin.find_client("Bea of B").id
        counts = {client: len(admin.history(client)) for client in (alma, bea)}
        assert counts == {alma: 5, bea: 1}
        assert sorted(server_traces(admin).values()) == [1] * 6  # every test exactly once


def test_a_server_from_a_newer_nkt_dyno_is_refused_untouched(pg_url: str) -> None:
    url = server_store_url(pg_url)
    with psycopg.connect(url, autocommit=True) as sql:
        sql.execute("UPDATE nkt_meta SET value = '99' WHERE key = 'schema_version'")
        before = sql.execute("SELECT count(*) FROM changes").fetchone()
    with pytest.raises(StoreError, match="server schema 99, but this nkt-dyno understands up to"):
        Store.open(url)
    with psycopg.connect(url, autocommit=True) as sql:
        version = sql.execute("SELECT value FROM nkt_meta WHERE key = 'schema_version'")
        assert version.fetchone() == ("99",)
        assert sql.execute("SELECT count(*) FROM changes").fetchone() == before


def test_corrections_made_offline_follow_their_tests_and_the_later_one_wins(
    tmp_path: Path, pg_url: str
) -> None:
    url = server_store_url(pg_url)
    local = tmp_path / "ws.sqlite3"
    ids = fill(local, tests=3)
    with Store.open(local) as ws, server(url) as srv:
        push(ws, srv)
        remote = [t.id for t in srv.history(srv.clients()[0].id)]
    with Store.open(local) as ws:  # the server is away: corrections in the file
        ws.edit_test(ids[1], who="Ana", side="R", notes="was the right side")
        ws.delete_test(ids[2], who="Ana", reason="false start")
        ws.edit_test(ids[0], who="Ana", notes="file's note")
    with server(url) as srv:  # meanwhile, and later, someone corrects test 1 on the server
        srv.edit_test(remote[0], who="Bob", notes="server's note")
    with Store.open(local) as ws, server(url) as srv:
        assert push(ws, srv) == (0, 0)
        assert push(ws, srv) == (0, 0)  # carried once
        moved = srv.get_test(remote[1])
        assert (moved.side, moved.notes) == ("R", "was the right side")
        assert srv.test_ids() == remote[:2]  # the deletion followed too
        assert srv.get_test(remote[0]).notes == "server's note"  # the later correction
        actions = [(e.who, e.test_id, e.action) for e in srv.audit()]
        assert actions == [
            ("Dr Who", remote[0], "edit"),  # made before the first push, uploaded with it
            ("Bob", remote[0], "edit"),
            ("Ana", remote[1], "edit"),
            ("Ana", remote[2], "delete"),
        ]
    with psycopg.connect(url, autocommit=True) as sql:
        (before, after) = sql.execute(
            "SELECT before, after FROM changes WHERE action = 'conflict' AND tbl = 'tests'"
        ).fetchone()
    assert json.loads(before) == {"notes": "server's note"}
    assert json.loads(after) == {"notes": "file's note"}


def test_a_personal_store_becoming_a_workstation_file_is_uploaded_only_when_asked(
    tmp_path: Path,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = server_store_url(pg_url)
    local = tmp_path / "mine.sqlite3"
    fill(local, tests=2)
    monkeypatch.setenv("NKT_DYNO_DB", url)
    monkeypatch.setenv("NKT_DYNO_LOCAL_DB", str(local))
    assert main(["client", "list"]) == 0
    assert main(["store"]) == 0
    out, err = capsys.readouterr()
    assert "uploaded" not in err and "0 tests waiting for upload" in out
    with server(url) as srv:
        assert srv.test_ids() == []
    assert main(["store", "push", "--to", url]) == 0
    assert "2 tests uploaded" in capsys.readouterr().out
    with server(url) as srv:
        assert len(srv.test_ids()) == 2
