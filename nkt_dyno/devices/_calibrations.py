"""Where a device's calibration record lives, so every connection finds the same one.

``nkt-dyno calibrate`` saves the record as ``calibrations/<device>.json`` next to
the store, keyed by the name the device is opened by (its address, or
``sim:<kind>``); ``verify``, ``record`` and :func:`open_device` read it from
there. Saving again replaces it, so the file holds the latest calibration.
"""

from __future__ import annotations

from pathlib import Path

from calibration import CalibrationRecord

FOLDER = "calibrations"


def record_path(device: str) -> Path:
    """The record file of ``device`` (an address or ``sim:<kind>``)."""
    from nkt_dyno.store._paths import default_path

    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in device)
    return default_path().parent / FOLDER / f"{safe}.json"


def latest_record(device: str) -> CalibrationRecord | None:
    """The saved calibration of ``device``; None if it was never calibrated.

    Raises
    ------
    calibration.RecordError
        The file exists but is not a readable record (better refused than
        silently measuring uncalibrated).
    """
    path = record_path(device)
    if not path.is_file():
        return None
    return CalibrationRecord.load(path)
