"""The server store's schema: SQLAlchemy Core tables, sites, roles and row-level security.

The tables carry the same names and columns as the SQLite store at its
current version (:data:`MIGRATIONS` says which server schema matches which),
so the store's queries run unchanged on both; a server adds

* ``uid`` on clients, sessions, protocol groups and tests: globally unique,
  so a workstation's upload that is interrupted and retried never adds a row
  twice (the server fills it for rows saved on the server itself);
* ``site`` on clients, and the ``sites`` and ``site_grants`` tables;
* ``changes``: an append-only record of every row saved, changed or deleted,
  by which database role and when, with the row before and after.

Roles: ``nkt_therapist`` may read and write the clients of the sites granted
to the connecting role (``site_grants``) and everything hanging off them;
``nkt_admin`` sees every site and grants sites. Row-level security enforces
this in the server, so it holds for hand-written SQL too.

Versions follow the SQLite store's rule: a released migration is never
edited; a change is a new one appended to :data:`MIGRATIONS`. Schema 1 is
created from SQLAlchemy Core tables; later ones change it with Alembic's
operations, run inside the same transaction as the version bump.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

LOCK_KEY = 1313559620
"""Advisory lock held by migrations and by every write transaction (b"NKTD")."""

_UID = text("gen_random_uuid()::text")


def _v1_tables(md: MetaData) -> None:
    """The tables of server schema 1: the SQLite store's version 5 plus sites and uids."""

    def ident() -> Column[int]:
        return Column("id", BigInteger, primary_key=True, autoincrement=True)

    def uid() -> Column[str]:
        return Column("uid", Text, nullable=False, unique=True, server_default=_UID)

    Table("nkt_meta", md, Column("key", Text, primary_key=True), Column("value", Text))
    Table("sites", md, Column("name", Text, primary_key=True))
    Table(
        "site_grants",
        md,
        Column("role_name", Text, primary_key=True),
        Column("site", Text, ForeignKey("sites.name"), primary_key=True),
    )
    Table(
        "clients",
        md,
        ident(),
        Column("name", Text, nullable=False),
        Column("birth_year", Integer),
        Column("notes", Text, nullable=False, server_default=""),
        Column("created", Text, nullable=False),
        uid(),
        Column(
            "site",
            Text,
            ForeignKey("sites.name"),
            nullable=False,
            server_default=text("current_setting('nkt.site', true)"),
        ),
    )
    Table("examiners", md, ident(), Column("name", Text, nullable=False, unique=True))
    Table(
        "devices",
        md,
        Column("id", Text, primary_key=True),
        Column("model", Text, nullable=False),
        Column("firmware", Text, nullable=False, server_default=""),
    )
    Table(
        "calibrations",
        md,
        Column("id", Text, primary_key=True),
        Column("device_id", Text, ForeignKey("devices.id"), nullable=False),
        Column("created", Text, nullable=False),
        Column("record", Text, nullable=False),
    )
    Table(
        "sessions",
        md,
        ident(),
        Column("client_id", BigInteger, ForeignKey("clients.id"), nullable=False, index=True),
        Column("examiner_id", BigInteger, ForeignKey("examiners.id")),
        Column("started", Text, nullable=False),
        Column("notes", Text, nullable=False, server_default=""),
        uid(),
    )
    side = "side IN ('L', 'R', 'both')"
    verdicts = "('hold', 'break', 'inconclusive')"
    Table(
        "protocol_groups",
        md,
        ident(),
        Column("session_id", BigInteger, ForeignKey("sessions.id"), nullable=False, index=True),
        Column("muscle", Text, nullable=False),
        Column("side", Text, CheckConstraint(side), nullable=False),
        Column("created", Text, nullable=False),
        Column("notes", Text, nullable=False, server_default=""),
        uid(),
    )
    Table(
        "tests",
        md,
        ident(),
        Column("session_id", BigInteger, ForeignKey("sessions.id"), nullable=False, index=True),
        Column("recorded", Text, nullable=False),
        Column("muscle", Text, nullable=False),
        Column("side", Text, CheckConstraint(side), nullable=False),
        Column(
            "condition",
            Text,
            CheckConstraint("condition IN ('baseline', 'challenge', 'retest')"),
            nullable=False,
        ),
        Column("challenge_target", Text),
        Column("position_notes", Text, nullable=False, server_default=""),
        Column("device_id", Text, ForeignKey("devices.id")),
        Column("calibration_id", Text, ForeignKey("calibrations.id")),
        Column("therapist_verdict", Text, CheckConstraint(f"therapist_verdict IN {verdicts}")),
        Column("notes", Text, nullable=False, server_default=""),
        Column("group_id", BigInteger, ForeignKey("protocol_groups.id"), index=True),
        Column(
            "test",
            Text,
            CheckConstraint("test IN ('break', 'make')"),
            nullable=False,
            server_default="break",
        ),
        Column("gaps", Text, nullable=False, server_default="[]"),
        Column("rate_hz", Float),
        Column("deleted", Text),
        uid(),
    )
    Table(
        "traces",
        md,
        Column("test_id", BigInteger, ForeignKey("tests.id"), primary_key=True),
        Column("codec", Text, nullable=False),
        Column("n", BigInteger, nullable=False),
        Column("t", LargeBinary, nullable=False),
        Column("force", LargeBinary, nullable=False),
        Column("gyro", LargeBinary),
        Column("metadata", Text, nullable=False),
    )
    Table(
        "analyses",
        md,
        ident(),
        Column("test_id", BigInteger, ForeignKey("tests.id"), nullable=False),
        Column("engine_version", Text, nullable=False),
        Column("created", Text, nullable=False),
        Column("verdict", Text, CheckConstraint(f"verdict IN {verdicts}"), nullable=False),
        Column("peak_n", Float),
        Column("break_ratio", Float),
        Column("efforts", Text, nullable=False),
        UniqueConstraint("test_id", "engine_version"),
    )
    muscles = Table(
        "muscles",
        md,
        Column("name", Text, primary_key=True),
        Column("region", Text, nullable=False),
        Column("position", Text, nullable=False, server_default=""),
        Column("aliases", Text, nullable=False, server_default="[]"),
    )
    Index("muscles_name_nocase", func.lower(muscles.c.name), unique=True)
    Table(
        "audit",
        md,
        ident(),
        Column("at", Text, nullable=False),
        Column("who", Text, nullable=False),
        Column("test_id", BigInteger, ForeignKey("tests.id"), nullable=False, index=True),
        Column(
            "action",
            Text,
            CheckConstraint("action IN ('edit', 'move', 'delete', 'restore')"),
            nullable=False,
        ),
        Column("before", Text, nullable=False),
        Column("after", Text, nullable=False),
    )
    Table("settings", md, Column("key", Text, primary_key=True), Column("value", Text))
    Table(
        "changes",
        md,
        ident(),
        Column("at", Text, nullable=False),
        Column("who", Text, nullable=False),
        Column("tbl", Text, nullable=False),
        Column("row_id", Text, nullable=False),
        Column("action", Text, nullable=False),
        Column("before", Text),
        Column("after", Text),
    )


_ROLES = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nkt_therapist') THEN
        CREATE ROLE nkt_therapist NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'nkt_admin') THEN
        CREATE ROLE nkt_admin NOLOGIN;
    END IF;
END $$
"""

_SHARED = ("examiners", "devices", "calibrations", "muscles", "settings", "sites")
_CLIENT_ROW = "client_id IN (SELECT id FROM clients)"
_TEST_ROW = "EXISTS (SELECT 1 FROM tests t WHERE t.id = test_id)"
_PER_CLIENT = {
    # table: the condition that ties a row to a client the role may see. Each names the
    # table above it, whose own policy then applies: a chain down from the role's sites.
    # The uncorrelated IN forms are computed once per query; the rows under a test are
    # few per query, and checked one by one.
    "clients": "site IN (SELECT unnest(nkt_my_sites()))",
    "sessions": _CLIENT_ROW,
    "protocol_groups": "session_id IN (SELECT id FROM sessions)",
    "tests": "session_id IN (SELECT id FROM sessions)",
    "traces": _TEST_ROW,
    "analyses": _TEST_ROW,
    "audit": _TEST_ROW,
}
_LOGGED = ("clients", "sessions", "protocol_groups", "tests", "analyses", "audit")


def _v1_access() -> list[str]:
    """Roles, grants, row-level security and the append-only change record."""
    sql = [
        _ROLES,
        "GRANT nkt_therapist TO nkt_admin",
        """
        CREATE FUNCTION nkt_site_allowed_for(site text, who name) RETURNS boolean
        LANGUAGE sql STABLE AS $$
            SELECT pg_has_role(who, 'nkt_admin', 'MEMBER')
                OR EXISTS (SELECT 1 FROM site_grants g WHERE g.role_name = who AND g.site = $1)
        $$
        """,
        """
        CREATE FUNCTION nkt_my_sites() RETURNS text[] LANGUAGE sql STABLE AS $$
            SELECT CASE WHEN pg_has_role(current_user, 'nkt_admin', 'MEMBER')
                THEN (SELECT array_agg(name) FROM sites)
                ELSE (SELECT array_agg(site) FROM site_grants WHERE role_name = current_user)
            END
        $$
        """,
        """
        CREATE FUNCTION nkt_site_allowed(site text) RETURNS boolean
        LANGUAGE sql STABLE AS $$ SELECT nkt_site_allowed_for(site, current_user) $$
        """,
        # The change record is written by a trigger running as the schema's owner, so a
        # therapist can add to it only by changing data, and can read or alter none of it.
        """
        CREATE FUNCTION nkt_log_change() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            INSERT INTO changes (at, who, tbl, row_id, action, before, after) VALUES (
                to_char(clock_timestamp() AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'),
                session_user, TG_TABLE_NAME,
                CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END::text,
                lower(TG_OP),
                CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD)::text END,
                CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW)::text END);
            RETURN NULL;
        END $$
        """,
        # A workstation's version that lost to the server's (see _workstation.py) is kept
        # here; the caller must be able to see the row, so a role keeps only its own sites'.
        """
        CREATE FUNCTION nkt_keep_conflict(
            tbl text, row_id bigint, client bigint, server text, file text
        ) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = client
                           AND nkt_site_allowed_for(c.site, session_user)) THEN
                RAISE EXCEPTION 'no such client for this role';
            END IF;
            INSERT INTO changes (at, who, tbl, row_id, action, before, after) VALUES (
                to_char(clock_timestamp() AT TIME ZONE 'UTC',
                        'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"'),
                session_user, tbl, row_id::text, 'conflict', server, file);
        END $$
        """,
        """
        CREATE FUNCTION nkt_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the change record is append-only';
        END $$
        """,
        "CREATE TRIGGER changes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON changes "
        "FOR EACH STATEMENT EXECUTE FUNCTION nkt_append_only()",
        "REVOKE ALL ON changes FROM PUBLIC",
        "GRANT SELECT ON changes TO nkt_admin",
        "REVOKE ALL ON FUNCTION nkt_keep_conflict FROM PUBLIC",
        "GRANT EXECUTE ON FUNCTION nkt_keep_conflict TO nkt_therapist",
        "GRANT USAGE ON SCHEMA public TO nkt_therapist",
        "GRANT SELECT ON nkt_meta, sites, site_grants TO nkt_therapist",
        "GRANT INSERT, UPDATE, DELETE ON sites, site_grants TO nkt_admin",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO nkt_therapist",
        "ALTER TABLE site_grants ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY own_grants ON site_grants USING "
        "(role_name = current_user OR pg_has_role(current_user, 'nkt_admin', 'MEMBER'))",
    ]
    for table in _SHARED[:-1]:
        sql.append(f"GRANT SELECT, INSERT, UPDATE ON {table} TO nkt_therapist")
    for table, condition in _PER_CLIENT.items():
        sql += _per_client_access(table, condition, logged=table in _LOGGED)
    # Re-analysis replaces a version's result (delete, then insert).
    sql.append("GRANT DELETE ON analyses TO nkt_therapist")
    return sql


def _per_client_access(table: str, condition: str, *, logged: bool = True) -> list[str]:
    """A table of client data: therapists' rights, its site policy, its change record."""
    sql = [
        f"GRANT SELECT, INSERT, UPDATE ON {table} TO nkt_therapist",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO nkt_therapist",
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY by_site ON {table} USING ({condition}) WITH CHECK ({condition})",
    ]
    if logged:
        sql.append(
            f"CREATE TRIGGER {table}_changes AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION nkt_log_change()"
        )
    return sql


def _migration_1(conn: Connection) -> None:
    md = MetaData()
    _v1_tables(md)
    md.create_all(conn)
    for statement in _v1_access():
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(
        "INSERT INTO settings (key, value) VALUES ('pseudonym_key', %(key)s), "
        "('server_uid', gen_random_uuid()::text)",
        {"key": secrets.token_hex(32)},
    )


def _migration_2(conn: Connection) -> None:
    """The SQLite store's version 6: each test's context, and the clients' weighings."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    op = Operations(MigrationContext.configure(conn))
    for column in (
        Column("fixation", Text, CheckConstraint("fixation IN ('handheld', 'belt', 'frame')")),
        Column("joint_angle_deg", Float),
        Column("lever_arm_m", Float, CheckConstraint("lever_arm_m > 0")),
        Column("pain", Integer, CheckConstraint("pain BETWEEN 0 AND 10")),
        Column("mmt_grade", Text),
    ):
        op.add_column("tests", column)
    op.create_table(
        "body_masses",
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("client_id", BigInteger, ForeignKey("clients.id"), nullable=False),
        Column("measured", Text, nullable=False),
        Column("kg", Float, CheckConstraint("kg > 0"), nullable=False),
        Column("created", Text, nullable=False),
        Column("uid", Text, nullable=False, unique=True, server_default=_UID),
    )
    op.create_index("body_masses_client", "body_masses", ["client_id", "measured"])
    for statement in _per_client_access("body_masses", _CLIENT_ROW):
        conn.exec_driver_sql(statement)


def _migration_3(conn: Connection) -> None:
    """The SQLite store's version 7: each client's sex, each test's patient position."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    op = Operations(MigrationContext.configure(conn))
    op.add_column("clients", Column("sex", Text, CheckConstraint("sex IN ('female', 'male')")))
    positions = "('supine', 'prone', 'side-lying', 'seated', 'standing')"
    op.add_column(
        "tests",
        Column("patient_position", Text, CheckConstraint(f"patient_position IN {positions}")),
    )


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_migration_1, _migration_2, _migration_3)
"""Server schema 1: the SQLite store's version 5 with sites, uids, roles and the change record.
Server schema 2: the SQLite store's version 6 (test context, body masses).
Server schema 3: the SQLite store's version 7 (client sex, test patient position)."""

SERVER_SCHEMA_VERSION = len(MIGRATIONS)


def version(conn: Connection) -> int:
    """The server schema version found (0: no nkt-dyno schema in this database yet)."""
    found = conn.exec_driver_sql("SELECT to_regclass('public.nkt_meta') IS NOT NULL").scalar()
    if not found:
        return 0
    value = conn.exec_driver_sql("SELECT value FROM nkt_meta WHERE key = 'schema_version'").scalar()
    return int(value or 0)


def migrate(conn: Connection, *, target: int = SERVER_SCHEMA_VERSION) -> int:
    """Bring the server schema to ``target`` in one transaction; return the version found.

    ``conn`` is inside a transaction; the advisory lock makes workstations that
    connect at once wait for the first one's migration instead of racing it.
    """
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_KEY})")
    found = version(conn)
    for number in range(found + 1, target + 1):
        MIGRATIONS[number - 1](conn)
        conn.exec_driver_sql(
            "INSERT INTO nkt_meta (key, value) VALUES ('schema_version', %(v)s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            {"v": str(number)},
        )
    return found
