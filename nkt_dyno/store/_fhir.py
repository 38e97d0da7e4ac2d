"""A session as one FHIR R4 Bundle: the client and one Observation per test.

Built from the same rows as the summary export (:func:`summary_rows`), so the
two never disagree and a pseudonymised bundle follows the same rules: no
Patient resource, only the keyed pseudonym as the subject's identifier, no
name, no birth year, shifted times, no free text, and no bundle timestamp
(an export made right after the visit would date it).

Codes are only those that exist: SNOMED CT 251433001 "Grip strength" for a
grip test, SNOMED CT laterality qualifiers for the side, the ``exam``
observation category. Any other muscle test has no standard code, so its
code is text (the muscle's name), as are the components' codes. Units are
UCUM. Before a file is written the bundle is parsed with the ``fhir.resources``
models (the optional ``fhir`` extra; its R4B models, whose Bundle, Patient and
Observation have the R4 structure), so an invalid bundle is never written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nkt_dyno.files import write_private
from nkt_dyno.store._errors import StoreError
from nkt_dyno.store._export import Pseudonyms, destination, summary_rows
from nkt_dyno.store._store import Store

INSTALL_HINT = "pip install 'nkt-dyno[fhir]'"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
GRIP_STRENGTH = ("251433001", "Grip strength (observable entity)")
GRIP_MUSCLES = frozenset({"grip", "hand grip", "handgrip", "grip strength"})
"""Muscle names (custom catalogue entries) that are a hand grip test."""
LATERALITY = {
    "L": ("7771000", "Left"),
    "R": ("24028007", "Right"),
    "both": ("51440002", "Right and left"),
}
QUANTITIES: tuple[tuple[str, str, str], ...] = (
    ("break_force_n", "force at break", "N"),
    ("time_to_peak_s", "time to peak", "s"),
    ("lever_arm_m", "lever arm", "m"),
    ("joint_angle_deg", "joint angle", "deg"),
    ("body_mass_kg", "body mass", "kg"),
    ("torque_nm", "torque", "N.m"),
    ("n_per_kg", "force / body mass", "N/kg"),
    ("pct_bw", "force, % body weight", "%"),
    ("nm_per_kg", "torque / body mass", "N.m/kg"),
    ("rfd_0_50_n_per_s", "RFD 0-50 ms", "N/s"),
    ("rfd_0_100_n_per_s", "RFD 0-100 ms", "N/s"),
    ("rfd_0_200_n_per_s", "RFD 0-200 ms", "N/s"),
    ("rfd_20_80_n_per_s", "RFD 20-80 %", "N/s"),
    ("impulse_n_s", "impulse", "N.s"),
)
"""Summary columns given as Quantity components: (column, component text, UCUM unit)."""
TEXTS: tuple[tuple[str, str], ...] = (
    ("test", "test method (make or break)"),
    ("fixation", "fixation"),
    ("mmt_grade", "MMT grade"),
    ("patient_position", "patient position"),
    ("verdict", "verdict"),
    ("therapist_verdict", "therapist verdict"),
    ("calibration_id", "calibration record"),
    ("engine_version", "analysis engine version"),
    ("samples_sha256", "SHA-256 of the samples"),
)
"""Summary columns given as string components: (column, component text)."""


class FhirUnavailableError(StoreError):
    """The FHIR export needs the optional ``fhir.resources`` package."""


def export_fhir(
    store: Store, session_id: int, out_dir: str | os.PathLike[str], *, pseudonymise: bool = False
) -> Path:
    """Write the session as ``...-fhir.json`` (a validated Bundle) into ``out_dir``."""
    validate = _validator()
    mask, (path,) = destination(store, session_id, out_dir, ("fhir.json",), pseudonymise)
    bundle = session_bundle(store, session_id, mask)
    validate(bundle)
    text = json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"
    write_private(path, text, encoding="utf-8", replace=mask is None)
    return path


def session_bundle(store: Store, session_id: int, mask: Pseudonyms | None) -> dict[str, Any]:
    """The session as a FHIR ``collection`` Bundle (plain JSON data)."""
    rows = summary_rows(store, session_id, mask)
    entries: list[dict[str, Any]] = []
    if mask is None:
        client = store.get_client(store.get_session(session_id).client_id)
        patient_url = _urn()
        patient: dict[str, Any] = {"resourceType": "Patient", "name": [{"text": client.name}]}
        if client.birth_year is not None:
            patient["birthDate"] = f"{client.birth_year:04d}"
        if client.sex is not None:
            patient["gender"] = client.sex
        entries.append({"fullUrl": patient_url, "resource": patient})
        subject: dict[str, Any] = {"reference": patient_url, "display": client.name}
    else:
        subject = {"identifier": {"value": mask.client}, "display": mask.client}
    entries += [{"fullUrl": _urn(), "resource": observation(row, subject)} for row in rows]
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if mask is None:
        # Not when pseudonymised: an export made right after the visit would date it.
        bundle["timestamp"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    bundle["entry"] = entries
    return bundle


def observation(row: Mapping[str, Any], subject: Mapping[str, Any]) -> dict[str, Any]:
    """One test (a summary row) as an Observation: the peak force and its components."""
    muscle = str(row["muscle"])
    code: dict[str, Any] = {"text": f"{muscle} strength, handheld dynamometry"}
    if muscle.strip().lower() in GRIP_MUSCLES:
        number, display = GRIP_STRENGTH
        code["coding"] = [{"system": SNOMED, "code": number, "display": display}]
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam", "display": "Exam"}]}
        ],
        "code": code,
        "subject": dict(subject),
        "effectiveDateTime": utc(str(row["recorded"])),
    }
    if row.get("examiner"):
        obs["performer"] = [{"display": str(row["examiner"])}]
    if row.get("device_id"):
        obs["device"] = {"display": str(row["device_id"])}
    obs["method"] = {"text": f"{row['test']} test"}
    if row.get("peak_n") is None:
        obs["dataAbsentReason"] = {"text": "no effort found in the recording"}
    else:
        obs["valueQuantity"] = quantity(float(row["peak_n"]), "N")
    obs["component"] = components(row)
    return obs


def components(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Side, method, context, verdicts, force at break and derived measures, where given."""
    out: list[dict[str, Any]] = []
    number, display = LATERALITY[str(row["side"])]
    out.append(
        {
            "code": {"text": "laterality"},
            "valueCodeableConcept": {
                "coding": [{"system": SNOMED, "code": number, "display": display}],
                "text": display,
            },
        }
    )
    for column, text in TEXTS:
        if row.get(column) not in (None, ""):
            out.append({"code": {"text": text}, "valueString": str(row[column])})
    if row.get("pain") is not None:
        out.append({"code": {"text": "pain (0-10)"}, "valueInteger": int(row["pain"])})
    for column, text, unit in QUANTITIES:
        if row.get(column) is not None:
            out.append({"code": {"text": text}, "valueQuantity": quantity(row[column], unit)})
    return out


def quantity(value: float, unit: str) -> dict[str, Any]:
    """A UCUM Quantity; the value exactly as stored (JSON keeps every digit of a float)."""
    return {"value": float(value), "unit": unit, "system": UCUM, "code": unit}


def utc(stamp: str) -> str:
    """An ISO time with its offset, as UTC (FHIR dateTime needs the zone)."""
    when = dt.datetime.fromisoformat(stamp)
    if when.tzinfo is None:
        when = when.astimezone()
    return when.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_bundle(data: Mapping[str, Any]) -> Any:
    """``data`` parsed with the ``fhir.resources`` Bundle model (raises if invalid)."""
    return _validator()(data)


def _validator() -> Any:
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError:
        raise FhirUnavailableError(
            f"the FHIR export needs the fhir.resources package: install it with {INSTALL_HINT}"
        ) from None
    return Bundle.model_validate


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"
