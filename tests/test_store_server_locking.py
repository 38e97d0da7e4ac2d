"""Server writes lock per client: rooms working on different clients never wait for each other.

Each test holds a write transaction open on one client in this process, as a
save in progress does, and lets another process (a therapist's role, under
row-level security) write meanwhile. Whether that process waits is read from
the server itself (``pg_blocking_pids``), not from timings.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import server_store_url
from test_store_core import make_trace
from test_store_server import _role, server, server_traces

from nkt_dyno.store import NotFoundError, Store, save_recording
from nkt_dyno.store._push import push
from nkt_dyno.store._store import now

psycopg = pytest.importorskip("psycopg", reason='the server extra: pip install -e ".[server]"')
from nkt_dyno.store._server import ServerStore  # noqa: E402  (needs psycopg)

TESTS_DIR = str(Path(__file__).parent)

# argv: url, client id, what to do ("visit": print the visit's session id; "save": a test).
_WRITER = textwrap.dedent(
    f"""
    import sys
    sys.path.insert(0, {TESTS_DIR!r})
    from test_store_core import make_trace
    from nkt_dyno.store import Store, save_recording
    url, client, what = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with Store.open(url) as store:
        print("connected", flush=True)
        if what == "visit":
            print(store.visit_session(client), flush=True)
        else:
            test = save_recording(store, make_trace(client), client=client, muscle="psoas",
                                  side="L", condition="baseline", results=())
            print(store.get_test(test).session_id, flush=True)
    """
)


def _therapists(url: str) -> tuple[str, str, int, int]:
    """Two therapists of site main (URLs), and two clients of it."""
    db = url.split("/")[3].split("?")[0]
    roles = (f"ana_{db}", f"alex_{db}")
    with server(url) as admin:
        for role in roles:
            _role(url, role)
            admin.grant_site(role, "main")
        a = admin.add_client("Alma").id
        b = admin.add_client("Bert").id
    return _role(url, roles[0]), _role(url, roles[1]), a, b


@pytest.fixture
def holder(pg_url: str) -> Iterator[tuple[str, str, int, int]]:
    yield _therapists(server_store_url(pg_url))


def _start(url: str, client: int, what: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, url, str(client), what],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "connected", proc.stderr.read()  # type: ignore[union-attr]
    return proc


def _blocked_by(watcher: psycopg.Connection[tuple[int]], pid: int) -> bool:
    """Whether some backend waits for a lock the backend ``pid`` holds."""
    rows = watcher.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (pid,)
    )
    return bool(rows.fetchone()[0])  # type: ignore[index]


def _wait_for(
    proc: subprocess.Popen[str], watcher: psycopg.Connection[tuple[int]], pid: int
) -> str:
    """``finished`` when the process ends before waiting on ``pid``'s locks, else ``blocked``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return "finished"
        if _blocked_by(watcher, pid):
            return "blocked"
        time.sleep(0.02)
    raise AssertionError("the other process neither finished nor waited within a minute")


def test_a_save_for_another_client_completes_while_a_client_is_held(
    holder: tuple[str, str, int, int], pg_url: str
) -> None:
    ana_url, alex_url, alma, bert = holder
    with Store.open(ana_url) as ana, psycopg.connect(pg_url, autocommit=True) as watcher:
        assert isinstance(ana, ServerStore)
        with ana._write("holding Alma's visit open") as c:
            ana._lock_client(c, alma)
            c.execute(
                "INSERT INTO sessions (client_id, started) VALUES (?, ?)",
                (alma, "2026-01-01T09:00:00+00:00"),
            )
            other = _start(alex_url, bert, "save")
            assert _wait_for(other, watcher, ana._conn.pg.info.backend_pid) == "finished"
            out, err = other.communicate(timeout=60)
            assert other.returncode == 0, err
        with server(pg_url) as admin:
            (test,) = admin.history(bert)
            assert test.session_id == int(out)


def test_the_same_client_from_two_processes_still_makes_one_visit_one_session(
    holder: tuple[str, str, int, int], pg_url: str
) -> None:
    ana_url, alex_url, alma, _ = holder
    with Store.open(ana_url) as ana, psycopg.connect(pg_url, autocommit=True) as watcher:
        assert isinstance(ana, ServerStore)
        with ana._write("opening Alma's visit") as c:
            ana._lock_client(c, alma)
            other = _start(alex_url, alma, "visit")
            assert _wait_for(other, watcher, ana._conn.pg.info.backend_pid) == "blocked"
            mine = c.execute(
                "INSERT INTO sessions (client_id, started) VALUES (?, ?)",
                (alma, now()),
            ).lastrowid
        out, err = other.communicate(timeout=60)
        assert other.returncode == 0, err
        assert int(out) == mine  # it waited, then found the visit this process opened
        assert [s.id for s in ana.sessions(alma)] == [mine]


def test_a_therapist_cannot_lock_or_wait_on_another_sites_client(pg_url: str) -> None:
    url = server_store_url(pg_url, site="A")
    db = url.split("/")[3].split("?")[0]
    with server(url) as admin:
        admin.add_site("B")
        for role, site in ((f"ana_{db}", "A"), (f"bob_{db}", "B")):
            _role(url, role)
            admin.grant_site(role, site)
        admin.use_site("B")
        bea = admin.add_client("Bea of B").id
    ana_url, bob_url = _role(url, f"ana_{db}"), _role(url, f"bob_{db}")
    with Store.open(bob_url) as bob, Store.open(ana_url) as ana:
        assert isinstance(bob, ServerStore) and isinstance(ana, ServerStore)
        with bob._write("holding Bea") as c:
            bob._lock_client(c, bea)
            # Row-level security hides Bea from Ana: no lock to take, so no wait either.
            with pytest.raises(NotFoundError, match=f"no client with id {bea}"):
                ana.visit_session(bea)
            with pytest.raises(NotFoundError), ana._write("locking Bea") as other:
                ana._lock_client(other, bea)


def test_concurrent_uploads_by_therapists_add_every_test_once(
    tmp_path: Path, holder: tuple[str, str, int, int], pg_url: str
) -> None:
    """Two workstations upload the same file at once, as therapists: ON CONFLICT under RLS."""
    ana_url, alex_url, _, _ = holder
    local = tmp_path / "ws.sqlite3"
    with Store.open(local) as ws:
        client = ws.add_client("Carla").id
        for seed in range(4):
            save_recording(ws, make_trace(seed), client=client, muscle="psoas", side="L",
                           condition="baseline", results=())  # fmt: skip
    script = textwrap.dedent(
        """
        import sys
        from nkt_dyno.store import Store
        from nkt_dyno.store._push import push
        with Store.open(sys.argv[2]) as local, Store.open(sys.argv[1]) as srv:
            push(local, srv, since=0)
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, where, str(local)])
        for where in (ana_url, alex_url)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with Store.open(local) as ws, server(pg_url) as admin:
        assert push(ws, admin, since=0) == (0, 4)
        assert server_traces(admin) == {str(seed): 1 for seed in range(4)}
        assert [c.name for c in admin.clients()] == ["Alma", "Bert", "Carla"]
