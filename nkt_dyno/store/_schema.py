"""Schema versions and forward migrations.

The version is ``PRAGMA user_version``. Migration ``k`` (1-based) takes a file
from version ``k - 1`` to ``k``; each runs in its own transaction together with
the version bump, so a crash leaves the file at one version or the next. A file
newer than :data:`SCHEMA_VERSION` is refused: this program does not know what
the newer columns mean and must not write around them. Migrations already
released are never edited; a change is a new migration appended to the list.
"""

from __future__ import annotations

import sqlite3

from nkt_dyno.store._errors import SchemaTooNewError

_V1 = """
CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    birth_year INTEGER,
    notes TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);
CREATE TABLE examiners (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    firmware TEXT NOT NULL DEFAULT ''
);
CREATE TABLE calibrations (
    id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL REFERENCES devices(id),
    created TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    examiner_id INTEGER REFERENCES examiners(id),
    started TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_client ON sessions(client_id);
CREATE TABLE tests (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    recorded TEXT NOT NULL,
    muscle TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('L', 'R', 'both')),
    condition TEXT NOT NULL
        CHECK (condition IN ('baseline', 'challenge', 'post-treatment', 'retest')),
    challenge_target TEXT,
    position_notes TEXT NOT NULL DEFAULT '',
    device_id TEXT REFERENCES devices(id),
    calibration_id TEXT REFERENCES calibrations(id),
    therapist_verdict TEXT CHECK (therapist_verdict IN ('hold', 'break', 'inconclusive')),
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tests_session ON tests(session_id);
CREATE TABLE traces (
    test_id INTEGER PRIMARY KEY REFERENCES tests(id),
    codec TEXT NOT NULL,
    n INTEGER NOT NULL,
    t BLOB NOT NULL,
    force BLOB NOT NULL,
    gyro BLOB,
    metadata TEXT NOT NULL
);
CREATE TABLE analyses (
    id INTEGER PRIMARY KEY,
    test_id INTEGER NOT NULL REFERENCES tests(id),
    engine_version TEXT NOT NULL,
    created TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('hold', 'break', 'inconclusive')),
    peak_n REAL,
    break_ratio REAL,
    efforts TEXT NOT NULL,
    UNIQUE (test_id, engine_version)
);
"""

_V2 = """
CREATE TABLE muscles (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    region TEXT NOT NULL,
    position TEXT NOT NULL DEFAULT '',
    aliases TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX tests_muscle ON tests(muscle COLLATE NOCASE);
"""

_V3 = """
CREATE TABLE protocol_groups (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    muscle TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('L', 'R', 'both')),
    created TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX protocol_groups_session ON protocol_groups(session_id);
ALTER TABLE tests ADD COLUMN group_id INTEGER REFERENCES protocol_groups(id);
CREATE INDEX tests_group ON tests(group_id);
"""

_V4 = """
ALTER TABLE tests ADD COLUMN test TEXT NOT NULL DEFAULT 'break' CHECK (test IN ('break', 'make'));
ALTER TABLE tests ADD COLUMN gaps TEXT NOT NULL DEFAULT '[]';
ALTER TABLE tests ADD COLUMN rate_hz REAL;
ALTER TABLE tests ADD COLUMN deleted TEXT;
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    test_id INTEGER NOT NULL REFERENCES tests(id),
    action TEXT NOT NULL CHECK (action IN ('edit', 'move', 'delete', 'restore')),
    before TEXT NOT NULL,
    after TEXT NOT NULL
);
CREATE INDEX audit_test ON audit(test_id);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO settings (key, value) VALUES ('pseudonym_key', lower(hex(randomblob(32))));
PRAGMA application_id = 1313559620;
"""

APPLICATION_ID = 1313559620
"""``PRAGMA application_id`` of our stores (b"NKTD"): a SQLite file without it is someone
else's (stores from before version 4 are recognised by their tables and then marked)."""
OUR_TABLES = frozenset({"clients", "examiners", "devices", "sessions", "tests", "traces"})

_V5 = """
UPDATE tests SET condition = 'retest' WHERE condition = 'post-treatment';
"""

_V6 = """
ALTER TABLE tests ADD COLUMN fixation TEXT CHECK (fixation IN ('handheld', 'belt', 'frame'));
ALTER TABLE tests ADD COLUMN joint_angle_deg REAL;
ALTER TABLE tests ADD COLUMN lever_arm_m REAL CHECK (lever_arm_m > 0);
ALTER TABLE tests ADD COLUMN pain INTEGER CHECK (pain BETWEEN 0 AND 10);
ALTER TABLE tests ADD COLUMN mmt_grade TEXT;
CREATE TABLE body_masses (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    measured TEXT NOT NULL,
    kg REAL NOT NULL CHECK (kg > 0),
    created TEXT NOT NULL
);
CREATE INDEX body_masses_client ON body_masses(client_id, measured)
"""

_V7 = """
ALTER TABLE clients ADD COLUMN sex TEXT CHECK (sex IN ('female', 'male'));
ALTER TABLE tests ADD COLUMN patient_position TEXT
    CHECK (patient_position IN ('supine', 'prone', 'side-lying', 'seated', 'standing'))
"""

MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)
"""Version 1: the entities and traces. Version 2: user muscles, muscle index.
Version 3: protocol groups (baseline → challenge → retest of one muscle and side).
Version 4: each test's kind (break or make), its gaps and its measured sample rate; the
application id; settings, with the store's own key for pseudonymised exports; corrections:
tests deleted recoverably, and an audit of who changed which test how and when.
Version 5: "post-treatment" tests become "retest", the one word every screen uses.
Version 6: each test's context (fixation, joint angle, lever arm, pain, MMT grade), and each
client's body mass measurements with the day they were measured.
Version 7: each client's sex (female or male, optional) and each test's patient position
(supine, prone, side-lying, seated, standing): what a published reference value must match."""

SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION, where: str = "") -> int:
    """Bring the schema up to ``target``; return the version found before.

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    found = user_version(conn)
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"{where or 'the store'} has schema version {found}, but this nkt-dyno "
            f"understands up to version {SCHEMA_VERSION}: upgrade nkt-dyno to open it "
            "(the file was left untouched)"
        )
    for version in range(found + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            if user_version(conn) < version:
                for statement in _statements(MIGRATIONS[version - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return found


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT first; run statements one by one inside our transaction.
    return [s.strip() for s in script.split(";") if s.strip()]
