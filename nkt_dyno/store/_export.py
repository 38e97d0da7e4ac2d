"""Exporting a session: a summary file (one row per test) and a trace file.

CSV files start with a UTF-8 byte-order mark so spreadsheet programs read
accents correctly; numbers are written with ``repr`` (shortest text that
reads back to the same float), so traces export losslessly. Files are
written to a temporary name (mode 0600) and renamed: no half-written
exports, and no health data readable by other users of the machine.

``pseudonymise`` replaces client and examiner names by ``client-<id>`` /
``examiner-<id>``, and drops free-text notes and trace metadata other than
the technical keys, since any of those may name a person.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from nkt_dyno.store._models import MuscleTest, primary_effort
from nkt_dyno.store._store import Store

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
"""Metrics of the primary effort, in DESIGN §2 order, as summary columns."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "session_id",
    "session_started",
    "client",
    "birth_year",
    "examiner",
    "session_notes",
    "test_id",
    "recorded",
    "muscle",
    "side",
    "condition",
    "challenge_target",
    "position_notes",
    "device_id",
    "calibration_id",
    "n_samples",
    "engine_version",
    "verdict",
    "therapist_verdict",
    "efforts",
    *METRIC_KEYS,
    "notes",
)
TRACE_COLUMNS: tuple[str, ...] = ("test_id", "time_s", "force_n", "gyro_dps")

SAFE_METADATA = frozenset({"sample_rate_hz", "device", "source_format", "unit"})


def export_session(
    store: Store,
    session_id: int,
    out_dir: str | os.PathLike[str],
    *,
    fmt: Format = "csv",
    pseudonymise: bool = False,
) -> list[Path]:
    """Write ``session-<id>-summary.<fmt>`` and ``session-<id>-traces.<fmt>``; return paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = _summary_rows(store, session_id, pseudonymise)
    tests = store.tests(session_id)
    paths = [
        out / f"session-{session_id}-summary.{fmt}",
        out / f"session-{session_id}-traces.{fmt}",
    ]
    if fmt == "csv":
        _write_atomic(paths[0], _csv(summary, SUMMARY_COLUMNS))
        _write_atomic(paths[1], _csv(_trace_rows(store, tests), TRACE_COLUMNS))
    else:
        _write_atomic(paths[0], json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
        traces = [_trace_json(store, t.id, pseudonymise) for t in tests]
        _write_atomic(paths[1], json.dumps(traces, ensure_ascii=False) + "\n")
    return paths


def _summary_rows(store: Store, session_id: int, pseudonymise: bool) -> list[dict[str, Any]]:
    session = store.get_session(session_id)
    client = store.get_client(session.client_id)
    examiner = store.get_examiner(session.examiner_id) if session.examiner_id else None
    context = {
        "session_id": session.id,
        "session_started": session.started,
        "client": f"client-{client.id}" if pseudonymise else client.name,
        "birth_year": client.birth_year,
        "examiner": (
            None
            if examiner is None
            else f"examiner-{examiner.id}"
            if pseudonymise
            else examiner.name
        ),
        "session_notes": "" if pseudonymise else session.notes,
    }
    return [context | _test_fields(t, pseudonymise) for t in store.tests(session_id)]


def _test_fields(test: MuscleTest, pseudonymise: bool) -> dict[str, Any]:
    a = test.analysis
    primary = (primary_effort(a.efforts) if a else None) or {}
    metrics = {k: primary.get(k) for k in METRIC_KEYS}
    if isinstance(metrics["reasons"], list):
        metrics["reasons"] = "; ".join(str(r) for r in metrics["reasons"])
    return {
        "test_id": test.id,
        "recorded": test.recorded,
        "muscle": test.muscle,
        "side": test.side,
        "condition": test.condition,
        "challenge_target": test.challenge_target,
        "position_notes": test.position_notes,
        "device_id": test.device_id,
        "calibration_id": test.calibration_id,
        "n_samples": test.n_samples,
        "engine_version": a.engine_version if a else None,
        "verdict": a.verdict if a else None,
        "therapist_verdict": test.therapist_verdict,
        "efforts": len(a.efforts) if a else 0,
        **metrics,
        "notes": "" if pseudonymise else test.notes,
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


def _csv(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([_cell(row[c]) for c in columns] for row in rows)
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        bom = "utf-8-sig" if path.suffix == ".csv" else "utf-8"
        with os.fdopen(fd, "w", encoding=bom, newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
