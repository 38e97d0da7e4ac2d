"""Measures derived from one effort: torque and body-mass normalisation, RFD, impulse.

A handheld reading in newtons depends on where the pad sat and on the
patient's size, so clinics report torque (force × lever arm) and normalise
by body mass. Rate of force development and impulse come from the trace and
the engine's onset; they are given only where the recording supports them,
and otherwise the measure says why instead of printing a number.

**The sample-rate rule.** A time window (0–50 ms from onset, the 20–80 %
rise...) is measured only when it spans at least :data:`MIN_SAMPLES_PER_WINDOW`
sample intervals at the recording's measured rate, and holds no gap. The
onset is known to about one sample interval; an error of one interval on a
window of ten changes the slope by at most 10 %. So 0–50 ms needs 200
samples/s, 0–100 ms 100/s, 0–200 ms 50/s: an 80 Hz Progressor gives the
0–200 ms RFD only, a 250 Hz Frez all three, an advertisement-only scale (about
10/s) none. A recording that began mid-push (the engine's ``loaded_start``)
has no onset, hence no RFD and no impulse.

Forces are above rest: the median of the 0.5 s before onset. Torque, N/kg,
%BW and N·m/kg are of the peak force.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Effort = Mapping[str, Any]

G = 9.80665
"""Standard gravity (m/s²): %BW is force ÷ (mass × g)."""
MIN_SAMPLES_PER_WINDOW = 10
"""Sample intervals a time window must span (see the module's rule)."""
RFD_WINDOWS_S: tuple[float, ...] = (0.05, 0.1, 0.2)
KEYS: tuple[str, ...] = (
    "torque_nm",
    "n_per_kg",
    "pct_bw",
    "nm_per_kg",
    *(f"rfd_0_{round(w * 1000)}_n_per_s" for w in RFD_WINDOWS_S),
    "rfd_20_80_n_per_s",
    "impulse_n_s",
)
"""Every measure's key, in the order :func:`derived_measures` returns them."""
REST_WINDOW_S = 0.5
END_FRACTION = 0.10
"""An effort has ended when the force is back within 10 % of its peak above rest."""


@dataclass(frozen=True, slots=True)
class Measure:
    """One derived figure, or the reason it is not given (``value`` None, ``why`` set)."""

    key: str
    """Column name in exports (``rfd_0_50_n_per_s``)."""
    label: str
    unit: str
    value: float | None
    why: str = ""

    def text(self, digits: int = 1) -> str:
        """``"412.0 N/s"``, or ``"— (why)"``."""
        if self.value is None:
            return f"— ({self.why})"
        return f"{self.value:.{digits}f} {self.unit}"


def derived_measures(
    t: npt.ArrayLike,
    force: npt.ArrayLike,
    effort: Effort | None,
    *,
    lever_arm_m: float | None = None,
    body_mass_kg: float | None = None,
) -> list[Measure]:
    """Every derived measure of ``effort`` (an engine result as a dict) in this trace."""
    tt = np.asarray(t, dtype=np.float64)
    ff = np.asarray(force, dtype=np.float64)
    peak = None if effort is None else effort.get("peak_n")
    return [
        *normalised(None if peak is None else float(peak), lever_arm_m, body_mass_kg),
        *rate_measures(tt, ff, effort),
    ]


def normalised(
    force_n: float | None, lever_arm_m: float | None, body_mass_kg: float | None
) -> list[Measure]:
    """Torque (N·m), N/kg, %BW and N·m/kg of ``force_n``, each where its inputs are known."""
    no_force = "no peak force"
    no_arm = "no lever arm recorded"
    no_mass = "no body mass on or before the test day"

    def measure(key: str, label: str, unit: str, value: float | None, why: str) -> Measure:
        return Measure(key, label, unit, value, "" if value is not None else why)

    torque = None if force_n is None or lever_arm_m is None else force_n * lever_arm_m
    per_kg = None if force_n is None or body_mass_kg is None else force_n / body_mass_kg
    return [
        measure("torque_nm", "Torque", "N·m", torque, no_force if force_n is None else no_arm),
        measure(
            "n_per_kg",
            "Force / body mass",
            "N/kg",
            per_kg,
            no_force if force_n is None else no_mass,
        ),
        measure(
            "pct_bw",
            "Force, % body weight",
            "%BW",
            None if per_kg is None else 100.0 * per_kg / G,
            no_force if force_n is None else no_mass,
        ),
        measure(
            "nm_per_kg",
            "Torque / body mass",
            "N·m/kg",
            None if torque is None or body_mass_kg is None else torque / body_mass_kg,
            no_force if force_n is None else (no_arm if lever_arm_m is None else no_mass),
        ),
    ]


def rate_measures(t: FloatArray, force: FloatArray, effort: Effort | None) -> list[Measure]:
    """RFD over 0–50, 0–100, 0–200 ms from onset, RFD 20–80 %, and the effort's impulse."""
    keys = [
        *(
            (f"rfd_0_{round(w * 1000)}_n_per_s", f"RFD 0–{round(w * 1000)} ms", "N/s")
            for w in RFD_WINDOWS_S
        ),
        ("rfd_20_80_n_per_s", "RFD 20–80 %", "N/s"),
        ("impulse_n_s", "Impulse", "N·s"),
    ]
    why = _no_onset(t, effort)
    if why:
        return [Measure(k, label, unit, None, why) for k, label, unit in keys]
    assert effort is not None
    onset = float(effort["onset_s"])
    spacing = float(np.median(np.diff(t)))
    rest = rest_level(t, force, onset)
    out = [
        _window(key, label, unit, t, force, onset, onset + w, spacing)
        for (key, label, unit), w in zip(keys, RFD_WINDOWS_S, strict=False)
    ]
    out.append(_rfd_20_80(*keys[3], t, force, effort, rest, spacing))
    out.append(_impulse(*keys[4], t, force, effort, rest, spacing))
    return out


def rest_level(t: FloatArray, force: FloatArray, onset_s: float) -> float:
    """Force at rest (N): the median over the 0.5 s before onset, else the first sample."""
    before = (t < onset_s) & (t >= onset_s - REST_WINDOW_S)
    return float(np.median(force[before])) if np.any(before) else float(force[0])


def effort_end_s(t: FloatArray, force: FloatArray, effort: Effort) -> float | None:
    """When the force fell back within :data:`END_FRACTION` of the peak above rest (s).

    The end of the recording when it never did; ``None`` without onset/peak.
    """
    onset, peak_s, peak = effort.get("onset_s"), effort.get("peak_s"), effort.get("peak_n")
    if onset is None or peak_s is None or peak is None:
        return None
    rest = rest_level(t, force, float(onset))
    after = np.flatnonzero((t > peak_s) & (force - rest < END_FRACTION * float(peak)))
    return float(t[after[0]]) if after.size else float(t[-1])


def samples_needed_hz(window_s: float) -> float:
    """The lowest sample rate at which a window of ``window_s`` is measured."""
    return MIN_SAMPLES_PER_WINDOW / window_s


# -- the pieces -------------------------------------------------------------------------


def _no_onset(t: FloatArray, effort: Effort | None) -> str:
    if effort is None or effort.get("onset_s") is None or effort.get("peak_s") is None:
        return "no effort found"
    if "loaded_start" in (effort.get("flags") or ()):
        return "the recording began mid-push: no onset"
    if t.size < 2:
        return "too few samples"
    return ""


def _too_coarse(span_s: float, spacing: float, what: str) -> str:
    # 1 % slack: a nominal 200/s stream measures 199.9/s and its 50 ms still spans 10 samples.
    if span_s >= MIN_SAMPLES_PER_WINDOW * spacing * 0.99:
        return ""
    need = samples_needed_hz(span_s)
    return (
        f"{what} spans {span_s / spacing:.2g} samples at {1 / spacing:.0f}/s; "
        f"{MIN_SAMPLES_PER_WINDOW} needed ({need:.0f} samples/s)"
    )


def _gap_inside(t: FloatArray, start: float, end: float, spacing: float) -> bool:
    """Whether the samples bracketing ``start``..``end`` have a hole (as :func:`find_gaps`)."""
    lo = max(int(np.searchsorted(t, start)) - 1, 0)
    hi = int(np.searchsorted(t, end))
    return bool(np.any(np.diff(t[lo : hi + 1]) >= 1.9 * spacing))


def _window(
    key: str,
    label: str,
    unit: str,
    t: FloatArray,
    force: FloatArray,
    start: float,
    end: float,
    spacing: float,
) -> Measure:
    why = _too_coarse(end - start, spacing, "the window")
    if not why and end > t[-1]:
        why = "the recording ends inside the window"
    if not why and _gap_inside(t, start, end, spacing):
        why = "samples are missing inside the window"
    if why:
        return Measure(key, label, unit, None, why)
    rise = float(np.interp(end, t, force) - np.interp(start, t, force))
    return Measure(key, label, unit, rise / (end - start))


def _rfd_20_80(
    key: str,
    label: str,
    unit: str,
    t: FloatArray,
    force: FloatArray,
    effort: Effort,
    rest: float,
    spacing: float,
) -> Measure:
    onset, peak_s = float(effort["onset_s"]), float(effort["peak_s"])
    rising = (t >= onset) & (t <= peak_s)
    tr, fr = t[rising], force[rising] - rest
    if tr.size < 2 or fr[-1] <= 0:
        return Measure(key, label, unit, None, "no rise to the peak")
    peak = float(fr[-1])
    t20, t80 = (_first_crossing(tr, fr, frac * peak) for frac in (0.2, 0.8))
    why = _too_coarse(t80 - t20, spacing, "the 20–80 % rise")
    if not why and _gap_inside(t, t20, t80, spacing):
        why = "samples are missing inside the rise"
    if why:
        return Measure(key, label, unit, None, why)
    return Measure(key, label, unit, 0.6 * peak / (t80 - t20))


def _impulse(
    key: str,
    label: str,
    unit: str,
    t: FloatArray,
    force: FloatArray,
    effort: Effort,
    rest: float,
    spacing: float,
) -> Measure:
    onset = float(effort["onset_s"])
    end = effort_end_s(t, force, effort)
    assert end is not None
    why = _too_coarse(end - onset, spacing, "the effort")
    if why:
        return Measure(key, label, unit, None, why)
    inside = (t > onset) & (t < end)
    times = np.concatenate(([onset], t[inside], [end]))
    above = np.interp(times, t, force) - rest
    area = float(np.sum((above[1:] + above[:-1]) * np.diff(times)) / 2.0)
    return Measure(key, label, unit, area)


def _first_crossing(t: FloatArray, f: FloatArray, level: float) -> float:
    """The first time ``f`` reaches ``level``, interpolated between samples."""
    i = int(np.argmax(f >= level))
    if i == 0:
        return float(t[0])
    return float(np.interp(level, [f[i - 1], f[i]], [t[i - 1], t[i]]))
