"""Exporting a session: a summary file (one row per test) and a trace file.

CSV files start with a UTF-8 byte-order mark so spreadsheet programs read
accents correctly; numbers are written with ``repr`` (shortest text that
reads back to the same float), so traces export losslessly. Files are
written to a temporary name (mode 0600) and renamed: no half-written
exports, and no health data readable by other users of the machine.

``pseudonymise`` is meant for sharing (a study, a colleague): clients,
examiners, devices and calibrations become keyed pseudonyms (an HMAC with a
key kept in the store, so the same client has the same pseudonym in every
export, and nobody without the store can reverse it); birth years become
ten-year age bands; sex, body mass and the test context (fixation, angle,
lever arm, pain, MMT grade, patient position: numbers and closed
vocabularies, never free text) are kept, since derived measures and
reference values need them; every time is shifted by a per-client number of days and
seconds, keeping the intervals within a client's visits; free text (notes,
position notes) and any trace metadata outside a whitelist (a device name
such as "Jane Doe's Progressor" is free text) are dropped. Its files have
their own names and never replace an existing file.

Text cells a spreadsheet would run as a formula (starting ``=``, ``+``,
``-`` or ``@``) are neutralised with a leading quote; control characters
(tabs and line ends included) are removed from text cells first.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from nkt_dyno.context import FIELDS as CONTEXT_FIELDS
from nkt_dyno.derived import KEYS as DERIVED_KEYS
from nkt_dyno.derived import derived_measures
from nkt_dyno.files import private_dir, write_private
from nkt_dyno.store._models import MuscleTest, primary_effort
from nkt_dyno.store._store import Store
from nkt_dyno.trace import samples_sha256

Format = Literal["csv", "json"]

METRIC_KEYS: tuple[str, ...] = (
    "onset_s",
    "peak_n",
    "peak_s",
    "break_s",
    "break_force_n",
    "break_ratio",
    "drop_pct",
    "hold_s",
    "time_to_peak_s",
    "rise_slope_n_per_s",
    "start_force_n",
    "start_ratio",
    "tremor_8_12hz_rms_n",
    "confidence",
    "reasons",
)
"""Metrics of the primary effort, in DESIGN §2 order, as summary columns; then the derived
measures (:mod:`nkt_dyno.derived`) and, in ``withheld``, why any of them is not given."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "session_id",
    "session_started",
    "client",
    "birth_year",
    "sex",
    "examiner",
    "session_notes",
    "test_id",
    "recorded",
    "muscle",
    "side",
    "condition",
    "challenge_target",
    "position_notes",
    "test",
    *CONTEXT_FIELDS,
    "body_mass_kg",
    "body_mass_measured",
    "device_id",
    "calibration_id",
    "n_samples",
    "samples_sha256",
    "engine_version",
    "verdict",
    "therapist_verdict",
    "efforts",
    *METRIC_KEYS,
    *DERIVED_KEYS,
    "withheld",
    "notes",
)
TRACE_COLUMNS: tuple[str, ...] = ("test_id", "time_s", "force_n", "gyro_dps")

SAFE_METADATA = frozenset({"sample_rate_hz", "source_format", "unit", "test", *CONTEXT_FIELDS})
"""Trace metadata a pseudonymised export keeps: technical, never typed by a person."""
PSEUDONYMOUS_COLUMNS: tuple[str, ...] = tuple(
    "age_band" if c == "birth_year" else c for c in SUMMARY_COLUMNS
)
SHIFT_DAYS = 365
"""Pseudonymised times move by up to this many days either way, per client."""


def export_session(
    store: Store,
    session_id: int,
    out_dir: str | os.PathLike[str],
    *,
    fmt: Format = "csv",
    pseudonymise: bool = False,
) -> list[Path]:
    """Write the session's summary and trace files into ``out_dir``; return their paths.

    Identifiable: ``session-<id>-summary.<fmt>`` and ``session-<id>-traces.<fmt>``
    (an older export of the session is replaced). Pseudonymised:
    ``pseudonymised-<client>-<n>-summary.<fmt>`` and ``...-traces.<fmt>``,
    where ``n`` is the client's visit number; an existing file is never
    replaced (:class:`FileExistsError`).
    """
    tests = store.tests(session_id)
    mask, paths = destination(
        store, session_id, out_dir, (f"summary.{fmt}", f"traces.{fmt}"), pseudonymise
    )
    summary = summary_rows(store, session_id, mask)
    columns = SUMMARY_COLUMNS if mask is None else PSEUDONYMOUS_COLUMNS
    if fmt == "csv":
        texts = [csv_text(summary, columns), csv_text(_trace_rows(store, tests), TRACE_COLUMNS)]
    else:
        traces = [_trace_json(store, t.id, mask is not None) for t in tests]
        texts = [
            json.dumps(summary, indent=1, ensure_ascii=False) + "\n",
            json.dumps(traces, ensure_ascii=False) + "\n",
        ]
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    for path, text in zip(paths, texts, strict=True):
        write_private(path, text, encoding=encoding, replace=mask is None)
    return paths


def destination(
    store: Store,
    session_id: int,
    out_dir: str | os.PathLike[str],
    endings: tuple[str, ...],
    pseudonymise: bool,
) -> tuple[Pseudonyms | None, list[Path]]:
    """The pseudonyms (if any) and the paths of a session's export files, one per ending.

    ``session-<id>-<ending>``, or ``pseudonymised-<client>-<visit>-<ending>``,
    which must not exist yet (:class:`FileExistsError`).
    """
    out = private_dir(out_dir)
    if pseudonymise:
        mask = Pseudonyms(store, store.get_session(session_id).client_id)
        stem = f"pseudonymised-{mask.client}-{mask.visit(session_id)}"
    else:
        mask, stem = None, f"session-{session_id}"
    paths = [out / f"{stem}-{ending}" for ending in endings]
    for path in paths if mask is not None else ():
        if path.exists():
            raise FileExistsError(
                f"{path} exists already: a pseudonymised export never replaces a file"
            )
    return mask, paths


class Pseudonyms:
    """Keyed, stable pseudonyms and time shifts for one client's export."""

    def __init__(self, store: Store, client_id: int) -> None:
        self._key = store.pseudonym_key()
        self._store = store
        self.client_id = client_id
        self.client = f"P{self.code('client', client_id)}"
        digest = int(self.code("shift", client_id, 12), 16)
        self.shift = dt.timedelta(
            days=digest % (2 * SHIFT_DAYS + 1) - SHIFT_DAYS, seconds=digest // 1000 % 86400
        )

    def code(self, kind: str, value: object, length: int = 8) -> str:
        mac = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:length]

    def examiner(self, examiner_id: int | None) -> str | None:
        return None if examiner_id is None else f"E{self.code('examiner', examiner_id)}"

    def device(self, device_id: str | None) -> str | None:
        return None if device_id is None else f"D{self.code('device', device_id)}"

    def calibration(self, calibration_id: str | None) -> str | None:
        return None if calibration_id is None else f"C{self.code('calibration', calibration_id)}"

    def time(self, stamp: str) -> str:
        return (dt.datetime.fromisoformat(stamp) + self.shift).isoformat(timespec="seconds")

    def day(self, day: str | None) -> str | None:
        return None if day is None else (dt.date.fromisoformat(day) + self.shift).isoformat()

    def visit(self, session_id: int) -> int:
        """The session's number among the client's (1 = first visit), not the store's id."""
        ids = [s.id for s in self._store.sessions(self.client_id)]
        return ids.index(session_id) + 1

    def age_band(self, birth_year: int | None, at: str) -> str | None:
        if birth_year is None:
            return None
        low = (dt.datetime.fromisoformat(at).year - birth_year) // 10 * 10
        return f"{low}-{low + 9}"


def summary_rows(store: Store, session_id: int, mask: Pseudonyms | None) -> list[dict[str, Any]]:
    session = store.get_session(session_id)
    client = store.get_client(session.client_id)
    examiner = store.get_examiner(session.examiner_id) if session.examiner_id else None
    if mask is None:
        context: dict[str, Any] = {
            "session_id": session.id,
            "session_started": session.started,
            "client": client.name,
            "birth_year": client.birth_year,
            "sex": client.sex,
            "examiner": None if examiner is None else examiner.name,
            "session_notes": session.notes,
        }
        return [context | _test_fields(store, t) for t in store.tests(session_id)]
    context = {
        "session_id": mask.visit(session.id),
        "session_started": mask.time(session.started),
        "client": mask.client,
        "age_band": mask.age_band(client.birth_year, session.started),
        "sex": client.sex,
        "examiner": mask.examiner(session.examiner_id),
        "session_notes": "",
    }
    rows = []
    for test in store.tests(session_id):
        fields = _test_fields(store, test)
        fields |= {
            "test_id": test.id,
            "recorded": mask.time(test.recorded),
            "body_mass_measured": mask.day(fields["body_mass_measured"]),
            "position_notes": "",
            "device_id": mask.device(test.device_id),
            "calibration_id": mask.calibration(test.calibration_id),
            "notes": "",
        }
        rows.append(context | fields)
    return rows


def _test_fields(store: Store, test: MuscleTest) -> dict[str, Any]:
    a = test.analysis
    mass = store.body_mass_at(test.client_id, test.recorded)
    primary = (primary_effort(a.efforts) if a else None) or {}
    metrics = {k: primary.get(k) for k in METRIC_KEYS}
    if isinstance(metrics["reasons"], list):
        metrics["reasons"] = "; ".join(str(r) for r in metrics["reasons"])
    trace = store.load_trace(test.id)
    measures = derived_measures(
        trace.t,
        trace.force,
        primary or None,
        lever_arm_m=test.context.lever_arm_m,
        body_mass_kg=None if mass is None else mass.kg,
    )
    return {
        "test_id": test.id,
        "recorded": test.recorded,
        "muscle": test.muscle,
        "side": test.side,
        "condition": test.condition,
        "challenge_target": test.challenge_target,
        "position_notes": test.position_notes,
        "test": test.test,
        **{f: getattr(test.context, f) for f in CONTEXT_FIELDS},
        "body_mass_kg": None if mass is None else mass.kg,
        "body_mass_measured": None if mass is None else mass.measured,
        "device_id": test.device_id,
        "calibration_id": test.calibration_id,
        "n_samples": test.n_samples,
        "samples_sha256": samples_sha256(trace),
        "engine_version": a.engine_version if a else None,
        "verdict": a.verdict if a else None,
        "therapist_verdict": test.therapist_verdict,
        "efforts": len(a.efforts) if a else 0,
        **metrics,
        **{m.key: m.value for m in measures},
        "withheld": "; ".join(f"{m.key}: {m.why}" for m in measures if m.value is None),
        "notes": test.notes,
    }


def _trace_rows(store: Store, tests: Iterable[MuscleTest]) -> Iterable[dict[str, Any]]:
    for test in tests:
        trace = store.load_trace(test.id)
        gyro = trace.gyro.tolist() if trace.gyro is not None else [None] * len(trace)
        for t, f, g in zip(trace.t.tolist(), trace.force.tolist(), gyro, strict=True):
            yield {"test_id": test.id, "time_s": t, "force_n": f, "gyro_dps": g}


def _trace_json(store: Store, test_id: int, pseudonymise: bool) -> dict[str, Any]:
    trace = store.load_trace(test_id)
    metadata = dict(trace.metadata)
    if pseudonymise:
        metadata = {k: v for k, v in metadata.items() if k in SAFE_METADATA}
    return {
        "test_id": test_id,
        "metadata": metadata,
        "time_s": trace.t.tolist(),
        "force_n": trace.force.tolist(),
        "gyro_dps": None if trace.gyro is None else trace.gyro.tolist(),
    }


def csv_text(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([_cell(row[c]) for c in columns] for row in rows)
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return _inert(str(value))


_FORMULA_START = ("=", "+", "-", "@")
_CONTROL = dict.fromkeys([*range(0x00, 0x20), *range(0x7F, 0xA0)])


def _inert(text: str) -> str:
    """Text a spreadsheet shows as text: control characters out, formulas quoted."""
    text = text.translate(_CONTROL)
    return "'" + text if text.startswith(_FORMULA_START) else text
