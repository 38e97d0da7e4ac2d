"""Calibration of force devices: tare, known-mass fit, verification, records.

Pure numerics on arrays of readings; it knows nothing of radios, devices or
the GUI. Raw readings are the device's nominal newtons, as the codecs in
``firmware_protocol`` report them; a :class:`Correction` turns them into
calibrated newtons.

Typical use::

    record = run_calibration(read_window, [0, 5, 10, 20], prompt,
                             device_id="C4:7F:...", device_model="Tindeq Progressor")
    record.save(path)
    force_n = CalibrationRecord.load(path).correction()(raw_block)
"""

from calibration._correction import Correction
from calibration._errors import CalibrationError, Reason, RecordError
from calibration._fit import (
    CalibrationPoint,
    Direction,
    Fit,
    FitOptions,
    Quality,
    assess,
    check_masses,
    fit_points,
)
from calibration._flow import (
    Hang,
    Prompt,
    ReadWindow,
    calibration_sequence,
    read_stable,
    run_calibration,
    run_verification,
)
from calibration._record import SCHEMA_NAME, SCHEMA_VERSION, CalibrationRecord, calibrate
from calibration._stability import StabilityLimits, WindowStats, stable_mean, tare, window_stats
from calibration._units import (
    POUND_MASS_KG,
    STANDARD_GRAVITY,
    Unit,
    from_newtons,
    mass_to_force,
    parse_unit,
    to_newtons,
)
from calibration._verify import (
    DEFAULT_TOLERANCE_FLOOR_N,
    DEFAULT_TOLERANCE_FRACTION,
    Verification,
    tolerance_n,
    verify,
)
from calibration.certificate import render_certificate

__all__ = [
    "DEFAULT_TOLERANCE_FLOOR_N",
    "DEFAULT_TOLERANCE_FRACTION",
    "POUND_MASS_KG",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "STANDARD_GRAVITY",
    "CalibrationError",
    "CalibrationPoint",
    "CalibrationRecord",
    "Correction",
    "Direction",
    "Fit",
    "FitOptions",
    "Hang",
    "Prompt",
    "Quality",
    "ReadWindow",
    "Reason",
    "RecordError",
    "StabilityLimits",
    "Unit",
    "Verification",
    "WindowStats",
    "assess",
    "calibrate",
    "calibration_sequence",
    "check_masses",
    "fit_points",
    "from_newtons",
    "mass_to_force",
    "parse_unit",
    "read_stable",
    "render_certificate",
    "run_calibration",
    "run_verification",
    "stable_mean",
    "tare",
    "to_newtons",
    "tolerance_n",
    "verify",
    "window_stats",
]
