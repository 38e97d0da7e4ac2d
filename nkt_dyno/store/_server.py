"""The clinic's shared store on a PostgreSQL server, behind the same API as the file.

:class:`ServerStore` is a :class:`~nkt_dyno.store.Store` whose connection is
a PostgreSQL one: the store's queries are written in the SQL both databases
speak, so this module only adapts the driver (placeholders, ``RETURNING id``
for new rows), opens the connection, migrates the server schema
(:mod:`._server_schema`) and turns driver errors into store errors.

Every write transaction takes one advisory lock first, as SQLite's
``BEGIN IMMEDIATE`` takes the file's write lock: writes from several
workstations queue, so "one visit, one session" holds across them.

The connection string comes from ``--db`` or ``$NKT_DYNO_DB``
(``postgresql://role@host/db``, or ``postgresql:///?service=clinic`` for an
entry of the user's ``pg_service.conf``); a password belongs in ``~/.pgpass``
or the service file, and is never shown: :func:`display_url` drops it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any, Self

import psycopg
import psycopg.errors
from psycopg.conninfo import conninfo_to_dict

from nkt_dyno.store._errors import ServerUnreachableError, StoreError, StoreWriteError
from nkt_dyno.store._models import Client
from nkt_dyno.store._server_schema import LOCK_KEY, SERVER_SCHEMA_VERSION, migrate
from nkt_dyno.store._store import Store

SITE_VAR = "NKT_DYNO_SITE"
"""The site new clients belong to, when the role is granted more than one."""

# The tables whose new rows get an integer id, which the store reads back as lastrowid.
_NEW_ROW = re.compile(
    r"^\s*INSERT INTO (clients|examiners|sessions|tests|protocol_groups|analyses|audit"
    r"|body_masses)\b",
    re.IGNORECASE,
)


def display_url(url: str) -> str:
    """The connection string as shown to people and written in files: without a password.

    It still connects (libpq then takes the password from ``~/.pgpass`` or the service file).
    """
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unreadable connection string)"
    parts.pop("password", None)
    user = f"{parts.pop('user')}@" if parts.get("user") else ""
    host = str(parts.pop("host", ""))
    if host.startswith("/"):
        parts = {"host": host, **parts}
        host = ""
    elif parts.get("port"):
        host = f"{host}:{parts.pop('port')}"
    dbname = parts.pop("dbname", "")
    query = "&".join(f"{k}={v}" for k, v in parts.items())
    return f"postgresql://{user}{host}/{dbname}" + (f"?{query}" if query else "")


class _Cursor:
    """The part of a sqlite3 cursor the store uses: rows and the new row's id."""

    def __init__(self, rows: list[tuple[Any, ...]], lastrowid: int | None) -> None:
        self._rows = rows
        self.lastrowid = lastrowid

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return list(self._rows)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)


class _Connection:
    """A psycopg connection answering the store's ``execute(sql, params)`` calls."""

    def __init__(self, pg: psycopg.Connection[tuple[Any, ...]], where: str) -> None:
        self.pg = pg
        self.where = where
        self.doing = "reading the store"

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> _Cursor:
        """Run one of the store's statements (``?`` placeholders, none inside literals)."""
        query = sql.replace("%", "%%").replace("?", "%s")
        returning = _NEW_ROW.match(sql) is not None
        if returning:
            query += " RETURNING id"
        try:
            cur = self.pg.execute(query, tuple(parameters))
            rows = cur.fetchall() if cur.description else []
        except psycopg.Error as exc:
            raise server_error(self.where, exc, self.doing) from exc
        return _Cursor(rows, int(rows[0][0]) if returning and rows else None)

    def close(self) -> None:
        self.pg.close()


def server_error(where: str, exc: psycopg.Error, doing: str) -> StoreError:
    """One sentence for a failed server operation, by who is at fault."""
    reason = (exc.diag.message_primary if exc.diag else None) or str(exc).strip()
    lost = isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))
    if lost or (exc.sqlstate or "").startswith(("08", "57P")):  # connection, shutdown
        return ServerUnreachableError(
            f"{where}: {doing} failed: the server cannot be reached ({reason}); "
            "nothing was written there"
        )
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return StoreWriteError(
            f"{where}: {doing} failed: your database role may not do this ({reason}); "
            "nothing was written"
        )
    return StoreError(f"{where}: {doing} failed: {reason}")


class ServerStore(Store):
    """A handle on the clinic's store on a PostgreSQL server, for one site."""

    _conn: _Connection

    def __init__(self, conn: _Connection, url: str, site: str | None) -> None:
        self._conn = conn
        self.url = url
        self.site = site

    @classmethod
    def connect(cls, url: str, *, timeout_s: float = 10.0, site: str | None = None) -> Self:
        """Connect, bring the server schema up to date, and choose the site.

        ``site`` defaults to ``$NKT_DYNO_SITE``, else the role's only granted
        site. Raises :class:`ServerUnreachableError` when the server does not
        answer, :class:`StoreError` for anything else that stops the store.
        """
        where = display_url(url)
        try:
            pg = psycopg.connect(
                url,
                autocommit=True,
                connect_timeout=max(1, round(timeout_s)),
                application_name="nkt-dyno",
            )
        except psycopg.Error as exc:
            raise server_error(where, exc, "connecting") from exc
        conn = _Connection(pg, where)
        try:
            # Compiling these short queries costs far more than it saves (0.8 s for one
            # client's history under row-level security, which runs in 8 ms without).
            conn.execute("SET jit = off")
            _migrate(url, pg, where)
            chosen = site or os.environ.get(SITE_VAR, "").strip() or None
            store = cls(conn, url, _choose_site(conn, chosen))
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self._conn.close()

    @property
    def reference(self) -> str:
        return display_url(self.url)

    @property
    def location(self) -> str:
        return f"{self.reference} (site {self.site})" if self.site else self.reference

    @property
    def schema_version(self) -> int:
        row = self._conn.execute(
            "SELECT value FROM nkt_meta WHERE key = 'schema_version'"
        ).fetchone()
        return int(row[0])

    def integrity_check(self) -> str:
        """The server keeps its own consistency; this checks every trace's row is there."""
        row = self._conn.execute(
            "SELECT count(*) FROM tests t WHERE NOT EXISTS "
            "(SELECT 1 FROM traces WHERE test_id = t.id)"
        ).fetchone()
        return "ok" if row[0] == 0 else f"{row[0]} tests have no trace"

    def server_uid(self) -> str:
        """This server store's own id, so a workstation can remember what it uploaded here."""
        return str(
            self._conn.execute("SELECT value FROM settings WHERE key = 'server_uid'").fetchone()[0]
        )

    def sites(self) -> list[str]:
        """The sites this role may work for (an administrator: all of them)."""
        rows = self._conn.execute(
            "SELECT name FROM sites WHERE nkt_site_allowed(name) ORDER BY name"
        )
        return [r[0] for r in rows]

    def add_site(self, name: str) -> None:
        """Declare a site (clinic); administrators only."""
        with self._write("adding the site") as c:
            c.execute("INSERT INTO sites (name) VALUES (?) ON CONFLICT DO NOTHING", (name,))

    def grant_site(self, role: str, site: str) -> None:
        """Let a database role work with the clients of a site; administrators only."""
        with self._write("granting the site") as c:
            if c.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (role,)).fetchone() is None:
                raise StoreError(
                    f"no database role {role!r}: create it first, e.g. "
                    f"CREATE ROLE {role} LOGIN IN ROLE nkt_therapist"
                )
            if c.execute("SELECT 1 FROM sites WHERE name = ?", (site,)).fetchone() is None:
                raise StoreError(f"no site {site!r}: declare it with `nkt-dyno store site {site}`")
            c.execute(
                "INSERT INTO site_grants (role_name, site) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (role, site),
            )

    def add_client(
        self,
        name: str,
        *,
        birth_year: int | None = None,
        notes: str = "",
        sex: str | None = None,
    ) -> Client:
        """Add a client to this store's site (see :meth:`use_site`)."""
        if self.site is None:
            granted = ", ".join(self.sites()) or "none yet: an administrator adds them"
            raise StoreError(
                f"{self._conn.where}: choose the site new clients belong to with "
                f"${SITE_VAR} (sites: {granted})"
            )
        return super().add_client(name, birth_year=birth_year, notes=notes, sex=sex)

    def use_site(self, site: str) -> None:
        """New clients from now on belong to ``site`` (one this role may work for)."""
        self.site = _choose_site(self._conn, site)

    @contextlib.contextmanager
    def _write(self, doing: str) -> Iterator[_Connection]:
        """One write transaction, queued behind other workstations' by the advisory lock."""
        pg = self._conn.pg
        self._conn.doing = doing
        try:
            with pg.transaction():
                pg.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                yield self._conn
        except psycopg.Error as exc:
            raise server_error(self._conn.where, exc, doing) from exc
        finally:
            self._conn.doing = "reading the store"


def _migrate(url: str, pg: psycopg.Connection[tuple[Any, ...]], where: str) -> None:
    """Create or update the server schema when it is behind (its owner's first connection)."""
    try:
        version = 0
        if pg.execute("SELECT to_regclass('public.nkt_meta') IS NOT NULL").fetchone() == (True,):
            row = pg.execute("SELECT value FROM nkt_meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
    except psycopg.Error as exc:
        raise server_error(where, exc, "reading the server schema version") from exc
    if version > SERVER_SCHEMA_VERSION:
        raise StoreError(
            f"{where} has server schema {version}, but this nkt-dyno understands up to "
            f"{SERVER_SCHEMA_VERSION}: upgrade nkt-dyno to use it (nothing was changed)"
        )
    if version == SERVER_SCHEMA_VERSION:
        return
    import sqlalchemy

    engine = sqlalchemy.create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(url, application_name="nkt-dyno migration"),
        poolclass=sqlalchemy.pool.NullPool,
    )
    try:
        with engine.begin() as conn:
            migrate(conn)
    except sqlalchemy.exc.DBAPIError as exc:
        if isinstance(exc.orig, psycopg.errors.InsufficientPrivilege):
            raise StoreError(
                f"{where} has server schema {version} and this nkt-dyno needs "
                f"{SERVER_SCHEMA_VERSION}: the database's owner must connect once with it to "
                "update the schema (nothing was changed)"
            ) from exc
        if isinstance(exc.orig, psycopg.Error):
            raise server_error(where, exc.orig, "setting up the server schema") from exc
        raise StoreError(f"{where}: setting up the server schema failed: {exc}") from exc
    finally:
        engine.dispose()


def _choose_site(conn: _Connection, wanted: str | None) -> str | None:
    """The site to save new clients under; None while the role has none (reading only)."""
    allowed = [r[0] for r in conn.execute("SELECT name FROM sites WHERE nkt_site_allowed(name)")]
    if wanted is None:
        site = allowed[0] if len(allowed) == 1 else None
    elif wanted in allowed:
        site = wanted
    else:
        granted = ", ".join(sorted(allowed)) or "none"
        raise StoreError(
            f"{conn.where}: this role may not work for site {wanted!r} (granted: {granted}); "
            f"choose one with ${SITE_VAR}"
        )
    conn.execute("SELECT set_config('nkt.site', ?, false)", (site or "",))
    return site
