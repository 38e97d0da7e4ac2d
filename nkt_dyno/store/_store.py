"""The SQLite store: one private file, WAL, one transaction per saved test.

Why these choices:

* WAL lets a reader (the GUI's history view) run while another process (the
  CLI) writes; writers take the lock up front (``BEGIN IMMEDIATE``) and wait
  up to ``timeout_s`` for it, so two writers queue instead of failing.
* ``synchronous=FULL``: a test reported saved survives a power cut, not only
  a crash; a commit costs one fsync, well inside the save budget.
* A test, its trace and its analysis are written in one transaction, so a
  kill, a full disk or a read-only file leaves either the whole test or none.
* Traces live in their own table so history queries never touch sample blobs.
* The queries keep to the SQL that SQLite and PostgreSQL both speak (``ON
  CONFLICT``, ``lower()``, delete-then-insert), with ``?`` placeholders: a
  clinic's server store (``_server.py``) runs these same queries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, cast

import numpy as np
import numpy.typing as npt

from nkt_dyno.context import FIELDS as CONTEXT_FIELDS
from nkt_dyno.context import NO_CONTEXT, TestContext, body_mass_kg
from nkt_dyno.context import sex as check_sex
from nkt_dyno.store import _codec, _muscles
from nkt_dyno.store._errors import NotFoundError, StoreError, StoreWriteError
from nkt_dyno.store._models import (
    CONDITIONS,
    SIDES,
    TESTS,
    VERDICTS,
    Analysis,
    AuditEntry,
    BodyMass,
    CalibrationRecord,
    Client,
    Device,
    Examiner,
    Muscle,
    MuscleTest,
    NewAnalysis,
    ProtocolGroup,
    Session,
)
from nkt_dyno.store._paths import ENV_VAR, is_server, resolve_path, server_url
from nkt_dyno.store._schema import (
    APPLICATION_ID,
    OUR_TABLES,
    SCHEMA_VERSION,
    migrate,
    user_version,
)
from nkt_dyno.trace import Gap, Trace


class Cursor(Protocol):
    """What the store reads from a query: a sqlite3 cursor, or the server's equivalent."""

    @property
    def lastrowid(self) -> int | None: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The one call the store's queries make: SQL with ``?`` placeholders, in both dialects."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Cursor: ...


class TraceLike(Protocol):
    """What :meth:`Store.save_test` needs from a recording (``nkt_dyno.trace.Trace``)."""

    @property
    def t(self) -> npt.NDArray[np.float64]: ...
    @property
    def force(self) -> npt.NDArray[np.float64]: ...
    @property
    def gyro(self) -> npt.NDArray[np.float64] | None: ...
    @property
    def metadata(self) -> Mapping[str, str]: ...


_REASONS = {
    sqlite3.SQLITE_FULL: "the disk is full (or the store reached its size limit)",
    sqlite3.SQLITE_READONLY: "the store is read-only here (check file and folder permissions)",
    sqlite3.SQLITE_CANTOPEN: "the file or its folder cannot be written (check permissions)",
    sqlite3.SQLITE_BUSY: "another program kept the store locked for too long",
    sqlite3.SQLITE_IOERR: "writing to the disk failed (it may be full or failing)",
}

_TEST_COLUMNS = """
    t.id, t.session_id, s.client_id, t.recorded, t.muscle, t.side, t.condition,
    t.challenge_target, t.position_notes, t.device_id, t.calibration_id,
    t.therapist_verdict, t.notes, tr.n,
    a.id, a.engine_version, a.created, a.verdict, a.peak_n, a.break_ratio, a.efforts,
    t.group_id, t.test, t.gaps, t.rate_hz,
    t.fixation, t.joint_angle_deg, t.lever_arm_m, t.pain, t.mmt_grade, t.patient_position
"""

_TEST_FROM = """
    FROM tests t
    JOIN sessions s ON s.id = t.session_id
    JOIN traces tr ON tr.test_id = t.id
    LEFT JOIN analyses a
        ON a.test_id = t.id AND a.id = (SELECT max(id) FROM analyses WHERE test_id = t.id)
"""
"""The latest analysis of each test; ``a.test_id = t.id`` gives the join an indexed key
(without it PostgreSQL hashes every analysis the role may see: 130 ms, not 8, at 100,000)."""


_GROUP_COLUMNS = "id, session_id, muscle, side, created, notes"
_CLIENT_COLUMNS = "id, name, birth_year, notes, created, sex"
_LIVE = "t.deleted IS NULL"
"""Deleted tests stay in the file (recoverable) but out of every listing."""


def now() -> str:
    """Current time as stored: UTC, ISO 8601, milliseconds (sorts as text)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class Store:
    """A handle on one store file. Use :meth:`open`; close it (or use ``with``)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn: Connection = conn
        self._sqlite = conn
        self.path = path

    # -- opening ---------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout_s: float = 10.0,
        create: bool = True,
        write: bool = True,
    ) -> Self:
        """Open (creating it, mode 0600, when ``create``) and migrate the store at ``path``.

        ``None`` means ``$NKT_DYNO_DB`` or the user data directory; a
        ``postgresql://`` connection string opens the clinic's server store
        (:class:`~nkt_dyno.store._server.ServerStore`) instead. A command
        that only reads passes ``create=False`` (a mistyped path must not
        become a new empty store) and ``write=False`` (a store on a read-only
        disk is then opened read-only). Raises :class:`SchemaTooNewError` for
        a file from a newer nkt-dyno, :class:`StoreError` for a file that is
        not ours (another program's SQLite file, left byte for byte as it
        was) and :class:`StoreWriteError` when it cannot be created.
        """
        if is_server(path):
            return cast(
                Self, _connect_server(server_url(None if path is None else str(path)), timeout_s)
            )
        p = resolve_path(path)
        if not p.exists():
            if not create:
                raise NotFoundError(
                    f"no store at {p}: check --db or ${ENV_VAR} (nothing was created)"
                )
            _create_private(p)
        elif not write and not _writable(p):
            return cls(_open_read_only(p), p)
        try:
            conn = sqlite3.connect(p, isolation_level=None, timeout=timeout_s)
        except sqlite3.Error as exc:
            raise _machine_error(p, exc, "opening the store") from exc
        try:
            _check_ours(conn, p)
            if user_version(conn) <= SCHEMA_VERSION:
                _configure(conn, p)
            migrate(conn, where=str(p))
        except BaseException as exc:
            conn.close()
            if isinstance(exc, sqlite3.Error):
                raise _machine_error(p, exc, "opening the store") from exc
            raise
        return cls(conn, p)

    def close(self) -> None:
        self._sqlite.close()

    @property
    def reference(self) -> str:
        """What reopens this store with ``--db``: the file's full path (or a server's URL
        without its password)."""
        return str(self.path.resolve())

    @property
    def location(self) -> str:
        """Where this store is, as shown to people: the file, or the server and site."""
        return self.reference

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        et: type[BaseException] | None,
        ev: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return user_version(self._sqlite)

    def pseudonym_key(self) -> bytes:
        """This store's secret for pseudonyms: stable across exports, never exported."""
        row = self._conn.execute(
            "SELECT value FROM settings WHERE key = 'pseudonym_key'"
        ).fetchone()
        return bytes.fromhex(row[0])

    def integrity_check(self) -> str:
        """SQLite's own check of the file: ``"ok"`` or the problems found."""
        rows = self._sqlite.execute("PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)

    # -- people, devices, calibrations ------------------------------------------

    def add_client(
        self,
        name: str,
        *,
        birth_year: int | None = None,
        notes: str = "",
        sex: str | None = None,
    ) -> Client:
        """Add a client; ``name`` may be a pseudonym. Names need not be unique.

        ``sex`` (female or male) is optional: it only picks a reference population.
        """
        name = _required_text("name", name)
        _check_birth_year(birth_year)
        sex = None if sex is None else check_sex(sex)
        created = now()
        with self._write("adding the client") as c:
            cid = _lastrowid(
                c.execute(
                    "INSERT INTO clients (name, birth_year, notes, created, sex) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (name, birth_year, notes, created, sex),
                )
            )
        return Client(cid, name, birth_year, notes, created, sex)  # type: ignore[arg-type]

    def edit_client(
        self,
        client_id: int,
        *,
        name: str | None = None,
        birth_year: int | None = None,
        sex: str | None = None,
        notes: str | None = None,
        clear: Sequence[str] = (),
    ) -> Client:
        """Correct a client's details: None leaves one as it is, ``clear`` empties
        ``birth_year`` or ``sex``."""
        changes: dict[str, str | int | None] = {}
        if name is not None:
            changes["name"] = _required_text("name", name)
        if birth_year is not None:
            changes["birth_year"] = _check_birth_year(birth_year)
        if sex is not None:
            changes["sex"] = check_sex(sex)
        if notes is not None:
            changes["notes"] = notes
        for field_name in clear:
            _check_choice("a client detail to clear", field_name, ("birth_year", "sex"))
            changes[field_name] = None
        self.get_client(client_id)
        with self._write("correcting the client") as c:
            for column, value in changes.items():
                c.execute(f"UPDATE clients SET {column} = ? WHERE id = ?", (value, client_id))
        return self.get_client(client_id)

    def clients(self) -> list[Client]:
        rows = self._conn.execute(f"SELECT {_CLIENT_COLUMNS} FROM clients ORDER BY name, id")
        return [Client(*r) for r in rows]

    def get_client(self, client_id: int) -> Client:
        row = self._conn.execute(
            f"SELECT {_CLIENT_COLUMNS} FROM clients WHERE id = ?", (client_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no client with id {client_id}")
        return Client(*row)

    def find_client(self, ref: str | int) -> Client:
        """A client by id (digits) or by exact name, ignoring case."""
        if isinstance(ref, int) or str(ref).strip().isdigit():
            return self.get_client(int(ref))
        rows = self._conn.execute(
            f"SELECT {_CLIENT_COLUMNS} FROM clients WHERE lower(name) = lower(?) ORDER BY id",
            (str(ref).strip(),),
        ).fetchall()
        if not rows:
            raise NotFoundError(
                "no client with that name (see `nkt-dyno client list`; "
                "add one with `nkt-dyno client add NAME`)"
            )
        if len(rows) > 1:
            ids = ", ".join(str(r[0]) for r in rows)
            raise NotFoundError(f"several clients have that name; use an id: {ids}")
        return Client(*rows[0])

    def add_body_mass(
        self, client_id: int, kg: float, *, measured: str | dt.date | None = None
    ) -> BodyMass:
        """Record a weighing of the client on the day ``measured`` (default today)."""
        kg = body_mass_kg(kg)
        day = _iso_day(measured)
        created = now()
        with self._write("saving the body mass") as c:
            _require(c, "clients", client_id, "client")
            bid = _lastrowid(
                c.execute(
                    "INSERT INTO body_masses (client_id, measured, kg, created) "
                    "VALUES (?, ?, ?, ?)",
                    (client_id, day, kg, created),
                )
            )
        return BodyMass(bid, client_id, day, kg, created)

    def body_masses(self, client_id: int) -> list[BodyMass]:
        """The client's weighings, oldest first (of one day, the last entered last)."""
        rows = self._conn.execute(
            "SELECT id, client_id, measured, kg, created FROM body_masses "
            "WHERE client_id = ? ORDER BY measured, id",
            (client_id,),
        )
        return [BodyMass(*r) for r in rows]

    def body_mass_at(self, client_id: int, when: str) -> BodyMass | None:
        """The weighing valid at ``when`` (a stored time): the latest on or before its day."""
        day = dt.datetime.fromisoformat(when).astimezone().date().isoformat()
        row = self._conn.execute(
            "SELECT id, client_id, measured, kg, created FROM body_masses "
            "WHERE client_id = ? AND measured <= ? ORDER BY measured DESC, id DESC",
            (client_id, day),
        ).fetchone()
        return None if row is None else BodyMass(*row)

    def add_examiner(self, name: str) -> Examiner:
        """The examiner of that name, added if new."""
        name = _required_text("examiner name", name)
        with self._write("adding the examiner") as c:
            c.execute(
                "INSERT INTO examiners (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,)
            )
            row = c.execute("SELECT id, name FROM examiners WHERE name = ?", (name,)).fetchone()
        return Examiner(*row)

    def get_examiner(self, examiner_id: int) -> Examiner:
        row = self._conn.execute(
            "SELECT id, name FROM examiners WHERE id = ?", (examiner_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no examiner with id {examiner_id}")
        return Examiner(*row)

    def add_device(self, device_id: str, model: str, firmware: str = "") -> Device:
        """Record a device, or update its model/firmware if already known."""
        device_id = _required_text("device id", device_id)
        with self._write("adding the device") as c:
            c.execute(
                "INSERT INTO devices (id, model, firmware) VALUES (?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET model = excluded.model, "
                "firmware = excluded.firmware",
                (device_id, model, firmware),
            )
        return Device(device_id, model, firmware)

    def get_device(self, device_id: str) -> Device:
        row = self._conn.execute(
            "SELECT id, model, firmware FROM devices WHERE id = ?", (device_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no device with id {device_id!r}")
        return Device(*row)

    def add_calibration(
        self,
        calibration_id: str,
        device_id: str,
        record: Mapping[str, Any],
        *,
        created: str | None = None,
        device_model: str | None = None,
    ) -> CalibrationRecord:
        """Keep a calibration record (as JSON) so tests can say which one they used.

        Adding the same record again is a no-op, so every save may register the
        calibration it used; an id already holding another record is refused.
        With ``device_model`` an unknown device is added too (a known one is
        left as it is), in the same transaction.
        """
        text = json.dumps(record, sort_keys=True, allow_nan=False)
        created = created or now()
        with self._write("adding the calibration") as c:
            if device_model is not None:
                c.execute(
                    "INSERT INTO devices (id, model) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                    (_required_text("device id", device_id), device_model),
                )
            _require(c, "devices", device_id, "device")
            c.execute(
                "INSERT INTO calibrations (id, device_id, created, record) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (id) DO NOTHING",
                (calibration_id, device_id, created, text),
            )
            row = c.execute(
                "SELECT id, device_id, created, record FROM calibrations WHERE id = ?",
                (calibration_id,),
            ).fetchone()
            if (row[1], row[3]) != (device_id, text):
                raise ValueError(f"calibration id {calibration_id!r} already names another record")
        return _calibration(row)

    def get_calibration(self, calibration_id: str) -> CalibrationRecord:
        row = self._conn.execute(
            "SELECT id, device_id, created, record FROM calibrations WHERE id = ?",
            (calibration_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no calibration with id {calibration_id!r}")
        return _calibration(row)

    # -- sessions ------------------------------------------------------------------

    def start_session(
        self,
        client_id: int,
        *,
        examiner: str | None = None,
        notes: str = "",
        started: str | None = None,
    ) -> Session:
        """Open a session for a client; ``examiner`` is a name, added if new."""
        examiner_id = self.add_examiner(examiner).id if examiner else None
        started = started or now()
        with self._write("starting the session") as c:
            _require(c, "clients", client_id, "client")
            sid = _lastrowid(
                c.execute(
                    "INSERT INTO sessions (client_id, examiner_id, started, notes) "
                    "VALUES (?, ?, ?, ?)",
                    (client_id, examiner_id, started, notes),
                )
            )
        return Session(sid, client_id, examiner_id, started, notes)

    def visit_session(
        self, client_id: int, *, recorded: str | None = None, examiner: str | None = None
    ) -> int:
        """The client's session of the day ``recorded`` (default now, local time), started if
        there is none: found and started in one write transaction, so saves running at once
        in several programs still make one visit one session."""
        examiner_id = self.add_examiner(examiner).id if examiner else None
        started = recorded or now()
        day = dt.datetime.fromisoformat(started).astimezone().date()
        with self._write("starting the session") as c:
            _require(c, "clients", client_id, "client")
            latest = c.execute(
                "SELECT id, started FROM sessions WHERE client_id = ? "
                "ORDER BY started DESC, id DESC",
                (client_id,),
            ).fetchone()
            if (
                latest is not None
                and dt.datetime.fromisoformat(latest[1]).astimezone().date() == day
            ):
                return int(latest[0])
            return _lastrowid(
                c.execute(
                    "INSERT INTO sessions (client_id, examiner_id, started, notes) "
                    "VALUES (?, ?, ?, '')",
                    (client_id, examiner_id, started),
                )
            )

    def get_session(self, session_id: int) -> Session:
        row = self._conn.execute(
            "SELECT id, client_id, examiner_id, started, notes FROM sessions WHERE id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no session with id {session_id}")
        return Session(*row)

    def sessions(self, client_id: int | None = None) -> list[Session]:
        sql = "SELECT id, client_id, examiner_id, started, notes FROM sessions"
        args: tuple[int, ...] = ()
        if client_id is not None:
            sql += " WHERE client_id = ?"
            args = (client_id,)
        return [Session(*r) for r in self._conn.execute(sql + " ORDER BY started, id", args)]

    # -- tests -------------------------------------------------------------------------

    def save_test(
        self,
        session_id: int,
        *,
        muscle: str,
        side: str,
        condition: str,
        trace: TraceLike,
        challenge_target: str | None = None,
        position_notes: str = "",
        device_id: str | None = None,
        calibration_id: str | None = None,
        therapist_verdict: str | None = None,
        notes: str = "",
        analysis: NewAnalysis | None = None,
        recorded: str | None = None,
        group_id: int | None = None,
        test: str = "break",
        gaps: Sequence[Gap] = (),
        rate_hz: float | None = None,
        context: TestContext = NO_CONTEXT,
    ) -> int:
        """Save one test with its trace (and analysis) in one transaction; return its id.

        ``muscle`` and ``challenge_target`` are resolved through the catalogue
        (``"glute med"`` is stored as ``"gluteus medius"``). A test joining a
        protocol group (``group_id``) must share its session, muscle and side.
        """
        _check_choice("side", side, SIDES)
        _check_choice("condition", condition, CONDITIONS)
        _check_choice("test", test, TESTS)
        if therapist_verdict is not None:
            _check_choice("therapist_verdict", therapist_verdict, VERDICTS)
        muscle_name = self.resolve_muscle(muscle).name
        target = self.resolve_muscle(challenge_target).name if challenge_target else None
        blobs = _encode_trace(trace)
        with self._write("saving the test") as c:
            _require(c, "sessions", session_id, "session")
            if device_id is not None:
                _require(c, "devices", device_id, "device")
            if calibration_id is not None:
                _require(c, "calibrations", calibration_id, "calibration")
            if group_id is not None:
                _require_group_fits(c, group_id, session_id, muscle_name, side)
            test_id = _lastrowid(
                c.execute(
                    "INSERT INTO tests (session_id, recorded, muscle, side, condition, "
                    "challenge_target, position_notes, device_id, calibration_id, "
                    "therapist_verdict, notes, group_id, test, gaps, rate_hz, "
                    "fixation, joint_angle_deg, lever_arm_m, pain, mmt_grade, patient_position) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        session_id,
                        recorded or now(),
                        muscle_name,
                        side,
                        condition,
                        target,
                        position_notes,
                        device_id,
                        calibration_id,
                        therapist_verdict,
                        notes,
                        group_id,
                        test,
                        _gaps_json(gaps),
                        rate_hz,
                        *(getattr(context, f) for f in CONTEXT_FIELDS),
                    ),
                )
            )
            c.execute(
                "INSERT INTO traces (test_id, codec, n, t, force, gyro, metadata) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (test_id, *blobs),
            )
            if analysis is not None:
                _insert_analysis(c, test_id, analysis)
        return test_id

    def get_test(self, test_id: int) -> MuscleTest:
        row = self._conn.execute(
            f"SELECT {_TEST_COLUMNS} {_TEST_FROM} WHERE t.id = ? AND {_LIVE}", (test_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(self._missing_test(test_id))
        return _test_from_row(row)

    def tests(self, session_id: int) -> list[MuscleTest]:
        """A session's tests in the order they were recorded."""
        rows = self._conn.execute(
            f"SELECT {_TEST_COLUMNS} {_TEST_FROM} WHERE t.session_id = ? AND {_LIVE} "
            "ORDER BY t.recorded, t.id",
            (session_id,),
        )
        return [_test_from_row(r) for r in rows]

    def history(self, client_id: int, muscle: str | None = None) -> list[MuscleTest]:
        """A client's tests, oldest first, optionally of one muscle (catalogue search)."""
        sql = f"SELECT {_TEST_COLUMNS} {_TEST_FROM} WHERE s.client_id = ? AND {_LIVE}"
        args: tuple[object, ...] = (client_id,)
        if muscle is not None:
            sql += " AND lower(t.muscle) = lower(?)"
            args += (self.resolve_muscle(muscle).name,)
        rows = self._conn.execute(sql + " ORDER BY t.recorded, t.id", args)
        return [_test_from_row(r) for r in rows]

    def test_ids(self) -> list[int]:
        return [
            r[0] for r in self._conn.execute(f"SELECT id FROM tests t WHERE {_LIVE} ORDER BY id")
        ]

    def load_trace(self, test_id: int) -> Trace:
        """The recording exactly as saved (bit for bit)."""
        row = self._conn.execute(
            "SELECT codec, n, t, force, gyro, metadata FROM traces WHERE test_id = ?", (test_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no test with id {test_id}")
        codec, n, t, force, gyro, metadata = row
        if codec != _codec.CODEC:
            raise StoreError(f"test {test_id}: unknown trace encoding {codec!r}")
        return Trace(
            t=_codec.decode(t, n),
            force=_codec.decode(force, n),
            gyro=None if gyro is None else _codec.decode(gyro, n),
            metadata=json.loads(metadata),
        )

    def same_recordings(self, trace: TraceLike) -> list[int]:
        """Tests holding exactly these samples (an import offered twice)."""
        _, n, t, force, gyro, _ = _encode_trace(trace)
        same_gyro = "gyro IS NULL" if gyro is None else "gyro = ?"
        rows = self._conn.execute(
            "SELECT test_id FROM traces JOIN tests ON tests.id = test_id "
            f"WHERE n = ? AND t = ? AND force = ? AND {same_gyro} AND deleted IS NULL "
            "ORDER BY test_id",
            (n, t, force) if gyro is None else (n, t, force, gyro),
        )
        return [r[0] for r in rows]

    def set_therapist_verdict(self, test_id: int, verdict: str | None) -> None:
        """Record the therapist's own call, kept beside the automatic one."""
        if verdict is not None:
            _check_choice("verdict", verdict, VERDICTS)
        with self._write("saving the verdict") as c:
            _require(c, "tests", test_id, "test")
            c.execute("UPDATE tests SET therapist_verdict = ? WHERE id = ?", (verdict, test_id))

    # -- corrections -------------------------------------------------------------------

    def edit_test(
        self,
        test_id: int,
        *,
        who: str,
        muscle: str | None = None,
        side: str | None = None,
        condition: str | None = None,
        challenge_target: str | None = None,
        position_notes: str | None = None,
        notes: str | None = None,
        test: str | None = None,
        context: TestContext = NO_CONTEXT,
        clear: Sequence[str] = (),
    ) -> MuscleTest:
        """Correct a test's tags; the audit keeps what they were, who changed them and when.

        None leaves a tag as it is; ``challenge_target=""`` removes the target.
        The context fields given in ``context`` are set, those named in ``clear``
        emptied. A test whose muscle or side changes leaves its protocol group.
        """
        given = {
            "muscle": muscle,
            "side": side,
            "condition": condition,
            "challenge_target": challenge_target,
            "position_notes": position_notes,
            "notes": notes,
            "test": test,
        }
        changes: dict[str, str | float | int | None] = {
            k: v for k, v in given.items() if v is not None
        }
        for name in clear:
            _check_choice("a field to clear", name, CONTEXT_FIELDS)
            changes[name] = None
        changes.update(context.given())
        if changes.get("challenge_target") == "":
            changes["challenge_target"] = None
        for name, allowed in (("side", SIDES), ("condition", CONDITIONS), ("test", TESTS)):
            if changes.get(name) is not None:
                _check_choice(name, str(changes[name]), allowed)
        if changes.get("muscle"):
            changes["muscle"] = self.resolve_muscle(str(changes["muscle"])).name
        if changes.get("challenge_target"):
            changes["challenge_target"] = self.resolve_muscle(str(changes["challenge_target"])).name
        before = self.get_test(test_id)
        old = {k: getattr(before.context if k in CONTEXT_FIELDS else before, k) for k in changes}
        with self._write("correcting the test") as c:
            for name, value in changes.items():
                c.execute(f"UPDATE tests SET {name} = ? WHERE id = ?", (value, test_id))
            if before.group_id is not None and {"muscle", "side"} & set(changes):
                c.execute("UPDATE tests SET group_id = NULL WHERE id = ?", (test_id,))
            _audit(c, who, test_id, "edit", old, changes)
        return self.get_test(test_id)

    def move_test(self, test_id: int, session_id: int, *, who: str) -> MuscleTest:
        """Move a test to another session of its client (it leaves its protocol group)."""
        before = self.get_test(test_id)
        target = self.get_session(session_id)
        if target.client_id != before.client_id:
            raise ValueError(
                f"session {session_id} belongs to another client; a test moves only between "
                "its client's sessions"
            )
        with self._write("moving the test") as c:
            c.execute(
                "UPDATE tests SET session_id = ?, group_id = NULL WHERE id = ?",
                (session_id, test_id),
            )
            _audit(
                c,
                who,
                test_id,
                "move",
                {"session_id": before.session_id},
                {"session_id": session_id},
            )
        return self.get_test(test_id)

    def delete_test(self, test_id: int, *, who: str, reason: str = "") -> None:
        """Take a test out of every listing, recoverably (:meth:`restore_test`)."""
        self.get_test(test_id)
        with self._write("deleting the test") as c:
            c.execute("UPDATE tests SET deleted = ? WHERE id = ?", (now(), test_id))
            _audit(c, who, test_id, "delete", {}, {"reason": reason})

    def restore_test(self, test_id: int, *, who: str) -> MuscleTest:
        """Bring a deleted test back."""
        row = self._conn.execute("SELECT deleted FROM tests WHERE id = ?", (test_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no test with id {test_id}")
        if row[0] is not None:
            with self._write("restoring the test") as c:
                c.execute("UPDATE tests SET deleted = NULL WHERE id = ?", (test_id,))
                _audit(c, who, test_id, "restore", {"deleted": row[0]}, {})
        return self.get_test(test_id)

    def audit(self, test_id: int | None = None) -> list[AuditEntry]:
        """Every correction, oldest first; of one test if ``test_id`` is given."""
        sql = "SELECT id, at, who, test_id, action, before, after FROM audit"
        args: tuple[int, ...] = ()
        if test_id is not None:
            sql += " WHERE test_id = ?"
            args = (test_id,)
        rows = self._conn.execute(sql + " ORDER BY id", args)
        return [
            AuditEntry(aid, at, who, tid, action, json.loads(before), json.loads(after))
            for aid, at, who, tid, action, before, after in rows
        ]

    def _missing_test(self, test_id: int) -> str:
        row = self._conn.execute("SELECT deleted FROM tests WHERE id = ?", (test_id,)).fetchone()
        if row is not None and row[0] is not None:
            restore = f"`nkt-dyno test restore {test_id}` brings it back"
            return f"test {test_id} was deleted ({row[0]}); {restore}"
        return f"no test with id {test_id}"

    # -- protocol groups -------------------------------------------------------------------

    def start_protocol_group(
        self, session_id: int, *, muscle: str, side: str, notes: str = ""
    ) -> ProtocolGroup:
        """Open a group linking one muscle's baseline, challenge and retest tests."""
        _check_choice("side", side, SIDES)
        muscle_name = self.resolve_muscle(muscle).name
        with self._write("starting the protocol group") as c:
            _require(c, "sessions", session_id, "session")
            gid = _lastrowid(
                c.execute(
                    "INSERT INTO protocol_groups (session_id, muscle, side, created, notes) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (session_id, muscle_name, side, now(), notes),
                )
            )
        return self.get_protocol_group(gid)

    def get_protocol_group(self, group_id: int) -> ProtocolGroup:
        row = self._conn.execute(
            f"SELECT {_GROUP_COLUMNS} FROM protocol_groups WHERE id = ?", (group_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no protocol group with id {group_id}")
        return ProtocolGroup(*row)

    def protocol_groups(self, session_id: int) -> list[ProtocolGroup]:
        """A session's protocol groups in the order they were started."""
        rows = self._conn.execute(
            f"SELECT {_GROUP_COLUMNS} FROM protocol_groups WHERE session_id = ? "
            "ORDER BY created, id",
            (session_id,),
        )
        return [ProtocolGroup(*r) for r in rows]

    def group_tests(self, group_id: int) -> list[MuscleTest]:
        """A protocol group's tests in the order they were recorded."""
        rows = self._conn.execute(
            f"SELECT {_TEST_COLUMNS} {_TEST_FROM} WHERE t.group_id = ? AND {_LIVE} "
            "ORDER BY t.recorded, t.id",
            (group_id,),
        )
        return [_test_from_row(r) for r in rows]

    # -- analyses ------------------------------------------------------------------------

    def add_analysis(self, test_id: int, analysis: NewAnalysis) -> int:
        """Store an engine run; results of other engine versions are kept.

        A second run of the same version replaces that version's result.
        """
        with self._write("saving the analysis") as c:
            _require(c, "tests", test_id, "test")
            return _insert_analysis(c, test_id, analysis)

    def analyses(self, test_id: int) -> list[Analysis]:
        rows = self._conn.execute(
            "SELECT id, engine_version, created, verdict, peak_n, break_ratio, efforts "
            "FROM analyses WHERE test_id = ? ORDER BY id",
            (test_id,),
        )
        return [_analysis(test_id, *r) for r in rows]

    def tests_without_analysis(self, engine_version: str) -> list[int]:
        """Ids of tests that this engine version has not analysed yet."""
        rows = self._conn.execute(
            "SELECT id FROM tests WHERE deleted IS NULL AND id NOT IN "
            "(SELECT test_id FROM analyses WHERE engine_version = ?) ORDER BY id",
            (engine_version,),
        )
        return [r[0] for r in rows]

    # -- muscles ---------------------------------------------------------------------------

    def muscles(self) -> list[Muscle]:
        """The packaged catalogue followed by the muscles users added here.

        The catalogue is read from the package, so a new release's entries reach every
        store; a muscle a user added under a name the catalogue later took (such as
        ``quadriceps``) gives way to the catalogue's, and its tests keep their name.
        """
        rows = self._conn.execute(
            "SELECT name, region, position, aliases FROM muscles ORDER BY name"
        )
        builtin = _muscles.builtin_muscles()
        taken = {_muscles.normalise(m.name) for m in builtin}
        custom = [
            Muscle(n, r, p, tuple(json.loads(a)), custom=True)
            for n, r, p, a in rows
            if _muscles.normalise(n) not in taken
        ]
        return [*builtin, *custom]

    def add_muscle(
        self, name: str, region: str, *, position: str = "", aliases: Sequence[str] = ()
    ) -> Muscle:
        """Add a muscle to this store's catalogue (names must be new)."""
        name = _required_text("muscle name", name)
        taken = _muscles.search(name, self.muscles())
        if any(_muscles.normalise(name) == _muscles.normalise(m.name) for m in taken):
            raise ValueError(f"muscle {name!r} is already in the catalogue")
        with self._write("adding the muscle") as c:
            c.execute(
                "INSERT INTO muscles (name, region, position, aliases) VALUES (?, ?, ?, ?)",
                (name, region, position, json.dumps(list(aliases))),
            )
        return Muscle(name, region, position, tuple(aliases), custom=True)

    def find_muscles(self, query: str) -> list[Muscle]:
        return _muscles.search(query, self.muscles())

    def resolve_muscle(self, query: str) -> Muscle:
        """The one muscle ``query`` names, or a ValueError listing the candidates."""
        found = self.find_muscles(query)
        if len(found) == 1:
            return found[0]
        if not found:
            close = _muscles.close_names(query, self.muscles())
            hint = f"did you mean {', '.join(close)}? " if close else ""
            raise ValueError(
                f"unknown muscle {query!r}: {hint}see `nkt-dyno muscle list`; "
                "add it with `nkt-dyno muscle add`"
            )
        names = ", ".join(m.name for m in found[:8])
        raise ValueError(f"muscle {query!r} is ambiguous: {names}")

    # -- transactions ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self, doing: str) -> Iterator[Connection]:
        """One write transaction; machine errors become a :class:`StoreWriteError`."""
        conn = self._sqlite
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise _machine_error(self.path, exc, doing) from exc
            raise


def require_server_packages() -> None:
    """Raise one sentence saying how to install them when the server packages are missing."""
    try:
        import nkt_dyno.store._server  # noqa: F401
    except ImportError as exc:
        raise StoreError(
            f"a server store needs the optional server packages ({exc.name} is missing): "
            'pip install "nkt-dyno[server]"'
        ) from exc


def _connect_server(url: str, timeout_s: float) -> Store:
    """The server store; its driver is an optional extra, so say how to get it."""
    require_server_packages()
    from nkt_dyno.store._server import ServerStore

    return ServerStore.connect(url, timeout_s=timeout_s)


def _audit(
    conn: Connection,
    who: str,
    test_id: int,
    action: str,
    before: Mapping[str, object],
    after: Mapping[str, object],
) -> None:
    conn.execute(
        "INSERT INTO audit (at, who, test_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?)",
        (now(), _required_text("who", who), test_id, action, json.dumps(before), json.dumps(after)),
    )


def _create_private(path: Path) -> None:
    """Create an empty store file readable by its owner only (SQLite's -wal/-shm copy it)."""
    if path.exists():
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreWriteError(f"cannot create the store at {path}: {exc.strerror}") from exc


def _check_ours(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse, by reading only, a file that is not one of our stores (nor a new empty one)."""
    app_id = 0
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.OperationalError:
        raise  # the machine (permissions, locks), not the file: reported as such
    except sqlite3.DatabaseError as exc:
        if app_id == APPLICATION_ID:
            raise _machine_error(path, exc, "opening the store") from exc
        raise StoreError(
            f"{path} is not an nkt-dyno store ({exc}); it was left untouched. "
            f"Give the store's path with --db or ${ENV_VAR}"
        ) from exc
    if app_id == APPLICATION_ID or (app_id == 0 and not tables):
        return
    if app_id == 0 and user_version(conn) >= 1 and tables >= OUR_TABLES:
        return  # a store from before the application id; migration 4 marks it
    raise StoreError(
        f"{path} is another program's SQLite file, not an nkt-dyno store; it was left "
        f"untouched. Give the store's path with --db or ${ENV_VAR}"
    )


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A store on a read-only disk or without write permission, opened for reading.

    A WAL store needs its shared-memory file, which cannot be made there; the
    file is then read as immutable (nothing else can be writing to it either).
    """
    uri = path.resolve().as_uri()
    for mode in ("?mode=ro", "?immutable=1"):
        conn = sqlite3.connect(uri + mode, uri=True, isolation_level=None)
        try:
            _check_ours(conn, path)
            found = user_version(conn)
        except sqlite3.OperationalError:
            conn.close()
            continue
        except BaseException:
            conn.close()
            raise
        if found != SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{path} has schema version {found} and this nkt-dyno reads version "
                f"{SCHEMA_VERSION}; it cannot be changed here (read-only): open it once "
                "where it can be written"
            )
        return conn
    raise StoreError(f"{path}: the store cannot be read here (check permissions)")


def _configure(conn: sqlite3.Connection, path: Path) -> None:
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode != "wal":
        raise StoreError(f"{path}: could not switch the store to WAL mode (got {mode!r})")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")


def _machine_error(path: Path, exc: sqlite3.Error, doing: str) -> StoreError:
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StoreError(
            f"{path}: {doing} failed: the store is damaged ({exc}); nothing was written. "
            f"Keep a copy of it; `sqlite3 {path} .recover` rebuilds what can be read"
        )
    reason = _REASONS.get(code)
    if reason is None:
        return StoreError(f"{path}: {doing} failed: {exc}")
    return StoreWriteError(f"{path}: {doing} failed: {reason}; nothing was written")


def _require(conn: Connection, table: str, key: object, what: str) -> None:
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (key,)).fetchone() is None:
        raise NotFoundError(f"no {what} with id {key!r}")


def _require_group_fits(
    conn: Connection, group_id: int, session_id: int, muscle: str, side: str
) -> None:
    row = conn.execute(
        "SELECT session_id, muscle, side FROM protocol_groups WHERE id = ?", (group_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError(f"no protocol group with id {group_id!r}")
    if (row[0], row[1].casefold(), row[2]) != (session_id, muscle.casefold(), side):
        raise ValueError(
            f"protocol group {group_id} is {row[1]} {row[2]} in session {row[0]}; "
            f"a test of {muscle} {side} in session {session_id} cannot join it"
        )


def _lastrowid(cur: Cursor) -> int:
    assert cur.lastrowid is not None
    return cur.lastrowid


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _required_text(name: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def _encode_trace(trace: TraceLike) -> tuple[str, int, bytes, bytes, bytes | None, str]:
    t = np.asarray(trace.t, dtype=np.float64)
    force = np.asarray(trace.force, dtype=np.float64)
    gyro = None if trace.gyro is None else np.asarray(trace.gyro, dtype=np.float64)
    if force.shape != t.shape or (gyro is not None and gyro.shape != t.shape):
        raise ValueError("trace columns t, force and gyro must have one length")
    return (
        _codec.CODEC,
        int(t.size),
        _codec.encode(t),
        _codec.encode(force),
        None if gyro is None else _codec.encode(gyro),
        json.dumps(dict(trace.metadata), sort_keys=True),
    )


def _insert_analysis(conn: Connection, test_id: int, analysis: NewAnalysis) -> int:
    primary = analysis.primary
    verdict = primary.get("verdict", "inconclusive") if primary else "inconclusive"
    _check_choice("verdict", verdict, VERDICTS)
    # Delete, then insert: a re-run gets a new id, so it is the latest (max id) analysis.
    conn.execute(
        "DELETE FROM analyses WHERE test_id = ? AND engine_version = ?",
        (test_id, analysis.engine_version),
    )
    return _lastrowid(
        conn.execute(
            "INSERT INTO analyses "
            "(test_id, engine_version, created, verdict, peak_n, break_ratio, efforts) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                test_id,
                analysis.engine_version,
                now(),
                verdict,
                primary.get("peak_n") if primary else None,
                primary.get("break_ratio") if primary else None,
                json.dumps([dict(e) for e in analysis.efforts], allow_nan=False),
            ),
        )
    )


def _calibration(row: Sequence[Any]) -> CalibrationRecord:
    return CalibrationRecord(row[0], row[1], row[2], json.loads(row[3]))


def _analysis(test_id: int, aid: int, version: str, created: str, *rest: Any) -> Analysis:
    verdict, peak_n, break_ratio, efforts = rest
    return Analysis(
        aid, test_id, version, created, verdict, peak_n, break_ratio, json.loads(efforts)
    )


def _test_from_row(row: Sequence[Any]) -> MuscleTest:
    """A :class:`MuscleTest` from one row of ``_TEST_COLUMNS`` (named, in that order)."""
    (
        test_id,
        session_id,
        client_id,
        recorded,
        muscle,
        side,
        condition,
        challenge_target,
        position_notes,
        device_id,
        calibration_id,
        therapist_verdict,
        notes,
        n_samples,
        analysis_id,
        engine_version,
        created,
        verdict,
        peak_n,
        break_ratio,
        efforts,
        group_id,
        test,
        gaps,
        rate_hz,
        *context,
    ) = row
    analysis = (
        None
        if analysis_id is None
        else _analysis(
            test_id, analysis_id, engine_version, created, verdict, peak_n, break_ratio, efforts
        )
    )
    return MuscleTest(
        id=test_id,
        session_id=session_id,
        client_id=client_id,
        recorded=recorded,
        muscle=muscle,
        side=side,
        condition=condition,
        challenge_target=challenge_target,
        position_notes=position_notes,
        device_id=device_id,
        calibration_id=calibration_id,
        therapist_verdict=therapist_verdict,
        notes=notes,
        n_samples=n_samples,
        analysis=analysis,
        group_id=group_id,
        test=test,
        gaps=tuple(Gap(float(a), float(b), int(c)) for a, b, c in json.loads(gaps)),
        rate_hz=rate_hz,
        context=TestContext(*context),
    )


def _check_birth_year(birth_year: int | None) -> int | None:
    if birth_year is not None and not 1900 <= birth_year <= dt.date.today().year:
        raise ValueError(f"birth_year must be between 1900 and this year, got {birth_year}")
    return birth_year


def _iso_day(day: str | dt.date | None) -> str:
    """A measurement day as ISO text; a day in the future is refused."""
    if day is None:
        return dt.date.today().isoformat()
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            raise ValueError(f"a date must be written YYYY-MM-DD, got {day!r}") from None
    if day > dt.date.today():
        raise ValueError(f"{day.isoformat()} is in the future: give the day it was measured")
    return day.isoformat()


def _gaps_json(gaps: Sequence[Gap]) -> str:
    return json.dumps([[g.start_s, g.length_s, g.samples_lost] for g in gaps], allow_nan=False)
