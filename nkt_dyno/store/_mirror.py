"""A workstation's read-only copy of its clients' history on the server, for when it is away.

While connected, the workstation copies the whole history of each client it
opens (sessions, groups, tests with their traces, analyses, corrections,
weighings) into a store file of its own beside the workstation's file
(``ws.sqlite3`` → ``ws.history.sqlite3``), under the server's ids, and
refreshes it on every connection. Traces are copied too, each once (about
65 KiB per 10-s test), so that an offline replay or comparison has them.

Offline, :class:`OfflineStore` (the workstation's file) shows a client's
history as the copy's tests plus the file's own tests that the copy does
not hold. Tests from the copy carry negative ids there (``-123`` is the
server's test 123), so the two never collide; they are read-only, and
nothing of the copy is ever uploaded: uploads read the workstation's file
only (:mod:`._push`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nkt_dyno.store._errors import NotFoundError, StoreError
from nkt_dyno.store._models import Analysis, MuscleTest, Session
from nkt_dyno.store._store import Store, now

if TYPE_CHECKING:
    from nkt_dyno.store._models import NewAnalysis
    from nkt_dyno.store._server import ServerStore
    from nkt_dyno.trace import Trace

SYNCED = "mirror_synced"
"""The copy's setting: when it last matched the server (a stored UTC time)."""
SERVER = "mirror_server"
"""The copy's setting: the uid of the server it copies; another server's copy is dropped."""

_UIDS = (
    "CREATE TABLE IF NOT EXISTS mirror_uids (tbl TEXT, id INTEGER, uid TEXT, PRIMARY KEY (tbl, id))"
)
# The tables copied, parents first; those keyed by a test or client are replaced whole.
_KEPT = ("examiners", "devices", "calibrations", "muscles", "clients", "sessions",
         "protocol_groups", "tests")  # fmt: skip
_REPLACED = ("analyses", "audit", "body_masses")


def mirror_path(local: Path) -> Path:
    """Where the copy of the server's history lives: beside the workstation's file."""
    return local.with_name(f"{local.stem}.history{local.suffix or '.sqlite3'}")


def follow(local: Path, server: ServerStore, client_ids: Iterable[int]) -> int:
    """Copy the history of these server clients into the copy; how many traces were new.

    Only clients the server's role may see are copied (row-level security decides).
    """
    with _open_copy(local, server) as copy:
        return sum(_copy_client(copy, server, cid) for cid in sorted(set(client_ids)))


def refresh(local: Path, server: ServerStore, *, older_than_s: float = 0.0) -> int:
    """Bring the copy of every client followed up to date (on connecting); new traces.

    A copy brought up to date less than ``older_than_s`` ago is left as it is:
    every command connects, and a run of them should not copy every client
    each time (the copy says how old it is).
    """
    if not mirror_path(local).exists():
        return 0
    if older_than_s > 0.0:
        with Store.open(mirror_path(local), create=False) as copy:
            synced = _get(copy, SYNCED)
        if synced is not None:
            age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(synced)
            if age.total_seconds() < older_than_s:
                return 0
    with _open_copy(local, server) as copy:
        followed = [int(r[0]) for r in copy._sqlite.execute("SELECT id FROM clients")]
        copied = sum(_copy_client(copy, server, cid) for cid in followed)
        _set(copy, SYNCED, now())
    return copied


@contextlib.contextmanager
def _open_copy(local: Path, server: ServerStore) -> Any:
    path = mirror_path(local)
    uid = server.server_uid()
    if path.exists():
        with Store.open(path) as old:
            other = _get(old, SERVER) not in (None, uid)
        if other:  # a copy of another server's clients: start again
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    copy = Store.open(path)
    try:
        copy._sqlite.execute(_UIDS)
        if _get(copy, SYNCED) is None:
            _set(copy, SYNCED, now())
        _set(copy, SERVER, uid)
        yield copy
    finally:
        copy.close()


def _get(copy: Store, key: str) -> str | None:
    row = copy._sqlite.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _set(copy: Store, key: str, value: str) -> None:
    copy._sqlite.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _copy_client(copy: Store, server: ServerStore, client_id: int) -> int:
    """Copy one client's rows from the server into the copy; how many traces were new."""
    rows: dict[str, list[dict[str, Any]]] = {}
    pg = server._conn.pg
    sessions = "SELECT id FROM sessions WHERE client_id = %s"
    tests = f"SELECT id FROM tests WHERE session_id IN ({sessions})"
    with pg.transaction():
        rows["clients"] = _rows(pg, "SELECT * FROM clients WHERE id = %s", client_id)
        if not rows["clients"]:
            return 0  # not (or no longer) one of the role's sites' clients
        rows["sessions"] = _rows(pg, "SELECT * FROM sessions WHERE client_id = %s", client_id)
        rows["protocol_groups"] = _rows(
            pg, f"SELECT * FROM protocol_groups WHERE session_id IN ({sessions})", client_id
        )
        rows["tests"] = _rows(
            pg, f"SELECT * FROM tests WHERE session_id IN ({sessions})", client_id
        )
        for table in ("analyses", "audit"):
            rows[table] = _rows(pg, f"SELECT * FROM {table} WHERE test_id IN ({tests})", client_id)
        rows["body_masses"] = _rows(pg, "SELECT * FROM body_masses WHERE client_id = %s", client_id)
        rows["examiners"] = _rows(
            pg,
            "SELECT * FROM examiners WHERE id IN "
            "(SELECT examiner_id FROM sessions WHERE client_id = %s)",
            client_id,
        )
        for table in ("devices", "calibrations", "muscles"):
            rows[table] = _rows(pg, f"SELECT * FROM {table}")
        have = {int(r[0]) for r in copy._sqlite.execute("SELECT test_id FROM traces")}
        missing = [t["id"] for t in rows["tests"] if t["id"] not in have]
        rows["traces"] = _rows(pg, "SELECT * FROM traces WHERE test_id = ANY(%s)", missing)
    test_ids = [t["id"] for t in rows["tests"]]
    marks = ", ".join("?" for _ in test_ids) or "NULL"
    with copy._write("copying the client's history"):
        w = copy._sqlite
        for table in _KEPT:
            _upsert(w, table, rows[table])
        w.execute(f"DELETE FROM analyses WHERE test_id IN ({marks})", test_ids)
        w.execute(f"DELETE FROM audit WHERE test_id IN ({marks})", test_ids)
        w.execute("DELETE FROM body_masses WHERE client_id = ?", (client_id,))
        for table in _REPLACED:
            _upsert(w, table, rows[table])
        _upsert(w, "traces", rows["traces"])
        for table in ("clients", "tests"):
            w.executemany(
                "INSERT OR REPLACE INTO mirror_uids (tbl, id, uid) VALUES (?, ?, ?)",
                [(table, r["id"], r["uid"]) for r in rows[table]],
            )
    return len(rows["traces"])


def _rows(pg: Any, sql: str, *args: object) -> list[dict[str, Any]]:
    cur = pg.execute(sql, args)
    names = [d.name for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _upsert(w: sqlite3.Connection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or overwrite rows by their key, in the columns both stores have."""
    if not rows:
        return
    info = w.execute(f"PRAGMA table_info({table})").fetchall()
    mine = {r[1] for r in info}
    keys = [r[1] for r in info if r[5]] or ["rowid"]
    names = [n for n in rows[0] if n in mine]
    update = ", ".join(f"{n} = excluded.{n}" for n in names if n not in keys)
    conflict = f"DO UPDATE SET {update}" if update else "DO NOTHING"
    w.executemany(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
        f"ON CONFLICT ({', '.join(keys)}) {conflict}",
        [tuple(_sqlite_value(r[n]) for n in names) for r in rows],
    )


def _sqlite_value(value: object) -> object:
    return bytes(value) if isinstance(value, memoryview) else value


class OfflineStore(Store):
    """The workstation's file, showing its clients' server history from the copy beside it."""

    copy: Store | None = None
    synced: str | None = None

    def attach_copy(self) -> None:
        """Open the copy beside this file, when there is one."""
        path = mirror_path(self.path)
        if path.exists():
            self.copy = Store.open(path, create=False)
            self.synced = _get(self.copy, SYNCED)

    def close(self) -> None:
        if self.copy is not None:
            self.copy.close()
        super().close()

    def as_of(self) -> str:
        """How old the server history shown is, in words."""
        if self.copy is None or self.synced is None:
            return "no copy of the server's history on this workstation"
        return f"server history as of {local_minute(self.synced)}"

    def source(self, test: MuscleTest) -> str:
        """Where a test shown offline comes from: the server's copy or this workstation."""
        return "server copy" if test.id < 0 else "this workstation"

    # -- the copy's client and tests behind the file's ---------------------------------

    def _copy_client_id(self, client_id: int) -> int | None:
        """The copy's id of the file's client (matched by the server's uid)."""
        if self.copy is None:
            return None
        from nkt_dyno.store._push import _mapped_uids, row_uid, store_uid

        uid = _mapped_uids(self).get(("clients", client_id)) or row_uid(
            store_uid(self), "clients", client_id
        )
        row = self.copy._sqlite.execute(
            "SELECT id FROM mirror_uids WHERE tbl = 'clients' AND uid = ?", (uid,)
        ).fetchone()
        return None if row is None else int(row[0])

    def _copied_test_uids(self) -> set[str]:
        assert self.copy is not None
        rows = self.copy._sqlite.execute("SELECT uid FROM mirror_uids WHERE tbl = 'tests'")
        return {str(r[0]) for r in rows}

    def history(self, client_id: int, muscle: str | None = None) -> list[MuscleTest]:
        """The copy's tests of the client and this file's own that it lacks, oldest first."""
        mine = super().history(client_id, muscle)
        there = self._copy_client_id(client_id)
        if there is None or self.copy is None:
            return mine
        from nkt_dyno.store._push import _mapped_uids, row_uid, store_uid

        copied = self._copied_test_uids()
        store, mapped = store_uid(self), _mapped_uids(self)
        own = [
            t for t in mine
            if (mapped.get(("tests", t.id)) or row_uid(store, "tests", t.id)) not in copied
        ]  # fmt: skip
        theirs = [_negated(t, client_id) for t in self.copy.history(there, muscle)]
        return sorted([*theirs, *own], key=lambda t: (t.recorded, t.id))

    def get_test(self, test_id: int) -> MuscleTest:
        if test_id >= 0 or self.copy is None:
            return super().get_test(test_id)
        test = self.copy.get_test(-test_id)
        local = self._local_client(test.client_id)
        return _negated(test, local)

    def load_trace(self, test_id: int) -> Trace:
        if test_id >= 0 or self.copy is None:
            return super().load_trace(test_id)
        return self.copy.load_trace(-test_id)

    def analyses(self, test_id: int) -> list[Analysis]:
        if test_id >= 0 or self.copy is None:
            return super().analyses(test_id)
        return [dataclasses.replace(a, test_id=test_id) for a in self.copy.analyses(-test_id)]

    def get_session(self, session_id: int) -> Session:
        if session_id >= 0 or self.copy is None:
            return super().get_session(session_id)
        found = self.copy.get_session(-session_id)
        return dataclasses.replace(
            found, id=session_id, client_id=self._local_client(found.client_id)
        )

    def tests(self, session_id: int) -> list[MuscleTest]:
        if session_id >= 0 or self.copy is None:
            return super().tests(session_id)
        client = self.get_session(session_id).client_id
        return [_negated(t, client) for t in self.copy.tests(-session_id)]

    def _local_client(self, copy_client: int) -> int:
        """The file's id of a client of the copy (the file holds every copied client)."""
        from nkt_dyno.store._push import _mapped_uids, known_uids, row_uid, store_uid

        assert self.copy is not None
        row = self.copy._sqlite.execute(
            "SELECT uid FROM mirror_uids WHERE tbl = 'clients' AND id = ?", (copy_client,)
        ).fetchone()
        if row is not None and row[0] in known_uids(self):
            store, mapped = store_uid(self), _mapped_uids(self)
            for (cid,) in self._sqlite.execute("SELECT id FROM clients"):
                if (mapped.get(("clients", cid)) or row_uid(store, "clients", cid)) == row[0]:
                    return int(cid)
        raise NotFoundError(f"no client of the server's test in {self.path}")

    # -- the copy is read-only ------------------------------------------------------

    def _refuse(self, test_id: int) -> None:
        if test_id < 0:
            raise StoreError(
                f"test {test_id} is the server's test {-test_id}, shown from this "
                f"workstation's copy ({self.as_of()}): change it once the server is back"
            )

    def edit_test(self, test_id: int, **changes: Any) -> MuscleTest:
        self._refuse(test_id)
        return super().edit_test(test_id, **changes)

    def move_test(self, test_id: int, session_id: int, *, who: str) -> MuscleTest:
        self._refuse(test_id)
        self._refuse(session_id)
        return super().move_test(test_id, session_id, who=who)

    def delete_test(self, test_id: int, *, who: str, reason: str = "") -> None:
        self._refuse(test_id)
        super().delete_test(test_id, who=who, reason=reason)

    def restore_test(self, test_id: int, *, who: str) -> MuscleTest:
        self._refuse(test_id)
        return super().restore_test(test_id, who=who)

    def set_therapist_verdict(self, test_id: int, verdict: str | None) -> None:
        self._refuse(test_id)
        super().set_therapist_verdict(test_id, verdict)

    def add_analysis(self, test_id: int, analysis: NewAnalysis) -> int:
        self._refuse(test_id)
        return super().add_analysis(test_id, analysis)


def local_minute(stamp: str) -> str:
    """A stored UTC time as local 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


def _negated(test: MuscleTest, client_id: int) -> MuscleTest:
    """A test of the copy as the offline store shows it: negative ids, the file's client."""
    analysis = test.analysis
    return dataclasses.replace(
        test,
        id=-test.id,
        session_id=-test.session_id,
        client_id=client_id,
        group_id=None if test.group_id is None else -test.group_id,
        analysis=None if analysis is None else dataclasses.replace(analysis, test_id=-test.id),
    )
