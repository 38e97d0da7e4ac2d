"""One row per test in the shape clinics' strength-analytics tools import, plus our columns.

Their exports and imports share a core: who (a profile), when (date and time,
here UTC), which movement, the patient position (the recorded one, else the
position notes), the side, and the peak.
nkt-dyno tests muscles, so ``movement`` is the muscle's name. Our columns
follow: the verdicts, the test's context, the derived measures (empty where
withheld; ``withheld`` says why), the device, the calibration record and the
SHA-256 of the samples. Built from the summary export's rows, so the same
pseudonymisation applies: ``profile`` is the client's store id, or the keyed
pseudonym; position notes are free text and are left out of a pseudonymised
file. Cells are neutralised for spreadsheets as in the summary export.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nkt_dyno.context import FIELDS as CONTEXT_FIELDS
from nkt_dyno.derived import KEYS as DERIVED_KEYS
from nkt_dyno.files import write_private
from nkt_dyno.store._export import csv_text, destination, summary_rows
from nkt_dyno.store._store import Store

LATERALITY = {"L": "Left", "R": "Right", "both": "Both"}
COLUMNS: tuple[str, ...] = (
    "profile",
    "date_utc",
    "movement",
    "position",
    "laterality",
    "peak_n",
    "test_id",
    "test",
    "condition",
    "verdict",
    "therapist_verdict",
    "break_force_n",
    "time_to_peak_s",
    *CONTEXT_FIELDS,
    "body_mass_kg",
    *DERIVED_KEYS,
    "withheld",
    "device_id",
    "calibration_id",
    "samples_sha256",
    "sex",
)


def export_clinic_csv(
    store: Store, session_id: int, out_dir: str | os.PathLike[str], *, pseudonymise: bool = False
) -> Path:
    """Write the session's tests as ``...-tests.csv`` into ``out_dir``; return its path."""
    mask, (path,) = destination(store, session_id, out_dir, ("tests.csv",), pseudonymise)
    profile = str(store.get_session(session_id).client_id) if mask is None else mask.client
    rows = [clinic_row(row, profile) for row in summary_rows(store, session_id, mask)]
    write_private(path, csv_text(rows, COLUMNS), encoding="utf-8-sig", replace=mask is None)
    return path


def clinic_row(row: Mapping[str, Any], profile: str) -> dict[str, Any]:
    """A summary row in the clinic layout."""
    return {
        **{c: row.get(c) for c in COLUMNS},
        "profile": profile,
        "date_utc": date_utc(str(row["recorded"])),
        "movement": row["muscle"],
        "position": row["patient_position"] or row["position_notes"],
        "laterality": LATERALITY[str(row["side"])],
    }


def date_utc(stamp: str) -> str:
    """``2026-03-04 09:30:12``: the time in UTC, as spreadsheets read a date and time."""
    when = dt.datetime.fromisoformat(stamp)
    if when.tzinfo is None:
        when = when.astimezone()
    return when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
