"""The interactive calibration and verification procedures, free of I/O.

The caller supplies two functions: one that shows an instruction and waits
until the operator confirms it (``input`` in a terminal, a dialog in the GUI,
a no-op in ``--yes`` mode), and one that reads a window of raw samples of a
given length from the device. A third, optional one places the load for a
motorised rig or a simulated device. Everything else (order of masses, retries
while the load swings, fitting) lives here, so the CLI, the GUI wizard and
the tests run the same procedure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
import numpy.typing as npt

from calibration._correction import Correction
from calibration._errors import CalibrationError
from calibration._fit import CalibrationPoint, Direction, FitOptions, check_masses
from calibration._record import CalibrationRecord, calibrate
from calibration._stability import StabilityLimits, WindowStats, stable_mean
from calibration._units import STANDARD_GRAVITY, check_gravity
from calibration._verify import (
    DEFAULT_TOLERANCE_FLOOR_N,
    DEFAULT_TOLERANCE_FRACTION,
    Verification,
    verify,
)

ReadWindow = Callable[[float], npt.NDArray[np.float64]]
"""``read_window(seconds)``: raw samples (nominal N) read over that many seconds."""

Prompt = Callable[[str], None]
"""``prompt(instruction)``: show it and return once the operator has done it."""

Hang = Callable[[float], None]
"""``hang(mass_kg)``: a rig or simulator placing the load itself, before the prompt."""


def calibration_sequence(
    masses_kg: Sequence[float], unloading: bool = True
) -> list[tuple[float, Direction]]:
    """Order in which masses are hung: rising, then (optionally) falling.

    The heaviest mass is read once, at the turn; the falling series repeats
    the others so that hysteresis can be measured.

    Raises
    ------
    ValueError
        If a mass is negative, not finite, or given twice.

    Examples
    --------
    >>> [(m, d.value[0]) for m, d in calibration_sequence([0, 10, 5])]
    [(0.0, 'l'), (5.0, 'l'), (10.0, 'l'), (5.0, 'u'), (0.0, 'u')]
    """
    masses = sorted(float(m) for m in masses_kg)
    if not all(np.isfinite(m) and m >= 0 for m in masses):
        raise ValueError(f"masses_kg: expected finite masses >= 0, got {list(masses_kg)!r}")
    if len(set(masses)) != len(masses):
        raise ValueError(f"masses_kg: a mass is listed twice in {list(masses_kg)!r}")
    order = [(m, Direction.LOADING) for m in masses]
    if unloading:
        order += [(m, Direction.UNLOADING) for m in reversed(masses[:-1])]
    return order


def read_stable(
    read_window: ReadWindow,
    prompt: Prompt,
    window_s: float,
    limits: StabilityLimits | None = None,
    attempts: int = 3,
    correction: Correction | None = None,
) -> WindowStats:
    """Read windows until one is stable, asking the operator to steady the load.

    The sample rate for the drift test is taken as ``len(window) / window_s``.
    With `correction`, the samples are corrected before they are judged.

    Raises
    ------
    CalibrationError
        The last refusal, once `attempts` windows were all unstable.
    ValueError
        If `window_s` is not positive or `attempts` < 1.
    """
    if not (np.isfinite(window_s) and window_s > 0):
        raise ValueError(f"window_s: expected > 0 s, got {window_s!r}")
    if attempts < 1:
        raise ValueError(f"attempts: expected >= 1, got {attempts!r}")
    for attempt in range(1, attempts):
        try:
            return _read_once(read_window, window_s, limits, correction)
        except CalibrationError as exc:
            prompt(f"{exc.args[0]}; steady the load (attempt {attempt + 1} of {attempts})")
    return _read_once(read_window, window_s, limits, correction)


def _read_once(
    read_window: ReadWindow,
    window_s: float,
    limits: StabilityLimits | None,
    correction: Correction | None,
) -> WindowStats:
    samples = np.asarray(read_window(window_s), dtype=np.float64)
    if correction is not None:
        samples = correction(samples)
    return stable_mean(samples, samples.size / window_s, limits)


def run_calibration(
    read_window: ReadWindow,
    masses_kg: Sequence[float],
    prompt: Prompt,
    device_id: str,
    device_model: str,
    window_s: float = 2.0,
    unloading: bool = True,
    gravity: float = STANDARD_GRAVITY,
    operator: str = "",
    options: FitOptions | None = None,
    limits: StabilityLimits | None = None,
    attempts: int = 3,
    device_side_calibration: bool = False,
    note: str = "",
    created: datetime | None = None,
    hang: Hang | None = None,
) -> CalibrationRecord:
    """Walk the operator through a known-mass calibration and fit it.

    Parameters
    ----------
    read_window : callable
        ``read_window(seconds) -> raw samples``; the device must be read
        *without* any previous correction.
    masses_kg : sequence of float
        Distinct masses, kg; include 0 for the unloaded device.
    prompt : callable
        Shows an instruction such as ``"Hang 5 kg"`` and returns when done.
    device_id, device_model : str
        Identify the device in the record.
    window_s : float
        Length of each reading window, s (default 2).
    unloading : bool
        Also read the masses on the way down (default True), for hysteresis.
    gravity : float
        Local g, m/s^2.
    operator, note, device_side_calibration, created
        Stored in the record.
    options : FitOptions, optional
        Fit acceptance rules.
    limits : StabilityLimits, optional
        Stillness required of each window.
    attempts : int
        Windows tried per mass before giving up (default 3).
    hang : callable, optional
        Called with each mass (kg) before its prompt.

    Returns
    -------
    CalibrationRecord

    Raises
    ------
    CalibrationError
        The masses cannot calibrate (refused before anything is hung), a mass
        never held still, or the fit was refused.
    ValueError
        For invalid arguments.
    """
    options = options or FitOptions()
    check_gravity(gravity)
    order = calibration_sequence(masses_kg, unloading)
    check_masses([m for m, _ in order], gravity, options)
    points = []
    for mass, direction in order:
        if hang is not None:
            hang(mass)
        prompt(_instruction(mass))
        stats = read_stable(read_window, prompt, window_s, limits, attempts)
        points.append(CalibrationPoint(mass, stats.mean, direction, stats.sd, stats.n))
    return calibrate(
        points,
        device_id=device_id,
        device_model=device_model,
        gravity=gravity,
        operator=operator,
        options=options,
        device_side_calibration=device_side_calibration,
        note=note,
        created=created,
    )


def run_verification(
    read_window: ReadWindow,
    mass_kg: float,
    prompt: Prompt,
    correction: Correction,
    window_s: float = 2.0,
    gravity: float = STANDARD_GRAVITY,
    limits: StabilityLimits | None = None,
    attempts: int = 3,
    tolerance_fraction: float = DEFAULT_TOLERANCE_FRACTION,
    tolerance_floor_n: float = DEFAULT_TOLERANCE_FLOOR_N,
    hang: Hang | None = None,
) -> Verification:
    """Ask for a known mass, read it through `correction` and judge it.

    `read_window` returns raw samples, as for :func:`run_calibration`; pass
    ``record.correction()`` (tared if the device was zeroed since). `hang` is
    called with the mass before the prompt, as in :func:`run_calibration`.

    Raises
    ------
    CalibrationError
        If the reading never held still.
    ValueError
        For invalid arguments.
    """
    if not (np.isfinite(mass_kg) and mass_kg >= 0):
        raise ValueError(f"mass_kg: expected a finite mass >= 0, got {mass_kg!r}")
    if hang is not None:
        hang(float(mass_kg))
    prompt(_instruction(float(mass_kg)))
    stats = read_stable(read_window, prompt, window_s, limits, attempts, correction)
    return verify(stats.mean, mass_kg, gravity, tolerance_fraction, tolerance_floor_n)


def _instruction(mass_kg: float) -> str:
    if mass_kg == 0:
        return "Remove every mass and let the device hang unloaded"
    return f"Hang {mass_kg:g} kg"
