"""Per-effort metrics and verdict, computed once the effort is over (DESIGN §2)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import signal

from ._config import DetectorConfig
from ._events import EffortResult
from ._history import G, History, S, T, Y

__all__ = ["EffortState", "effort_result"]

FloatArray = npt.NDArray[np.float64]


@dataclass
class EffortState:
    """What the detector carries through one effort (absolute sample numbers)."""

    start_k: int
    cross_k: int
    armed_k: int
    b0: float
    sd0: float
    on_thr: float
    gm0: float
    g_thr: float
    g_band: float
    pk: float
    pk_k: int
    top: float
    top_k: int
    g_last_rest: int
    g_ang: float = 0.0
    g_ang_rest: float = 0.0
    wobbles: list[tuple[int, float]] = field(default_factory=list)
    """Dips regained so far: where the top each fell from was and its depth (share of it)."""
    sub: int = 0
    fall_top: float = 0.0
    fall_top_k: int = -1
    fall_k: int = -1
    break_k: int = -1
    break_src: str = ""
    level_k: int = -1
    fall_drop: float = 0.0
    fall_dur: float = 0.0
    eased: float = 0.0
    stair_top: float = 0.0
    """Top of the first of the steps the force has eased down by since it last rose."""
    stair_level: float = 0.0
    """The level the last of those steps came down to."""
    withdrawn: int = 0
    fall_bottom: float = 0.0
    held_break: tuple[int, float, float, int] | None = None
    late_k: int = -1
    late_bottom: float = 0.0
    late_drop: float = 0.0
    stopped: bool = False
    swept_fall: bool = False
    """The yield was seen as the limb sweeping degrees while the force fell to a level."""
    settled: bool = False
    stepped: bool = False
    holes: list[float] = field(default_factory=list)
    """Lengths (s) of the holes without samples inside the effort."""
    track_k: int = -1
    """Where the last regained dip bottomed out: the push is measured anew from there."""
    sharp: bool = False
    low_k: int = -1
    """Since when the force has stayed low after an easing off (a new rest level?)."""
    motion: bool = False
    level_t: float = math.inf
    back_level: float = 0.0
    rest_unseen: bool = False
    unseen_cap: float = math.inf
    """Release level (above ``b0``) of an effort whose rest was never seen: the
    force must also fall below half the level it started at (a tared sensor
    returns near zero; a dip during a loaded start does not go that low)."""
    loaded: bool = False
    rec_t0: float = -math.inf


CONFIDENCE = {
    "gyro": 0.99,
    "fall": 0.99,
    "stopped": 0.92,
    "late": 0.95,
    "release": 0.98,
    "end": 0.97,
    "short": 0.3,
    "cut": 0.5,
}
"""Share of right calls per rule, pooled over every source of ``bench/accuracy.py``
(engine 2.4.0: ``python bench/accuracy.py --gyro --loso`` prints the table it
fits). ``end`` (24 calls, all right) is kept below certainty; ``short`` and
``cut`` are too rare there to measure and say only that such a call is a guess."""


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), nd)


def _crossing(t: FloatArray, z: FloatArray, i: int, level: float) -> float:
    """Time between samples ``i`` and ``i+1`` where ``z`` crosses ``level`` upwards."""
    if i + 1 >= z.size or z[i + 1] <= z[i]:
        return float(t[i])
    frac = min(max((level - z[i]) / (z[i + 1] - z[i]), 0.0), 1.0)
    return float(t[i] + frac * (t[i + 1] - t[i]))


def _slope(t: FloatArray, z: FloatArray) -> float | None:
    """Least-squares slope (N/s); ``None`` below three points."""
    if t.size < 3:
        return None
    tc = t - t.mean()
    den = float(tc @ tc)
    return float(tc @ (z - z.mean()) / den) if den > 0 else None


@functools.lru_cache(maxsize=64)
def _tremor_band(fs: float) -> tuple[FloatArray, FloatArray]:
    """The 8–12 Hz band-pass and its unit steady state, designed once per rate (shared)."""
    sos = signal.butter(2, [8.0, 12.0], btype="bandpass", fs=fs, output="sos")
    return sos, signal.sosfilt_zi(sos)


def _tremor(g: FloatArray, mask: npt.NDArray[np.bool_], fs: float) -> float | None:
    """RMS of the 8–12 Hz band of the unfiltered force where ``mask`` (plateau).

    The band-pass runs over the whole effort so its start-up transient has
    died out by the plateau; ``None`` if the plateau is shorter than 0.2 s
    (under two tremor periods an RMS means little).
    """
    if mask.sum() < 0.2 * fs:
        return None
    sos, zi = _tremor_band(fs)
    band, _ = signal.sosfilt(sos, g, zi=zi * g[0])
    return float(np.sqrt(np.mean(band[mask] ** 2)))


def effort_result(
    index: int,
    hist: History,
    e: EffortState,
    end_k: int,
    how: str,
    c: DetectorConfig,
    d_ev: float,
    d_sm: float,
    test: str,
) -> EffortResult:
    """Metrics of the effort from its departure to ``end_k`` and the verdict.

    ``how`` is why it ended: ``"release"`` (back to rest), ``"end"`` (stream
    ended first) or ``"too_long"`` (``max_effort_s``).
    """
    lo = max(hist.offset, e.start_k - round(1.0 * c.grid_hz))
    k = np.arange(lo, end_k + 1)
    t = hist.row(T, lo, end_k + 1) - d_ev
    z = hist.row(Y, lo, end_k + 1) - e.b0
    zs = hist.row(S, lo, end_k + 1) - e.b0
    s0 = e.start_k - lo
    ipk = s0 + int(np.argmax(z[s0:]))
    peak, peak_s = float(z[ipk]), float(t[ipk])

    # Onset: the departure, i.e. where the force last left the larger of the
    # noise band and 1 % of the peak before the threshold crossing.
    level = max(c.onset_peak_frac * peak, c.departure_sd * e.sd0)
    ic = e.cross_k - lo
    below = np.flatnonzero(z[: ic + 1] <= level)
    i_on = int(below[-1]) if below.size else 0
    onset_s = _crossing(t, z, i_on, level)
    if e.loaded:
        # Already under way when the recording began: the onset is censored.
        onset_s = max(e.rec_t0, float(t[0]))

    broke = e.break_k >= 0
    ib = e.break_k - lo if broke else -1
    hold_end = ib if broke else z.size - 1
    plateau = np.zeros(z.size, dtype=bool)
    plateau[s0 : hold_end + 1] = z[s0 : hold_end + 1] >= c.plateau_frac * peak
    hold_s = float(plateau.sum()) / c.grid_hz

    # Rise: regression over 10–90 % of the peak, first crossings before it.
    i10 = s0 + int(np.argmax(z[s0 : ipk + 1] >= 0.1 * peak))
    i90 = s0 + int(np.argmax(z[s0 : ipk + 1] >= 0.9 * peak))
    rise = _slope(t[i10 : i90 + 1], z[i10 : i90 + 1])
    i50 = s0 + int(np.argmax(z[s0 : ipk + 1] >= 0.5 * peak))
    # The examiner's rise ends where the force first reaches the plateau, not
    # at the highest tremor wiggle on it.
    i95 = s0 + int(np.argmax(z[s0 : ipk + 1] >= 0.95 * peak))

    # The examiner's force at the start of the push, above the rest: a limb
    # resting on the pad (or a strap) preloads it, and that preload is rest.
    start_force = float(np.interp(onset_s, t, z))
    start_ratio = start_force / peak if peak > 0 else None

    break_s = break_force = drop_pct = None
    ratio = 1.0
    if broke:
        break_s = float(t[ib])
        break_force = float(z[ib])
        ratio = break_force / peak
        lvl = _level_after(zs, ib, e, lo, c)
        if lvl is not None and break_force > 0:
            drop_pct = 100.0 * (break_force - lvl) / break_force

    tremor = _tremor(hist.row(G, lo, end_k + 1), plateau, c.grid_hz)

    flags: list[str] = []
    pre = (t >= onset_s - 0.2 - d_sm + d_ev) & (t < onset_s - d_sm + d_ev)
    if pre.any() and float(np.abs(zs[pre]).max()) > 3.0 * e.sd0:
        flags.append("baseline_unstable")
    rise_50 = float(t[i50]) - onset_s
    if e.loaded:
        flags.append("loaded_start")
    elif (start_ratio is not None and start_ratio > c.jolt_ratio) or rise_50 < c.jolt_rise_s:
        flags.append("jolt_start")
    if _double_peak(zs[s0 : hold_end + 1], peak):
        flags.append("double_peak")
    if not broke and hold_s < c.min_hold_s:
        flags.append("too_short")
    if e.holes or how == "gap":
        flags.append("gap")
    # With a motion channel a late yield shows as motion (a gyro break), so a
    # late fall without one was not a yield.
    if test == "break" and not broke and e.late_k >= 0 and not e.settled and not e.motion:
        # Not a yield if the force came back (a dip) or held the new level
        # for long (an overshoot settling into a plateau).
        after = zs[e.late_k - lo :]
        left = after < 0.8 * e.late_bottom
        kept = (int(np.argmax(left)) if left.any() else after.size) / c.grid_hz
        regained = float(after.max()) > e.late_bottom + 0.5 * e.late_drop
        if not regained and kept < c.max_level_s:
            flags.append("possible_late_yield")

    verdict, confidence, reasons = _verdict(e, how, hold_s, flags, c)
    del k
    return EffortResult(
        effort=index,
        verdict=verdict,
        onset_s=_r(onset_s),
        peak_n=_r(peak, 3),
        peak_s=_r(peak_s),
        break_s=_r(break_s),
        break_force_n=_r(break_force, 3),
        break_ratio=_r(ratio),
        break_source=e.break_src if broke else None,
        drop_pct=_r(drop_pct, 2),
        hold_s=_r(hold_s, 3),
        time_to_peak_s=_r(float(t[i95]) - onset_s),
        rise_slope_n_per_s=_r(rise, 2),
        start_force_n=_r(start_force, 3),
        start_ratio=_r(start_ratio),
        tremor_8_12hz_rms_n=_r(tremor),
        confidence=round(confidence, 3),
        reasons=tuple(reasons),
        flags=tuple(flags),
        test=test,
    )


def _level_after(
    zs: FloatArray, ib: int, e: EffortState, lo: int, c: DetectorConfig
) -> float | None:
    """Force level the fall settled at (smoothed), for ``drop_pct``."""
    if e.level_k >= 0:
        return float(zs[e.level_k - lo])
    win = max(1, round(c.level_window_s * c.grid_hz))
    seg = zs[ib:]
    if seg.size <= win:
        return None
    slope = (seg[win:] - seg[:-win]) * (c.grid_hz / win)
    top = float(seg[: win + 1].max())
    falling = slope < -c.level_rate * top
    if not falling.any():
        return None
    after = np.flatnonzero(~falling[int(np.argmax(falling)) :])
    return float(seg[win + int(np.argmax(falling)) + int(after[0])]) if after.size else None


def _double_peak(zs: FloatArray, peak: float) -> bool:
    """Two maxima within 10 % of the peak separated by a dip below 80 %."""
    hi = np.flatnonzero(zs >= 0.9 * peak)
    if hi.size < 2:
        return False
    gap = zs[hi[0] : hi[-1] + 1]
    return bool((gap < 0.8 * peak).any())


def _verdict(
    e: EffortState, how: str, hold_s: float, flags: list[str], c: DetectorConfig
) -> tuple[str, float, list[str]]:
    """Verdict, confidence and the rules that decided.

    The confidence of a call is the share of right calls the same rule made
    on every labelled source of ``bench/accuracy.py`` (``CONFIDENCE``); the
    bench also refits it leaving each source out and reports the
    calibration error on the one left out.
    """
    reasons: list[str] = []
    if e.break_k >= 0 and e.break_src == "gyro":
        verdict, conf = "break", CONFIDENCE["gyro"]
        reasons.append(
            "the limb swept degrees (gyro) as the force fell to a level it kept: yield"
            if e.swept_fall
            else "the limb left rest (gyro) while the force was held: yield"
        )
    elif e.break_k >= 0 and e.stopped:
        verdict, conf = "break", CONFIDENCE["stopped"]
        reasons.append(
            "the force turned down while the push was still rising and went straight "
            "on to rest: yield, examiner stopped at once (force only)"
        )
    elif e.break_k >= 0:
        verdict, conf = "break", CONFIDENCE["fall"]
        reasons.append(
            f"force fell {100 * e.fall_drop:.0f} % in {1000 * e.fall_dur:.0f} ms and "
            "levelled off above rest: yield (force only)"
        )
    elif "possible_late_yield" in flags:
        verdict, conf = "inconclusive", CONFIDENCE["late"]
        reasons.append(
            "possible late yield: the force fell quickly to a lower level after a "
            "sustained plateau; a motion sensor would tell"
        )
    elif how == "release":
        verdict, conf = "hold", CONFIDENCE["release"]
        reasons.append("released to rest without a yield")
        if "too_short" in flags:
            verdict, conf = "inconclusive", CONFIDENCE["short"]
            reasons.append(f"held under {c.min_hold_s} s near the peak: too short to judge")
    elif how in ("end", "gap") and e.sub != 1 and hold_s >= c.late_dwell_s:
        # Cut off before the release: only a sustained plateau says the limb
        # held; a yield may still have come after a shorter one.
        verdict, conf = "hold", CONFIDENCE["end"]
        reasons.append("held without a yield until the recording ended (no release seen)")
    else:
        verdict, conf = "inconclusive", CONFIDENCE["cut"]
        reasons.append(
            f"effort longer than {c.max_effort_s} s"
            if how == "too_long"
            else "recording ended before the effort could be judged"
        )
    if verdict == "hold" and e.stepped:
        reasons.append("released in steps after a sustained plateau, not a yield")
    if verdict == "hold" and e.withdrawn:
        reasons.append("a fall regained half its drop: a wobble or hesitation, not a yield")
    if how == "gap":
        reasons.append("the recording paused during this effort: it ends at the pause")
    if e.holes:
        reasons.append(
            f"{len(e.holes)} hole(s) without samples inside the effort, the longest "
            f"{max(e.holes):.2f} s: figures near it are interpolated"
        )
    if e.loaded:
        reasons.append(
            "the recording began under load: rest taken from after the release, "
            "onset and start force are the recording's start"
        )
    if verdict == "hold" and e.eased > 0:
        reasons.append(f"examiner eased off ({100 * e.eased:.0f} %), not a yield")
    reasons += [f"flag: {f}" for f in flags]
    return verdict, conf, reasons
