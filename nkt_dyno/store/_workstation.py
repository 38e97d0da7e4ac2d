"""A workstation of a clinic's server: its own file keeps the work while the server is away.

:func:`open_workstation` opens the server store. When the server answers,
tests waiting in the workstation's file are uploaded first (:mod:`._push`),
and the clients of this role's sites are copied into the file, under the
server's ids where the file has them free, so that a client can still be
found while the server is away. The history of each client opened is copied
too, into a read-only copy beside the file, refreshed on every connection
(:mod:`._mirror`). When the server does not answer, the file is opened
instead: saves go there, the history shown is the copy's (as of its last
refresh) plus the file's own tests, and the caller tells the user.

Which edit wins: on the server, writes about one client queue behind its
row's lock (:mod:`._server`) and the last saved edit wins, with every
earlier value kept in the audit (corrections of tests) and in the server's
append-only change record (every row). A test saved in the file while the
server was away is uploaded as it is; a correction made in the file to a
test uploaded before follows it, unless the server corrected that test
later; a client that already exists on the server keeps the server's
details. What loses is written to the server's change
record as a ``conflict`` entry instead of being lost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nkt_dyno.store._errors import ServerUnreachableError, StoreError
from nkt_dyno.store._paths import default_path

if TYPE_CHECKING:
    from nkt_dyno.store._mirror import OfflineStore
    from nkt_dyno.store._server import ServerStore
    from nkt_dyno.store._store import Store

LAST_SERVER = "last_server"
"""The file's setting naming the server it last reached, to count pending tests offline."""
SINCE = "workstation_since"
"""The file's setting: its last test before it served a server (older ones are not pending)."""
REFRESH_S = 60.0
"""On connecting, the copy of the server's history is refreshed when older than this
(or when tests were just uploaded): a run of commands copies every client once."""


@dataclass(frozen=True, slots=True)
class Workstation:
    """The store to use, and what to tell the user about how it was opened."""

    store: Store
    online: bool
    notice: str


def open_workstation(url: str, *, timeout_s: float = 10.0, create: bool = True) -> Workstation:
    """The server store (after uploading pending work), else this workstation's file.

    ``create=False`` (a command that only reads) never makes the file.
    """
    from nkt_dyno.store._store import require_server_packages

    require_server_packages()
    from nkt_dyno.store._mirror import refresh
    from nkt_dyno.store._push import pending, push
    from nkt_dyno.store._server import ServerStore
    from nkt_dyno.store._store import Store

    path = default_path()
    try:
        server = Store.open(url, timeout_s=timeout_s)
    except ServerUnreachableError:
        offline = _open_file(path, create=create)
        if create:
            _begin(offline)
        return Workstation(offline, False, _offline_notice(url, offline))
    assert isinstance(server, ServerStore)
    notice = ""
    if (create or path.exists()) and server.site is not None:
        try:
            with Store.open(path) as local:
                _begin(local)
                _remember_server(local, server.server_uid())
                uploaded = 0
                if pending(local, server.server_uid()):
                    uploaded = push(local, server).uploaded
                    if uploaded:
                        notice = f"{uploaded} tests saved while the server was away uploaded"
                mirror_clients(local, server)
            with contextlib.suppress(*_copy_errors()):
                refresh(path, server, older_than_s=0.0 if uploaded else REFRESH_S)
            server.on_open = _follower(path, server)
        except BaseException:
            server.close()
            raise
    return Workstation(server, True, notice)


def _open_file(path: Path, *, create: bool = True) -> OfflineStore:
    """The workstation's file, showing the copy of the server's history beside it."""
    from nkt_dyno.store._mirror import OfflineStore

    local = OfflineStore.open(path, create=create)
    local.attach_copy()
    return local


def _copy_errors() -> tuple[type[Exception], ...]:
    """What stops a copy of the history: it then stays as it was, and says how old it is."""
    import sqlite3

    import psycopg

    return (psycopg.Error, sqlite3.Error, StoreError)


def _follower(path: Path, server: ServerStore) -> Callable[[int], None]:
    """What copies a client's history when it is opened; a failure leaves the old copy."""
    from nkt_dyno.store._mirror import follow

    def opened(client_id: int) -> None:
        with contextlib.suppress(*_copy_errors()):
            follow(path, server, [client_id])

    return opened


def open_offline(url: str) -> Workstation:
    """This workstation's file, for when the server went away during a session."""
    local = _open_file(default_path())
    return Workstation(local, False, _offline_notice(url, local))


def offline_line(local: Store) -> str:
    """The status line while working in the file: it counts the tests waiting now."""
    return (
        f"store: this workstation's file {local.location} · server not reachable · "
        f"{_waiting_words(_pending_offline(local))}{_as_of(local)}"
    )


def _as_of(local: Store) -> str:
    from nkt_dyno.store._mirror import OfflineStore

    return f" · {local.as_of()}" if isinstance(local, OfflineStore) else ""


def _offline_notice(url: str, local: Store) -> str:
    from nkt_dyno.store._server import display_url

    return (
        f"the server {display_url(url)} cannot be reached: this workstation saves to "
        f"{local.location} until it answers ({_waiting_words(_pending_offline(local))}"
        f"{_as_of(local).replace(' · ', '; ')})"
    )


def copy_new_clients(opened: Workstation) -> None:
    """After a command on the server: copy clients it added to the file, for offline use."""
    from nkt_dyno.store._store import Store

    path = default_path()
    if opened.online and path.exists() and getattr(opened.store, "site", None) is not None:
        with Store.open(path) as local:
            mirror_clients(local, opened.store)


def status_line(opened: Workstation) -> str:
    """One line for a status bar: which store is in use, the server's state, what waits."""
    if opened.online:
        line = f"store: server {opened.store.location} · connected"
        return f"{line} · {opened.notice}" if opened.notice else line
    return offline_line(opened.store)


def _waiting_words(waiting: int) -> str:
    if waiting < 0:
        return "its tests wait for upload"
    return f"{waiting} tests wait for upload"


def _pending_offline(local: Store) -> int:
    """Tests waiting for the server last reached; -1 when the file never reached one."""
    from nkt_dyno.store._push import pending

    row = local._conn.execute("SELECT value FROM settings WHERE key = ?", (LAST_SERVER,)).fetchone()
    if row is not None:
        return pending(local, str(row[0]))
    count = local._conn.execute("SELECT count(*) FROM tests WHERE id > ?", (_since(local),))
    return int(count.fetchone()[0])


def _since(local: Store) -> int:
    row = local._conn.execute("SELECT value FROM settings WHERE key = ?", (SINCE,)).fetchone()
    return int(row[0]) if row else 0


def _begin(local: Store) -> None:
    """Note the file's last test before it first served as this workstation's file.

    Tests up to it are the user's own store from before: they wait for an explicit
    ``nkt-dyno store push``, never for an automatic upload.
    """
    with local._write("noting the workstation") as c:
        if c.execute("SELECT 1 FROM settings WHERE key = ?", (SINCE,)).fetchone() is None:
            last = c.execute("SELECT coalesce(max(id), 0) FROM tests").fetchone()[0]
            c.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (SINCE, str(last)))


def _remember_server(local: Store, server_uid: str) -> None:
    with local._write("noting the server") as c:
        c.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
            (f"uploaded:{server_uid}", str(_since(local))),
        )
        c.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (LAST_SERVER, server_uid),
        )


def mirror_clients(local: Store, server: Store) -> int:
    """Copy the server's clients the file lacks into it; return how many were copied.

    A copied client keeps the server's id when the file has it free, and the
    file notes its server uid, so tests saved for it offline join it on upload.
    """
    from nkt_dyno.store._push import known_uids

    known = known_uids(local)
    rows = server._conn.execute(
        "SELECT id, uid, name, birth_year, notes, created, sex FROM clients"
    )
    copied = 0
    with local._write("copying the clients") as c:
        for sid, uid, name, birth_year, notes, created, sex in rows:
            if uid in known:
                continue
            taken = c.execute("SELECT 1 FROM clients WHERE id = ?", (sid,)).fetchone()
            cur = c.execute(
                "INSERT INTO clients (id, name, birth_year, notes, created, sex) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (None if taken else sid, name, birth_year, notes, created, sex),
            )
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)",
                (f"uid:clients:{cur.lastrowid}", uid),
            )
            copied += 1
    return copied
