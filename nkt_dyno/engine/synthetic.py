"""Labelled, seeded synthetic manual-muscle-test traces.

Each trace is one effort (rest, examiner's rise, plateau, then release or
break) measured the way a handheld dynamometer over BLE delivers it: a
baseline that is rarely zero, tremor, sensor noise, quantisation, timing
jitter and lost packets. Every trace carries its ground truth, computed from
the noise-free effort, so detectors can be scored on cases they were never
tuned to.

Signal model
------------
``force(s) = baseline(s) + effort(s) + creep(s) + tremor(s) + noise``, all
functions of the true sampling instant ``s``; the reported time ``t`` is the
host's estimate of ``s`` (jitter, notification grouping). The *noise-free
force* is ``effort(s)``: the examiner/patient force above the baseline,
without tremor, sensor noise, creep or spikes. The truth is taken from it on
a 0.1 ms grid:

``onset_s``
    first time the effort exceeds 1 % of its peak.
``peak_n``, ``peak_s``
    maximum of the effort (above baseline) and its first time.
``break_s``
    start of the sustained fall, i.e. the last maximum before it (``None``
    for a hold). Plateaus never decline, so this is where the fall segment
    starts.
``yield_s``
    when the limb starts to give way (the gyro leaves rest). Equal to
    ``break_s`` except in ``break_rising``, where the limb yields while the
    force still rises and ``yield_s < break_s == peak_s``. A detector that
    uses the gyro channel should be scored against ``yield_s``.

Cases
-----
Effort shapes (verdict fixed by the case):

``hold``
    rise, plateau 0.8–2.5 s, release to baseline in 0.2–0.8 s.
``break``
    rise, at most 0.2 s at the top (the examiner's push is still rising when
    the limb gives way, DESIGN §3), fall in 80–350 ms to 50–88 % of the
    peak, a lower level held 0.3–1.0 s while contact remains, release.
``break_rising``
    the limb yields during a near-linear rise at 75–95 % of the final peak;
    the force keeps rising for 40–300 ms (eccentric loading: break tests read
    higher than make tests), then falls as in ``break``.
``slow_release``
    a hold released gradually (0.9–2.5 s) all the way to baseline: no level
    is held above baseline after the fall, so it is not a break.
``ease_off``
    the examiner lowers the pressure by 10–25 % during the plateau and keeps
    the new level 0.5–1.5 s. The reduction is gradual (mean rate at most
    20 % of the peak per second, so it lasts ≥ 0.5 s) and smooth; a break's
    fall completes within 350 ms (mean rate ≥ 34 % of the peak per second).
    A hold.
``short_plateau``
    a quick test: plateau 0.2–0.5 s and a quick release (0.15–0.4 s). A hold.
``small_drop``
    a break whose fall is only 12–15 % (80–250 ms) and whose lower level is
    held 0.4–1.2 s.
``late_break``
    as ``break`` but after a plateau of 0.6–1.5 s: a late yield, which force
    alone cannot tell from a release in steps (DESIGN §3).
``break_release``
    a break released at once: the lower level (50–85 % of the peak) lasts
    only 0.1–0.25 s before the release. The short level-off is what tells it
    from a release with force alone.

Acquisition conditions (hold or break with equal probability):

``spikes``
    1–3 one-sample spikes of ±20–80 % of the peak (one on the plateau, one at
    rest, as a connector glitch or a knock on the pad would give).
``long_gap``
    a 0.3–1.5 s hole in the data (radio dropout) at rest before the effort or
    on the plateau, never across onset or break.
``drift``
    strong baseline drift and load-cell creep (0.5–1 % of the load, recovering
    after release), as with a pad warming up or a strap settling.
``rest_offset``
    the limb rests on the pad (or a strap preloads it) with 10–60 N and moves
    slightly (breathing, posture: 0.2–1 N at 0.1–0.4 Hz).
``packet_loss``
    80 Hz with several samples per notification (as the Tindeq Progressor
    packs them: 3–6) and 0.5–2 lost-notification events per second, each
    losing 1–3 notifications (up to 225 ms).

Every trace also gets, at random: rate 80–1000 Hz, a ramp style (linear,
smooth or hesitant, rise 0.7–3 s), peak 30–300 N, tremor 6–12 Hz whose
amplitude grows with force (Lakie 2015), noise 0.05–0.4 N, quantisation,
a baseline offset (tared, limb resting, strap preload) with slight drift,
creep, timing jitter (device clock or host-stamped notifications), sparse
lost notifications and a start time that is not always zero.

References
----------
Lakie M. et al. (2015) Tremor and mechanical oscillation grow with force.
Burns S.P., Spanier D.E. (2005) Break-technique handheld dynamometry.
Schaefer L.V., Bittmann F.N. (2021) Adaptive Force, Sci Rep 11:16410.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

__all__ = [
    "CASES",
    "SHAPE_CASES",
    "SyntheticSession",
    "SyntheticTrace",
    "Truth",
    "corpus",
    "generate",
    "generate_session",
]

SHAPE_CASES: tuple[str, ...] = (
    "hold",
    "break",
    "break_rising",
    "slow_release",
    "ease_off",
    "short_plateau",
    "small_drop",
    "break_release",
    "late_break",
)
"""Cases defined by the effort's shape; each has a fixed verdict."""

CASES: tuple[str, ...] = (
    *SHAPE_CASES,
    "spikes",
    "long_gap",
    "drift",
    "rest_offset",
    "packet_loss",
)
"""All case types, in the order :func:`corpus` cycles through them."""

_BREAK_CASES = frozenset({"break", "break_rising", "small_drop", "break_release", "late_break"})
_RATES_HZ = (80.0, 100.0, 200.0, 250.0, 500.0, 1000.0)
_TRUTH_DT = 1e-4
_CREEP_DT = 0.005


@dataclass(frozen=True)
class Truth:
    """Ground truth of one effort, from its noise-free force.

    Attributes
    ----------
    verdict : {"hold", "break"}
    onset_s : float
        First time the effort exceeds 1 % of its peak (s, trace time base).
    peak_n, peak_s : float
        Peak force above baseline (N) and its time (s).
    break_s : float or None
        Start of the sustained fall (the last maximum before it); ``None`` for
        a hold.
    case : str
        Case type (one of :data:`CASES`).
    rate_hz : float
        Nominal sample rate.
    yield_s : float or None
        When the limb starts to give way (the gyro leaves rest); ``None`` for a
        hold. Before ``break_s`` only in ``break_rising``.
    break_force_n : float or None
        Effort force at ``yield_s`` (the AFisomax analogue).
    level_ratio : float or None
        Force level reached after the fall, over the peak (0.5–0.88).
    plateau_s : float or None
        First time the effort reaches 95 % of its peak: the time at the top
        before a yield is ``break_s - plateau_s``.
    """

    verdict: str
    onset_s: float
    peak_n: float
    peak_s: float
    break_s: float | None
    case: str
    rate_hz: float
    yield_s: float | None = None
    break_force_n: float | None = None
    level_ratio: float | None = None
    plateau_s: float | None = None


@dataclass(frozen=True)
class SyntheticTrace:
    """One synthetic effort as a device would deliver it.

    ``t`` (s, float64, strictly increasing), ``force`` (N), ``gyro`` (deg/s,
    signed angular rate about the yield axis) or ``None``, and its ``truth``.
    """

    t: np.ndarray
    force: np.ndarray
    gyro: np.ndarray | None
    truth: Truth


@dataclass(frozen=True)
class SyntheticSession:
    """Several efforts separated by rest in one recording; ``truths`` in time order."""

    t: np.ndarray
    force: np.ndarray
    gyro: np.ndarray | None
    truths: tuple[Truth, ...]
    rate_hz: float


# --- effort profiles ---------------------------------------------------------


@dataclass(frozen=True)
class _Seg:
    """Force goes from ``f0`` to ``f1`` over [t0, t1) along a blended shape.

    ``kind`` "lin": ``w·x + (1−w)·smoothstep(x)`` (``w`` = 1 linear, 0 smooth);
    "yield": ``w·sin(πx/2) + (1−w)·smoothstep(x)`` (steep start, smooth level-off).
    """

    t0: float
    t1: float
    f0: float
    f1: float
    kind: str
    w: float

    def shape(self, x: np.ndarray) -> np.ndarray:
        smooth = x * x * (3.0 - 2.0 * x)
        first = x if self.kind == "lin" else np.sin(0.5 * np.pi * x)
        return self.w * first + (1.0 - self.w) * smooth


class _Builder:
    """Appends segments from the current (time, force), effort-local time."""

    def __init__(self) -> None:
        self.segs: list[_Seg] = []
        self.t = 0.0
        self.f = 0.0

    def to(self, dur: float, f: float, kind: str = "lin", w: float = 1.0) -> float:
        self.segs.append(_Seg(self.t, self.t + dur, self.f, f, kind, w))
        self.t += dur
        self.f = f
        return self.t


@dataclass(frozen=True)
class _Effort:
    """An effort profile in local time (0 = start of the rise) with its labels."""

    segs: tuple[_Seg, ...]
    case: str
    verdict: str
    fall_s: float | None
    yield_s: float | None
    level_s: float | None
    release_s: float
    plateau: tuple[float, float]

    @property
    def end_s(self) -> float:
        return self.segs[-1].t1

    @property
    def peak_n(self) -> float:
        return max(max(s.f0, s.f1) for s in self.segs)

    def force(self, t: np.ndarray) -> np.ndarray:
        """Noise-free effort force (N above baseline) at local times ``t``."""
        out = np.zeros_like(t)
        for s in self.segs:
            m = (t >= s.t0) & (t < s.t1)
            out[m] = s.f0 + (s.f1 - s.f0) * s.shape((t[m] - s.t0) / (s.t1 - s.t0))
        return out


def _rise(b: _Builder, rng: np.random.Generator, amp: float, style: str | None = None) -> None:
    """Examiner's rise to ``amp`` over 0.7–3 s: linear, smooth or hesitant."""
    style = style or str(rng.choice(["linear", "smooth", "hesitant"]))
    dur = rng.uniform(0.7, 3.0)
    if style == "linear":
        b.to(dur, amp, "lin", rng.uniform(0.7, 0.95))
    elif style == "smooth":
        b.to(dur, amp, "lin", rng.uniform(0.0, 0.2))
    else:
        pause = rng.uniform(0.15, min(0.5, dur - 0.5))
        part = rng.uniform(0.3, 0.6)
        first = (dur - pause) * rng.uniform(0.35, 0.6)
        b.to(first, part * amp, "lin", 0.5)
        b.to(pause, (part + rng.uniform(0.01, 0.05)) * amp, "lin", 1.0)
        b.to(dur - pause - first, amp, "lin", rng.uniform(0.0, 0.5))


def _plateau(b: _Builder, rng: np.random.Generator, dur: float) -> tuple[float, float]:
    """Plateau that creeps up 0–3 %: never declines, so the peak is at its end."""
    start = b.t
    b.to(dur, b.f * (1.0 + rng.uniform(0.0, 0.03)), "lin", 1.0)
    return start, b.t


def _release(b: _Builder, rng: np.random.Generator, lo: float, hi: float) -> float:
    start = b.t
    b.to(rng.uniform(lo, hi), 0.0, "lin", rng.uniform(0.0, 0.4))
    return start


def _fall(
    b: _Builder, rng: np.random.Generator, ratio: float, dur: float, level_dur: float
) -> tuple[float, float]:
    """Yield: steep fall to ``ratio`` of the current force, then a lower level
    held while contact remains (drifting ±3 %). Returns (fall start, level start)."""
    start, peak = b.t, b.f
    level = b.to(dur, peak * ratio, "yield", rng.uniform(0.3, 1.0))
    b.to(level_dur, peak * ratio * (1.0 + rng.uniform(-0.03, 0.03)), "lin", 1.0)
    return start, level


def _draw_effort(
    case: str, rng: np.random.Generator, min_plateau: float = 0.0, around: float | None = None
) -> _Effort:
    """Draw an effort profile of a shape case (see the module docstring).

    ``around``: the session's typical peak (N); efforts of one test vary by
    ±25 % about it. Drawn at random (30–300 N) if omitted.
    """
    amp = float(np.exp(rng.uniform(np.log(30.0), np.log(300.0))))
    if around is not None:
        amp = around * rng.uniform(0.75, 1.25)
    b = _Builder()
    if case == "break_rising":
        frac = rng.uniform(0.75, 0.95)
        b.to(rng.uniform(0.7, 3.0), frac * amp, "lin", rng.uniform(0.85, 1.0))
        slope = frac * amp / b.t * rng.uniform(1.0, 2.5)
        yld = b.t
        plateau = (b.t, b.t)
        b.to(float(np.clip((1 - frac) * amp / slope, 0.04, 0.3)), amp, "lin", 1.0)
        fall, level = _fall(
            b, rng, rng.uniform(0.5, 0.85), rng.uniform(0.08, 0.35), rng.uniform(0.3, 1.0)
        )
        release = _release(b, rng, 0.2, 0.6)
        return _Effort(tuple(b.segs), case, "break", fall, yld, level, release, plateau)
    _rise(b, rng, amp)
    if case in ("hold", "slow_release", "ease_off", "short_plateau"):
        lo, hi = {
            "hold": (0.8, 2.5),
            "slow_release": (0.5, 2.0),
            "ease_off": (0.5, 1.5),
            "short_plateau": (0.2, 0.5),
        }[case]
        plateau = _plateau(b, rng, max(rng.uniform(lo, hi), min_plateau))
        if case == "ease_off":
            frac = rng.uniform(0.10, 0.25)
            dur = min(frac / rng.uniform(0.06, 0.2), 3.0)
            b.to(max(dur, 0.5), b.f * (1.0 - frac), "lin", rng.uniform(0.0, 0.3))
            b.to(rng.uniform(0.5, 1.5), b.f, "lin", 1.0)
        rel = {"slow_release": (0.9, 2.5), "short_plateau": (0.15, 0.4)}.get(case, (0.2, 0.8))
        release = _release(b, rng, *rel)
        return _Effort(tuple(b.segs), case, "hold", None, None, None, release, plateau)
    ratio_lo, ratio_hi, fall_hi, lvl_lo, lvl_hi, pl_lo, pl_hi, rel_hi = {
        "break": (0.5, 0.88, 0.35, 0.3, 1.0, 0.0, 0.2, 0.6),
        "small_drop": (0.85, 0.88, 0.25, 0.4, 1.2, 0.0, 0.2, 0.6),
        "break_release": (0.5, 0.85, 0.35, 0.1, 0.25, 0.0, 0.2, 0.4),
        "late_break": (0.5, 0.88, 0.35, 0.3, 1.0, 0.6, 1.5, 0.6),
    }[case]
    plateau = _plateau(b, rng, max(rng.uniform(pl_lo, pl_hi), min_plateau, 0.01))
    fall, level = _fall(
        b,
        rng,
        rng.uniform(ratio_lo, ratio_hi),
        rng.uniform(0.08, fall_hi),
        rng.uniform(lvl_lo, lvl_hi),
    )
    release = _release(b, rng, 0.15 if case == "break_release" else 0.2, rel_hi)
    return _Effort(tuple(b.segs), case, "break", fall, fall, level, release, plateau)


def _truth(e: _Effort, offset: float, case: str, rate: float) -> Truth:
    knots = [sg.t0 for sg in e.segs]
    grid = np.union1d(np.arange(0.0, e.end_s, _TRUTH_DT), knots)
    f = e.force(grid)
    i_peak = int(np.argmax(f))
    peak = float(f[i_peak])
    onset = float(grid[int(np.argmax(f > 0.01 * peak))])
    brk = yld = bforce = ratio = None
    if e.fall_s is not None and e.yield_s is not None and e.level_s is not None:
        brk = e.fall_s + offset
        yld = e.yield_s + offset
        bforce = float(e.force(np.array([e.yield_s]))[0])
        ratio = float(e.force(np.array([e.level_s]))[0]) / peak
    return Truth(
        verdict=e.verdict,
        onset_s=onset + offset,
        peak_n=peak,
        peak_s=float(grid[i_peak]) + offset,
        break_s=brk,
        case=case,
        rate_hz=rate,
        yield_s=yld,
        break_force_n=bforce,
        level_ratio=ratio,
        plateau_s=float(grid[int(np.argmax(f >= 0.95 * peak))]) + offset,
    )


# --- acquisition ---------------------------------------------------------------


@dataclass(frozen=True)
class _Acq:
    """How a device measures and delivers the signal (all drawn per trace)."""

    rate: float
    per_packet: int
    host_stamped: bool
    jitter: float
    loss_per_s: float
    loss_burst: int
    noise: float
    quantum: float
    offset: float
    drift: float
    wander: float
    wander_hz: float
    creep: float
    creep_tau: float
    tremor_frac: float
    tremor_floor: float
    tremor_hz: float
    t0: float


def _draw_acq(rng: np.random.Generator, case: str, rate_hz: float | None) -> _Acq:
    """Acquisition parameters; every draw happens whatever the case, so a case
    changes only the parameters it is about."""
    rate = float(rng.choice(_RATES_HZ))
    per_packet = int(rng.integers(1, 6))
    host_stamped = bool(rng.random() < 0.5)
    jitter = rng.uniform(0.0, 0.03)
    loss_per_s = rng.uniform(0.0, 0.3)
    loss_burst = int(rng.integers(1, 3))
    kind = rng.random()
    offset = (
        rng.uniform(-0.3, 0.3)
        if kind < 0.6
        else rng.uniform(2.0, 15.0)
        if kind < 0.85
        else rng.uniform(5.0, 30.0)
    )
    drift = rng.uniform(-0.1, 0.1)
    wander, wander_hz = rng.uniform(0.0, 0.1), rng.uniform(0.05, 0.3)
    creep, creep_tau = rng.uniform(0.0, 0.003), rng.uniform(1.0, 4.0)
    big_offset = rng.uniform(10.0, 60.0)
    big_wander, big_wander_hz = rng.uniform(0.2, 1.0), rng.uniform(0.1, 0.4)
    big_drift = rng.uniform(0.3, 1.0) * rng.choice([-1.0, 1.0])
    big_creep = rng.uniform(0.005, 0.01)
    heavy_loss, heavy_burst = rng.uniform(0.5, 2.0), int(rng.integers(1, 4))
    heavy_packet = int(rng.integers(3, 7))
    acq = _Acq(
        rate=rate,
        per_packet=per_packet,
        host_stamped=host_stamped,
        jitter=jitter,
        loss_per_s=loss_per_s,
        loss_burst=loss_burst,
        noise=rng.uniform(0.05, 0.4),
        quantum=float(rng.choice([0.0, 0.01, 0.05, 0.098])),
        offset=offset,
        drift=drift,
        wander=wander,
        wander_hz=wander_hz,
        creep=creep,
        creep_tau=creep_tau,
        tremor_frac=rng.uniform(0.002, 0.008),
        tremor_floor=rng.uniform(0.02, 0.1),
        tremor_hz=rng.uniform(6.0, 12.0),
        t0=0.0 if rng.random() < 0.5 else rng.uniform(1.0, 1000.0),
    )
    if case == "drift":
        acq = replace(acq, drift=big_drift, creep=big_creep)
    elif case == "rest_offset":
        acq = replace(acq, offset=big_offset, wander=big_wander, wander_hz=big_wander_hz)
    elif case == "packet_loss":
        acq = replace(
            acq,
            rate=80.0,
            host_stamped=True,
            per_packet=heavy_packet,
            loss_per_s=heavy_loss,
            loss_burst=heavy_burst,
        )
    if rate_hz is not None:
        acq = replace(acq, rate=float(rate_hz))
    out = acq
    # BLE sends at most one notification per 7.5 ms connection interval, so fast
    # devices pack samples; host stamps are only usable at low rates.
    packed = max(out.per_packet, int(np.ceil(out.rate * 0.0075)))
    return replace(out, per_packet=packed, host_stamped=out.host_stamped and out.rate <= 250)


def _instants(
    rng: np.random.Generator, acq: _Acq, duration: float
) -> tuple[np.ndarray, np.ndarray]:
    """True sampling instants and the times the host reports for them.

    A device clock gives small jitter; host-stamped notifications carry
    ``per_packet`` samples stamped back from the arrival time, which comes late
    by up to a 7.5 ms connection interval plus a short tail (the mean latency is
    removed: a constant offset cannot be known and would only shift every time).
    Lost notifications are removed in bursts. Reported times are made strictly
    increasing.
    """
    period = 1.0 / acq.rate
    n = int(duration * acq.rate) + 1
    s = np.arange(n) * period
    k = acq.per_packet
    n_pkt = -(-n // k)
    if acq.host_stamped:
        delay = rng.uniform(0.0, 0.0075, n_pkt) + rng.exponential(0.001, n_pkt) - 0.00475
        pkt = np.arange(n) // k
        last = np.minimum((pkt + 1) * k - 1, n - 1)
        arrival = s[last] + delay[pkt]
        t = arrival - (last - np.arange(n)) * period
    else:
        t = s + rng.normal(0.0, acq.jitter * period, n)
    lost = np.zeros(n_pkt, dtype=bool)
    n_events = rng.poisson(acq.loss_per_s * duration)
    for p in rng.integers(0, n_pkt, n_events):
        lost[p : p + acq.loss_burst] = True
    keep = ~lost[np.arange(n) // k]
    s, t = s[keep], t[keep]
    # t[i] = max(t[i], t[i-1] + eps) in closed form: a late packet pushes the
    # following samples only until the stamps catch up, so no drift builds up.
    eps = 0.2 * period
    ramp = eps * np.arange(t.size)
    return s, acq.t0 + ramp + np.maximum.accumulate(t - ramp)


def _tremor(rng: np.random.Generator, acq: _Acq, s: np.ndarray) -> np.ndarray:
    """Unit-RMS narrow-band oscillation around ``tremor_hz`` (wandering ±1 Hz)."""
    fm, dev = rng.uniform(0.2, 0.6), rng.uniform(0.3, 1.0)
    am, am_hz = rng.uniform(0.1, 0.4), rng.uniform(0.3, 1.0)
    phase = 2 * np.pi * acq.tremor_hz * s + (dev / fm) * np.sin(2 * np.pi * fm * s)
    phase += rng.uniform(0, 2 * np.pi)
    env = 1.0 + am * np.sin(2 * np.pi * am_hz * s + rng.uniform(0, 2 * np.pi))
    return np.sqrt(2.0) * env * np.sin(phase) / np.sqrt(1.0 + am * am / 2)


def _creep(acq: _Acq, effort: np.ndarray, duration: float, s: np.ndarray) -> np.ndarray:
    """Load-cell creep: ``creep`` × the load low-passed with ``creep_tau``; it
    builds up under load and recovers after release."""
    grid = np.arange(0.0, duration + _CREEP_DT, _CREEP_DT)
    load = np.interp(grid, s, effort)
    kern = np.exp(-np.arange(0.0, 5 * acq.creep_tau, _CREEP_DT) / acq.creep_tau)
    lp = np.convolve(load, kern / kern.sum())[: grid.size]
    return acq.creep * np.interp(s, grid, lp)


@dataclass(frozen=True)
class _Placed:
    effort: _Effort
    offset: float


def _gyro(rng: np.random.Generator, placed: Sequence[_Placed], s: np.ndarray) -> np.ndarray:
    """Signed angular rate (deg/s, positive with the push, DESIGN §2): rest noise
    and tremor; in a break a yield that leaves rest at ``yield_s`` (reaching
    speed within 15–50 ms), slows once the fall levels off, and stops with the
    release; in a hold, at the release, the limb springing back toward the
    examiner (negative, 20–80 deg/s over 60–200 ms)."""
    out = rng.normal(0.0, rng.uniform(0.2, 1.0), s.size) + rng.uniform(-0.5, 0.5)
    shake = rng.uniform(0.3, 1.5)
    for p in placed:
        e = p.effort
        local = s - p.offset
        rel = e.force(local) / e.peak_n
        out += shake * rel * np.sin(2 * np.pi * rng.uniform(6, 12) * local)
        vmax, rise = rng.uniform(20.0, 120.0), rng.uniform(0.015, 0.05)
        keep, tau = rng.uniform(0.1, 0.4), rng.uniform(0.1, 0.3)
        if e.yield_s is None or e.level_s is None:
            back = rng.uniform(0.06, 0.2)
            u = np.clip((local - e.release_s) / back, 0.0, 1.0)
            out -= rng.uniform(20.0, 80.0) * np.sin(np.pi * u)
            continue
        x = np.clip((local - e.yield_s) / rise, 0.0, 1.0)
        v = vmax * x * x * (3 - 2 * x)
        after = local > e.level_s
        v[after] *= keep + (1 - keep) * np.exp(-(local[after] - e.level_s) / tau)
        gone = local > e.release_s
        v[gone] *= np.exp(-(local[gone] - e.release_s) / 0.1)
        out += v
    return out


def _measure(
    rng: np.random.Generator, acq: _Acq, placed: Sequence[_Placed], duration: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sample the efforts: returns (true instants, reported t, force, gyro)."""
    s, t = _instants(rng, acq, duration)
    effort = np.zeros_like(s)
    for p in placed:
        effort += p.effort.force(s - p.offset)
    base = (
        acq.offset
        + acq.drift * s
        + acq.wander * np.sin(2 * np.pi * acq.wander_hz * s + rng.uniform(0, 2 * np.pi))
    )
    tremor = (acq.tremor_floor + acq.tremor_frac * effort) * _tremor(rng, acq, s)
    force = base + effort + _creep(acq, effort, duration, s) + tremor
    force += rng.normal(0.0, acq.noise, s.size)
    if acq.quantum > 0:
        force = np.round(force / acq.quantum) * acq.quantum
    return s, t, force, _gyro(rng, placed, s)


# --- public API ----------------------------------------------------------------


def _check_case(case: str) -> None:
    if case not in CASES:
        raise ValueError(f"case must be one of {CASES}, got {case!r}")


def _check_rate(rate_hz: float | None) -> None:
    if rate_hz is not None and not 10.0 <= rate_hz <= 10_000.0:
        raise ValueError(f"rate_hz must be within 10–10000 Hz, got {rate_hz}")


def generate(
    case: str, seed: int, *, rate_hz: float | None = None, gyro: bool = False
) -> SyntheticTrace:
    """Generate one labelled effort of a given case type.

    Parameters
    ----------
    case : str
        One of :data:`CASES` (definitions in the module docstring).
    seed : int
        Seed of the ``numpy.random.Generator(PCG64(seed))`` that draws
        everything: the same seed gives identical arrays.
    rate_hz : float, optional
        Nominal sample rate (Hz); drawn from 80–1000 Hz device rates if omitted.
        Timing jitter and losses apply either way.
    gyro : bool, default False
        Also return the angular-rate channel (deg/s). The force is the same
        with or without it.

    Returns
    -------
    SyntheticTrace
        ``t``, ``force``, ``gyro`` of shape (n,) and the :class:`Truth`.

    Raises
    ------
    ValueError
        Unknown ``case`` or a ``rate_hz`` outside 10–10000 Hz.

    Examples
    --------
    >>> tr = generate("small_drop", 7)
    >>> tr.truth.verdict
    'break'
    >>> bool((tr.t[1:] > tr.t[:-1]).all())
    True
    """
    _check_case(case)
    _check_rate(rate_hz)
    rng = np.random.Generator(np.random.PCG64(seed))
    acq = _draw_acq(rng, case, rate_hz)
    shape = case if case in SHAPE_CASES else ("hold" if rng.random() < 0.5 else "break")
    gap_len = rng.uniform(0.3, 1.5)
    gap_on_plateau = case == "long_gap" and rng.random() < 0.6
    effort = _draw_effort(shape, rng, gap_len + 0.6 if gap_on_plateau else 0.0)
    pre = rng.uniform(0.6, 2.0)
    if case == "long_gap" and not gap_on_plateau:
        pre += gap_len + 0.4
    duration = pre + effort.end_s + rng.uniform(0.5, 1.5)
    placed = [_Placed(effort, pre)]
    s, t, force, gyr = _measure(rng, acq, placed, duration)
    if case == "long_gap":
        lo, hi = (pre + effort.plateau[0] + 0.3, pre + effort.plateau[1] - 0.3)
        if not gap_on_plateau:
            lo, hi = 0.2, pre - 0.4
        # Both spans are drawn at least gap_len long, but rounding can leave
        # hi - gap_len a hair below lo when the span is exactly that long.
        start = rng.uniform(lo, max(hi - gap_len, lo))
        keep = (s < start) | (s >= start + gap_len)
        s, t, force, gyr = s[keep], t[keep], force[keep], gyr[keep]
    if case == "spikes":
        _add_spikes(rng, s, force, effort, pre)
    truth = _truth(effort, pre + acq.t0, case, acq.rate)
    return SyntheticTrace(t, force, gyr if gyro else None, truth)


def _add_spikes(
    rng: np.random.Generator, s: np.ndarray, force: np.ndarray, effort: _Effort, pre: float
) -> None:
    """One-sample spikes in place: one on the plateau, one at rest, one anywhere."""
    peak = effort.peak_n
    p0, p1 = pre + effort.plateau[0], pre + max(effort.plateau[1], effort.plateau[0] + 0.05)
    where = [
        rng.uniform(p0, p1),
        rng.uniform(0.1, pre - 0.3),
        rng.uniform(0.1, s[-1]),
    ][: int(rng.integers(1, 4))]
    for w in where:
        i = min(int(np.searchsorted(s, w)), s.size - 1)
        force[i] += rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 0.8) * peak


def corpus(n: int, seed: int, *, gyro: bool = False) -> list[SyntheticTrace]:
    """A balanced, deterministic corpus: trace ``i`` is of case ``CASES[i % len(CASES)]``.

    Per-trace seeds come from ``numpy.random.SeedSequence(seed)``, so two
    corpora with different seeds share no trace.

    Examples
    --------
    >>> [tr.truth.case for tr in corpus(3, 1)]
    ['hold', 'break', 'break_rising']
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    seeds = np.random.SeedSequence(seed).generate_state(max(n, 1), dtype=np.uint64)[:n]
    return [generate(CASES[i % len(CASES)], int(sd), gyro=gyro) for i, sd in enumerate(seeds)]


def generate_session(
    seed: int,
    n_efforts: int,
    *,
    rate_hz: float | None = None,
    gyro: bool = False,
    cases: Sequence[str] | None = None,
    rest_s: tuple[float, float] = (2.0, 5.0),
) -> SyntheticSession:
    """Several efforts separated by rest, in one recording with one baseline.

    Parameters
    ----------
    seed : int
        Seed of the generator; same seed, same session.
    n_efforts : int
        Number of efforts (≥ 1).
    rate_hz : float, optional
        Nominal sample rate; drawn if omitted.
    gyro : bool, default False
        Also return the angular-rate channel.
    cases : sequence of str, optional
        Shape case of each effort (from :data:`SHAPE_CASES`), cycled; drawn at
        random if omitted.
    rest_s : (float, float), default (2, 5)
        Range of the rest between efforts (s).

    Returns
    -------
    SyntheticSession
        One truth per effort, in time order. The efforts are trials of one
        test: their peaks vary by ±25 % about a peak drawn for the session.
    """
    if n_efforts < 1:
        raise ValueError(f"n_efforts must be >= 1, got {n_efforts}")
    _check_rate(rate_hz)
    for c in cases or ():
        if c not in SHAPE_CASES:
            raise ValueError(f"cases must be from {SHAPE_CASES}, got {c!r}")
    rng = np.random.Generator(np.random.PCG64(seed))
    acq = _draw_acq(rng, "session", rate_hz)
    placed: list[_Placed] = []
    names: list[str] = []
    cursor = rng.uniform(1.0, 2.0)
    around = float(np.exp(rng.uniform(np.log(40.0), np.log(250.0))))
    for i in range(n_efforts):
        name = cases[i % len(cases)] if cases else str(rng.choice(SHAPE_CASES))
        effort = _draw_effort(name, rng, around=around)
        placed.append(_Placed(effort, cursor))
        names.append(name)
        cursor += effort.end_s + rng.uniform(*rest_s)
    _, t, force, gyr = _measure(rng, acq, placed, cursor)
    truths = tuple(
        _truth(p.effort, p.offset + acq.t0, n, acq.rate) for p, n in zip(placed, names, strict=True)
    )
    return SyntheticSession(t, force, gyr if gyro else None, truths, acq.rate)
