"""Moving a workstation's store file to the clinic's server: every row once, however retried.

Each row of the file gets a globally unique id on the server, derived from
the file's own id (kept in its settings) and the row's local id, so the same
row always maps to the same ``uid``. Rows are inserted with ``ON CONFLICT
(uid) DO NOTHING``; a test goes over with its trace, analyses and corrections
in one server transaction. A push cut off anywhere (network, server stopped,
program killed) and started again therefore adds what is missing and never a
second copy.

The file remembers, per server, the highest test id it uploaded
(``uploaded:<server uid>`` in its settings); tests above it are *pending*.
Corrections made in the file to tests an earlier push uploaded follow them
(``uploaded_audit:<server uid>`` marks how far): the last correction wins,
and one that lost to a later correction on the server is kept in the
server's change record as a ``conflict``.

Columns are copied by name, the ones both sides have, so a column added to
both schemas later needs no change here.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from nkt_dyno.store._errors import StoreError

if TYPE_CHECKING:
    from nkt_dyno.store._server import ServerStore
    from nkt_dyno.store._store import Connection, Store

_NAMESPACE = uuid.UUID("6e6b7464-7973-746f-7265-000000000001")

_PARENTS: dict[str, dict[str, str]] = {
    # table: {column: the table whose local id it holds}
    "clients": {},
    "sessions": {"client_id": "clients", "examiner_id": "examiners"},
    "protocol_groups": {"session_id": "sessions"},
    "tests": {"session_id": "sessions", "group_id": "protocol_groups"},
    "body_masses": {"client_id": "clients"},
}
_PER_TEST = ("traces", "analyses", "audit")


class PushResult(NamedTuple):
    """What one push did: tests uploaded now, and tests the server already had."""

    uploaded: int
    already_there: int


def store_uid(local: Store) -> str:
    """The file's own globally unique id, made on first use and kept in its settings."""
    with local._write("naming the store") as c:
        c.execute(
            "INSERT INTO settings (key, value) VALUES ('store_uid', ?) ON CONFLICT DO NOTHING",
            (str(uuid.uuid4()),),
        )
        return str(c.execute("SELECT value FROM settings WHERE key = 'store_uid'").fetchone()[0])


def row_uid(store: str, table: str, row_id: int) -> str:
    """The server-wide id of one row of one store file."""
    return str(uuid.uuid5(_NAMESPACE, f"{store}/{table}/{row_id}"))


def known_uids(local: Store) -> set[str]:
    """The server uids of the file's clients: their own, or the server's for copied ones."""
    mine = store_uid(local)
    mapped = _mapped_uids(local)
    ids = [int(r[0]) for r in local._conn.execute("SELECT id FROM clients")]
    return {mapped.get(("clients", i)) or row_uid(mine, "clients", i) for i in ids}


def _mapped_uids(local: Store) -> dict[tuple[str, int], str]:
    """Rows the file copied from a server (``uid:<table>:<id>`` settings): their server uid."""
    rows = local._conn.execute("SELECT key, value FROM settings WHERE key LIKE 'uid:%'")
    found = {}
    for key, value in rows:
        _, table, row_id = str(key).split(":")
        found[(table, int(row_id))] = str(value)
    return found


def uploaded_through(local: Store, server_uid: str) -> int:
    """The highest local test id already on that server (0: none)."""
    row = local._conn.execute(
        "SELECT value FROM settings WHERE key = ?", (f"uploaded:{server_uid}",)
    ).fetchone()
    return int(row[0]) if row else 0


def pending(local: Store, server_uid: str) -> int:
    """How many of the file's tests that server does not have yet."""
    row = local._conn.execute(
        "SELECT count(*) FROM tests WHERE id > ?", (uploaded_through(local, server_uid),)
    ).fetchone()
    return int(row[0])


def push(
    local: Store,
    server: ServerStore,
    *,
    since: int | None = None,
    uploaded: Callable[[int], None] | None = None,
) -> PushResult:
    """Upload the rows of ``local`` that ``server`` lacks; ``uploaded(test_id)`` after each.

    Tests after ``since`` are offered (default: after the last one uploaded there);
    ``since=0`` offers every test, and the server skips those it has.
    """
    if server.site is None:
        raise StoreError(
            f"{server.location}: choose the site these clients belong to with $NKT_DYNO_SITE "
            f"(sites: {', '.join(server.sites()) or 'none yet'})"
        )
    copier = _Copier(local, server, store_uid(local))
    copier.shared()
    key = f"uploaded:{server.server_uid()}"
    mark = uploaded_through(local, server.server_uid()) if since is None else since
    new = already = 0
    fresh: set[int] = set()
    rows = local._conn.execute("SELECT id FROM tests WHERE id > ? ORDER BY id", (mark,))
    for test_id in [int(r[0]) for r in rows]:
        with server._write("uploading a test") as c:
            if copier.test(c, test_id):
                new += 1
                fresh.add(test_id)
            else:
                already += 1
        with local._write("noting the upload") as c:
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(test_id)),
            )
        if uploaded is not None:
            uploaded(test_id)
    copier.corrections(fresh)
    return PushResult(new, already)


class _Copier:
    """Copies rows of one file to one server, remembering the server ids it mapped to."""

    def __init__(self, local: Store, server: ServerStore, store: str) -> None:
        self.local = local
        self.server = server
        self.store = store
        self.ids: dict[tuple[str, int], int] = {}
        self.mapped = _mapped_uids(local)
        self.columns: dict[str, list[str]] = {}

    def shared(self) -> None:
        """The rows tests hang on: devices, calibrations, added muscles; clients, sessions."""
        with self.server._write("uploading devices and muscles") as c:
            for table in ("devices", "calibrations", "muscles"):
                for row in self._local_rows(f"SELECT * FROM {table}"):
                    self._insert(c, table, row, conflict="")
        with self.server._write("uploading clients and sessions") as c:
            for table in ("clients", "sessions", "protocol_groups", "body_masses"):
                for row in self._local_rows(f"SELECT * FROM {table} ORDER BY id"):
                    if (table, row["id"]) not in self.ids:
                        self._ensure(c, table, row)

    def corrections(self, fresh: set[int]) -> None:
        """Carry corrections made in the file to tests uploaded by an earlier push.

        ``fresh`` tests went over in this push, corrections and all. The last
        correction wins: one made in the file applies on the server unless the
        server corrected that test later, in which case the file's is kept in the
        change record as a ``conflict``. Either way the audit tells. A test not on
        the server (never uploaded) takes its corrections along when it goes.
        """
        key = f"uploaded_audit:{self.server.server_uid()}"
        row = self.local._conn.execute("SELECT value FROM settings WHERE key = ?", (key,))
        found = row.fetchone()
        done = int(found[0]) if found else 0
        entries = self._local_rows("SELECT * FROM audit WHERE id > ? ORDER BY id", done)
        for entry in entries:
            if entry["test_id"] not in fresh:
                with self.server._write("uploading a correction") as c:
                    self._correct(c, entry)
            with self.local._write("noting the upload") as c:
                c.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, str(entry["id"])),
                )

    def _correct(self, c: Connection, entry: dict[str, Any]) -> None:
        uid = self.mapped.get(("tests", entry["test_id"])) or row_uid(
            self.store, "tests", entry["test_id"]
        )
        found = c.execute(
            "SELECT t.id, s.client_id FROM tests t JOIN sessions s ON s.id = t.session_id "
            "WHERE t.uid = ?",
            (uid,),
        ).fetchone()
        if found is None:
            return
        test_id, client_id = int(found[0]), int(found[1])
        after = json.loads(entry["after"])
        if entry["action"] == "move":
            after["session_id"] = self._server_id(c, "sessions", int(after["session_id"]))
            after["group_id"] = None
        elif entry["action"] == "delete":
            after = {"deleted": entry["at"]}
        elif entry["action"] == "restore":
            after = {"deleted": None}
        names = [n for n in after if n in self._server_columns(c, "tests")]
        current = c.execute(
            f"SELECT {', '.join(names)} FROM tests WHERE id = ?", (test_id,)
        ).fetchone()
        server_side = dict(zip(names, current, strict=True))
        later = c.execute(
            "SELECT 1 FROM audit WHERE test_id = ? AND at > ?", (test_id, entry["at"])
        ).fetchone()
        if later is not None:
            c.execute(
                "SELECT nkt_keep_conflict('tests', ?, ?, ?, ?)",
                (test_id, client_id, json.dumps(server_side), json.dumps(after)),
            )
            return
        for name in names:
            c.execute(f"UPDATE tests SET {name} = ? WHERE id = ?", (after[name], test_id))
        # An edit or move is audited with the server's values and ids; a delete or a
        # restore keeps the file's words (its reason).
        told = entry["action"] in ("delete", "restore")
        c.execute(
            "INSERT INTO audit (at, who, test_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?)",
            (
                entry["at"],
                entry["who"],
                test_id,
                entry["action"],
                entry["before"] if told else json.dumps(server_side),
                entry["after"] if told else json.dumps(after),
            ),
        )

    def test(self, c: Connection, test_id: int) -> bool:
        """Copy one test with what it hangs on; False when the server had it already."""
        (row,) = self._local_rows("SELECT * FROM tests WHERE id = ?", test_id)
        new_id = self._ensure(c, "tests", row)
        if new_id is None:
            return False
        for table in _PER_TEST:
            for child in self._local_rows(f"SELECT * FROM {table} WHERE test_id = ?", test_id):
                child["test_id"] = new_id
                child.pop("id", None)
                self._insert(c, table, child, conflict="")
        return True

    def _ensure(self, c: Connection, table: str, row: dict[str, Any]) -> int | None:
        """The server id of a local row, inserting it (and its parents) when missing.

        For a test, None means it was there already (its children were copied then).
        """
        local_id = int(row.pop("id"))
        for column, parent in _PARENTS[table].items():
            if row.get(column) is not None:
                row[column] = self._server_id(c, parent, int(row[column]))
        row["uid"] = self.mapped.get((table, local_id)) or row_uid(self.store, table, local_id)
        new = self._insert(c, table, row, conflict="(uid)")
        if new is not None:
            self.ids[(table, local_id)] = new
            return new
        if table == "tests":
            return None
        found = c.execute(f"SELECT id FROM {table} WHERE uid = ?", (row["uid"],)).fetchone()
        if found is None:
            raise StoreError(
                f"{self.server.location}: a {table[:-1]} uploaded before from this store is "
                "out of this role's sites; upload with a role granted its site"
            )
        self.ids[(table, local_id)] = int(found[0])
        if table == "clients":
            self._keep_conflict(c, int(found[0]), row)
        return int(found[0])

    def _keep_conflict(self, c: Connection, server_id: int, row: dict[str, Any]) -> None:
        """The server's client details win; the file's differing ones go to the change record."""
        names = ("name", "birth_year", "notes", "sex")
        there = c.execute(
            "SELECT name, birth_year, notes, sex FROM clients WHERE id = ?", (server_id,)
        ).fetchone()
        mine = tuple(row.get(n) for n in names)
        if tuple(there) != mine:
            c.execute(
                "SELECT nkt_keep_conflict('clients', ?, ?, ?, ?)",
                (
                    server_id,
                    server_id,
                    json.dumps(dict(zip(names, there, strict=True))),
                    json.dumps(dict(zip(names, mine, strict=True))),
                ),
            )

    def _server_id(self, c: Connection, table: str, local_id: int) -> int:
        if (table, local_id) in self.ids:
            return self.ids[(table, local_id)]
        if table == "examiners":
            (name,) = self.local._conn.execute(
                "SELECT name FROM examiners WHERE id = ?", (local_id,)
            ).fetchone()
            c.execute("INSERT INTO examiners (name) VALUES (?) ON CONFLICT DO NOTHING", (name,))
            found = c.execute("SELECT id FROM examiners WHERE name = ?", (name,)).fetchone()
            self.ids[(table, local_id)] = int(found[0])
            return int(found[0])
        (row,) = self._local_rows(f"SELECT * FROM {table} WHERE id = ?", local_id)
        new = self._ensure(c, table, row)
        assert new is not None
        return new

    def _insert(
        self, c: Connection, table: str, row: dict[str, Any], *, conflict: str
    ) -> int | None:
        wanted = [k for k in row if k in self._server_columns(c, table)]
        names = ", ".join(wanted)
        marks = ", ".join("?" for _ in wanted)
        cur = c.execute(
            f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT {conflict} DO NOTHING",
            tuple(row[k] for k in wanted),
        )
        return cur.lastrowid

    def _server_columns(self, c: Connection, table: str) -> list[str]:
        if table not in self.columns:
            rows = c.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
            self.columns[table] = [r[0] for r in rows]
        return self.columns[table]

    def _local_rows(self, sql: str, *args: object) -> list[dict[str, Any]]:
        cur = self.local._sqlite.execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
