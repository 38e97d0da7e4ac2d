"""Errors raised by the calibration package.

Two kinds of failure are kept apart so a caller can react to each:

* a wrong argument (negative mass, NaN in a window, a unit name we do not
  know) is the caller's bug and raises :class:`ValueError`;
* measurements that cannot support a calibration (too few masses, a reading
  that still moves, readings that fall as the load rises) raise
  :class:`CalibrationError` with a :class:`Reason`, so a wizard can tell the
  operator what to do rather than show a traceback.

A calibration file that cannot be read raises :class:`RecordError`.
"""

from __future__ import annotations

import enum


class Reason(enum.Enum):
    """Why measurements were refused."""

    TOO_FEW_POINTS = "too_few_points"
    """Fewer than two distinct masses, or too few samples in a window."""
    TOO_CLOSE = "too_close"
    """The masses span too little force, or two masses are nearly equal."""
    UNSTABLE = "unstable"
    """The reading moved (spread or drift) while it should have been still."""
    NON_MONOTONIC = "non_monotonic"
    """A heavier mass read lower than a lighter one in the same series."""
    IMPLAUSIBLE_GAIN = "implausible_gain"
    """The fitted gain is far from 1, so the unit or the masses are wrong."""


class CalibrationError(Exception):
    """Measurements cannot support the requested tare, calibration or check.

    Parameters
    ----------
    reason : Reason
        Machine-readable cause.
    message : str
        What went wrong and what the operator can do about it.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.args[0]} [{self.reason.value}]"


class RecordError(ValueError):
    """A calibration record is malformed or of an unsupported version."""
