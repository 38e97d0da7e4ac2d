"""Independent synthetic recordings of manual muscle tests, with ground truth.

This generator is written without reference to the detection engine, so that it can judge
it. Each :class:`Session` is one recording from a handheld dynamometer: 1 to 6 efforts
(about a third of the sessions have one), with rests, touches, sensor defects and, in
about 60 % of the sessions, a signed gyro channel. Every effort carries an
:class:`EffortTruth` computed from the noise-free simulation, never from the sensor.

What is modelled, and where the numbers come from
-------------------------------------------------
Examiner (break tests; the examiner pushes, the patient resists).
    Each session has one examiner with a personal profile, as Bittmann et al. (2020)
    found that even experienced testers differ in starting force, slope and the ratio of
    starting to maximum force, and that their trials are not very reproducible. Drawn per
    session: starting force 5-45 % of the top, reached in 50-200 ms; rise time
    0.7-3.0 s from start to top (DESIGN §3: "~1-3 s"; Gerz & Leaf 1994 allow the patient
    <= 1.5 s to build up and the examiner <= 1 s of added pressure); a rise shape
    (linear, S-shaped, fast-then-slow, slow-then-fast, or stepped in 2-3 ramps with
    0.1-0.3 s pauses); and a habit of a start jolt (5-12 % of the top). Per effort these
    vary by 10-25 %, and one effort in four uses another shape. The top the examiner heads
    for is 40-400 N (log-uniform per session, +/-15 % per effort).

Hold (strong, stable muscle).
    The force reaches a plateau of 0.3-4 s (log-uniform), with: physiological tremor at
    6-12 Hz whose amplitude is 0.3-1.2 % of the force, i.e. grows with force (Lakie 2015);
    a slow drift of -6..+5 % over the plateau; a 0.5-3 Hz wobble of the examiner's hand
    of 0.5-2.5 %; sometimes an overshoot of 4-11 % settling in 0.25-0.8 s; or a dip of
    10-25 % regained within 0.4-1.8 s and followed by >= 0.8 s of plateau (the dips seen
    in long holds, DESIGN §3). It ends when the examiner lets go: fast (0.1-0.3 s), slow
    (0.5-2.5 s) or in 2-3 steps with 0.2-0.8 s pauses.

Break (weak, unstable muscle).
    In the Adaptive Force studies (Schaefer & Bittmann, Sci Rep 11:16410, 2021; Brain Sci
    12:1318, 2022; Life 13:911, 2023) an unstable muscle starts to lengthen while the
    examiner's pressure is still rising, at AFisomax/AFmax ~ 0.5-0.65 of the maximum. So the
    yield begins when the examiner's planned profile reaches rho x top, with rho drawn
    from 0.45-0.80 (70 % of draws in 0.50-0.65); the force turns down 0-25 ms after the
    limb starts moving and falls over 80-350 ms (DESIGN §2). Variants: ``break_rising``
    (fall of 25-65 %, a short 0.12-0.3 s level, release), ``break_level`` (fall of 20-60 %,
    contact kept at the lower level for 0.3-1.5 s), ``break_stopped`` (the examiner stops
    at once: the fall goes straight to rest), ``break_small`` (drop of only 13-20 %),
    ``break_eccentric`` (the force first rises 3-12 % over 80-250 ms while the limb
    lengthens, the eccentric phase in which AF studies find AFmax, then falls), and
    ``break_late`` (a yield after a plateau of 0.6-2.5 s; ``late=True``; about 5 % of
    break-test efforts). Tremor before the yield is small (0.1-0.4 %) and larger after it
    (0.6-2 %), as AF studies report oscillation after the yield in unstable muscles.

Make tests (about 20 % of sessions; the patient pushes against a held device).
    A voluntary rise of 0.4-1.5 s (Gerz & Leaf 1994), a plateau of 1-5 s with 0.5-2 %
    tremor, possibly an overshoot, or a fatigue decline of 10-35 % over 2-6 s; voluntary
    release, fast, slow or in steps. Tops are 0.6-0.85 x the session's break-test top, as
    break tests read higher than make tests (Burns & Spanier 2005; Bohannon). A make
    effort is always a hold.

Limb motion (gyro, deg/s, positive in the direction of the examiner's push).
    Before a yield: elastic give of 0.002-0.008 deg/N (following the force with a
    50-120 ms lag), tremor of 0.3-2.5 deg/s
    at the force tremor frequency, examiner sway of 0.5-4 deg/s at 0.15-1.5 Hz. The yield:
    a positive burst that rises in 40-120 ms and decays over 0.1-0.4 s, 4-16 deg of
    rotation (2-6 deg for small yields), peak 15-110 deg/s (break-technique dynamometry
    moves the joint at 15-55 deg/s on average: Burns & Spanier 2005, electrogoniometer at
    the elbow). Hold releases: the limb springs back toward the examiner, a negative burst
    of 20-80 deg/s for fast releases (6-25 deg/s for slow ones, scaled per step; x 0.3 in
    10 % of holds) starting 10-50 ms into the release, while the force is still high. Half
    of the breaks also spring back a little (2-28 deg/s) at the final release. In make
    tests the patient pushes the other way, so the elastic give reads negative and the
    release rebound (2-10 deg/s) positive. Touches move the limb by +/-4 deg/s.

Recording.
    Rests of 0.6-1.6 s (55 %) or 1.6-8 s; touches and bumps of 5-15 % of the neighbouring
    efforts' peak lasting 0.1-0.6 s in 35 % of rests; preload 0-2 N (45 %) or 2-40 N,
    shifting by 1-8 N at 30 % of releases; 6 % of sessions start under load (inside the
    first effort's plateau) and 6 % end under load. Sensor: 80 Hz (Progressor-like:
    +/-300 ppm clock, 3-10 % timing jitter), 250 Hz or 1000 Hz (1 % jitter); white noise
    0.05-0.6 N; quantisation of 0-0.5 N; offset drift up to +/-1.5 N; one-sample spikes of
    15-200 N in 20 % of sessions; lost packets (1-4 samples at 80 Hz, 2-10 at 250 Hz,
    5-25 at 1000 Hz) in half of the sessions; a gap of 20-240 s without samples in the
    middle of a rest between efforts (6 % of the sessions that have a rest >= 1.5 s, ~3 %
    of all); a random time origin. Gyro: bias +/-2.5 deg/s, noise 0.2-1.5 deg/s, 0.061
    deg/s steps; unknown mounting (sign x random +/-1) in 30 % of them.

Case shares
-----------
Sessions: 80 % break tests, 20 % make tests; 1 effort (1/3) or 2-6; rates 80 / 250 /
1000 Hz in 40 / 30 / 30 %; gyro in 60 %. Efforts of break-test sessions: hold_plateau
15.5 %, hold_overshoot 8, hold_dip 7, hold_slow_release 9, hold_step_release 10,
break_rising 11, break_level 10, break_stopped 9, break_small 8, break_eccentric 7,
break_late 5.5 (a recording that starts under load starts with a hold, which brings the
late yields to ~4.5 % of break-test efforts). Efforts of make-test sessions: make_plateau
45 %, make_fatigue 30, make_step_release 25.

Ground truth
------------
The physical force (examiner profile, yield, tremor, wobble, touches, rest level) is
simulated at 2 kHz, noise-free; the sensor then samples it. From it, per effort: ``onset_s``
is the first time the force exceeds the preceding rest by 1 % of the peak; ``peak_n`` and
``peak_s`` are the maximum above that rest (above the following rest if the recording
starts under load, where ``onset_s = t[0]``); ``plateau_s`` is the first time the force
reaches 95 % of the peak, ``None`` for yields that interrupt the rise; ``break_s`` is the
highest point of the force between the start of the yield and 40 ms after the modelled
turn, i.e. the last maximum before the sustained fall; ``yield_s`` is when the simulated
limb starts to move (start of the yield burst); ``end_s`` is the time after which the
force stays within 1 % of the peak of the following rest (``t[-1]`` if the recording ends
under load). Draws that would make a label ambiguous are redrawn with the next sub-seed:
a break whose fall is < 12 % of the force at break or whose force later climbs back above
90 % of it, a non-late break that dwelt >= 0.3 s within 5 % of its peak or whose maximum
is not at the turn, a late one that dwelt < 0.5 s, and a hold (or make) effort whose force
falls by >= 12 % of the peak within 0.35 s before the release without regaining it within
2 s. As generated, non-late breaks dwell <= 0.24 s within 5 % of the peak; holds spend
>= 0.4 s near the top before the release.

Simplifications
---------------
The examiner's force and the limb motion are prescribed, not coupled through a
musculoskeletal model. In AF recordings of unstable muscles the force often keeps rising
during the lengthening (AFmax in the eccentric phase); here that is one variant
(``break_eccentric``), and in the others the force turns down within 25 ms of the yield.
The rest level changes only during releases (never drifting within a rest, apart from the
sensor offset); touches never overlap efforts; packets are lost at random, not in bursts
tied to radio conditions; the load cell's own dynamics are not modelled (samples are
interpolated from the 2 kHz simulation).

References
----------
Bittmann FN, Dech S, Aehle M, Schaefer LV (2020). Manual muscle testing - force profiles and
their reproducibility. Diagnostics 10:996.
Schaefer LV, Bittmann FN (2021). Sci Rep 11:16410; Schaefer LV et al. (2022) Brain Sci
12:1318; (2023) Life 13:911 (Adaptive Force, AFisomax/AFmax).
Burns SP, Spanier DE (2005). Break-technique handheld dynamometry: relation between angular
velocity and strength measurements. Arch Phys Med Rehabil 86:1420-1426 (break readings
16-51 % above make readings at 15-55 deg/s).
Gerz W, Leaf D (1994). Applied kinesiology muscle testing definitions.
Lakie M (2015) and related work: physiological tremor 6-12 Hz, amplitude grows with force.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["CASES", "EffortTruth", "Session", "corpus", "session"]

_FS = 2000.0  # internal simulation rate (Hz)

HOLD_CASES: tuple[str, ...] = (
    "hold_plateau",
    "hold_overshoot",
    "hold_dip",
    "hold_slow_release",
    "hold_step_release",
)
BREAK_CASES: tuple[str, ...] = (
    "break_rising",
    "break_level",
    "break_stopped",
    "break_small",
    "break_eccentric",
    "break_late",
)
MAKE_CASES: tuple[str, ...] = ("make_plateau", "make_fatigue", "make_step_release")
CASES: tuple[str, ...] = HOLD_CASES + BREAK_CASES + MAKE_CASES

# Shares of effort kinds within break-test sessions (sum 1) and within make-test sessions.
_BREAK_TEST_SHARES: dict[str, float] = {
    "hold_plateau": 0.155,
    "hold_overshoot": 0.08,
    "hold_dip": 0.07,
    "hold_slow_release": 0.09,
    "hold_step_release": 0.10,
    "break_rising": 0.11,
    "break_level": 0.10,
    "break_stopped": 0.09,
    "break_small": 0.08,
    "break_eccentric": 0.07,
    "break_late": 0.055,
}
_MAKE_TEST_SHARES: dict[str, float] = {
    "make_plateau": 0.45,
    "make_fatigue": 0.30,
    "make_step_release": 0.25,
}
_MAX_ATTEMPTS = 40


@dataclass(frozen=True)
class EffortTruth:
    """Ground truth of one effort, from the noise-free force and the simulated motion.

    Attributes
    ----------
    kind : str
        Scenario name, one of :data:`CASES`.
    test : str
        ``"break"`` (examiner pushes, patient resists) or ``"make"`` (patient pushes).
    verdict : str
        ``"hold"`` or ``"break"``; a make test is always ``"hold"``.
    late : bool
        True only for a yield that starts after a plateau of >= 0.5 s.
    onset_s : float
        First time the force exceeds the preceding rest by 1 % of the peak (s).
    peak_n : float
        Maximum of the force above the preceding rest (N).
    peak_s : float
        Time of that maximum (s).
    plateau_s : float or None
        First time the force reaches 95 % of the peak; None for yields in the rise.
    break_s : float or None
        Breaks only: the last maximum before the sustained fall (s).
    yield_s : float or None
        Breaks only: when the limb starts to move (s).
    end_s : float
        When the force is back at rest after the release (s).
    """

    kind: str
    test: str
    verdict: str
    late: bool
    onset_s: float
    peak_n: float
    peak_s: float
    plateau_s: float | None
    break_s: float | None
    yield_s: float | None
    end_s: float


@dataclass(frozen=True)
class Session:
    """One synthetic recording.

    Attributes
    ----------
    name : str
        ``f"{seed}:{index}"``; ``session(seed, index)`` regenerates it.
    t : numpy.ndarray
        Sample times (s), float64, shape (n,), strictly increasing, random origin.
    force : numpy.ndarray
        Force as the sensor reads it (N), float64, shape (n,).
    gyro : numpy.ndarray or None
        Signed angular velocity (deg/s), float64, shape (n,); None without motion sensor.
    gyro_sign_known : bool
        False when the gyro was multiplied by an unknown -1/+1.
    rate_hz : float
        Nominal sample rate (Hz).
    efforts : tuple of EffortTruth
        Every real effort, in time order.
    touches : tuple of (float, float)
        (start_s, end_s) of small touches and bumps that are not efforts.
    """

    name: str
    t: np.ndarray
    force: np.ndarray
    gyro: np.ndarray | None
    gyro_sign_known: bool
    rate_hz: float
    efforts: tuple[EffortTruth, ...]
    touches: tuple[tuple[float, float], ...]


# --------------------------------------------------------------------------- building blocks


class _Redraw(Exception):
    """Raised by an effort builder whose draw cannot give an unambiguous effort."""


def _shape(u: np.ndarray, kind: str, p: float) -> np.ndarray:
    """Map u in [0, 1] to a 0..1 transition of the given shape."""
    if kind == "lin":
        return u
    if kind == "cos":
        return 0.5 - 0.5 * np.cos(np.pi * u)
    if kind == "out":  # fast start, gentle arrival
        return 1.0 - (1.0 - u) ** p
    if kind == "in":  # gentle start, fast arrival
        return u**p
    raise ValueError(f"unknown shape {kind!r}")


class _Path:
    """A force path (N above the preceding rest) built from consecutive segments at _FS."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = [np.zeros(1)]
        self.n = 1
        self.y = 0.0

    @property
    def last(self) -> int:
        """Index of the current end of the path."""
        return self.n - 1

    def to(self, y1: float, dur: float, shape: str = "cos", p: float = 2.0) -> None:
        """Move from the current value to ``y1`` in ``dur`` seconds."""
        m = max(1, round(dur * _FS))
        u = np.arange(1, m + 1) / m
        self._parts.append(self.y + (y1 - self.y) * _shape(u, shape, p))
        self.n += m
        self.y = float(y1)

    def stay(self, dur: float) -> None:
        """Keep the current value for ``dur`` seconds."""
        self.to(self.y, dur, "lin")

    def array(self) -> np.ndarray:
        """The path so far, one value per internal sample."""
        if len(self._parts) > 1:
            self._parts = [np.concatenate(self._parts)]
        return self._parts[0]

    def truncate(self, i: int) -> None:
        """Keep samples 0..i only."""
        arr = self.array()[: i + 1].copy()
        self._parts = [arr]
        self.n = arr.size
        self.y = float(arr[-1])


def _loguniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _window(n: int, lo: int, hi: int, taper: float = 0.15) -> np.ndarray:
    """0 outside [lo, hi], 1 inside, with cosine tapers (at most a third of the span)."""
    w = np.zeros(n)
    hi = min(hi, n - 1)
    if hi - lo < 4:
        return w
    k = max(1, min(round(taper * _FS), (hi - lo) // 3))
    w[lo : hi + 1] = 1.0
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)
    w[lo : lo + k] = ramp
    w[hi - k + 1 : hi + 1] = ramp[::-1]
    return w


def _burst(n: int, i0: int, peak: float, rise_s: float, decay_s: float) -> np.ndarray:
    """Angular-velocity burst: quarter-sine rise (leaves zero with a finite slope), cos decay."""
    nr = max(2, round(rise_s * _FS))
    nd = max(2, round(decay_s * _FS))
    shape = np.concatenate(
        [
            np.sin(0.5 * np.pi * np.arange(nr) / nr),
            0.5 + 0.5 * np.cos(np.pi * np.arange(nd) / nd),
        ]
    )
    out = np.zeros(n)
    if 0 <= i0 < n:
        seg = shape[: n - i0]
        out[i0 : i0 + seg.size] = peak * seg
    return out


@dataclass(frozen=True)
class _Examiner:
    start_ratio: float
    start_dur: float
    rise_s: float
    profile: str
    jolts: bool
    spread: float


@dataclass(frozen=True)
class _Context:
    test: str
    examiner: _Examiner
    top: float
    tremor_hz: float
    delta: float  # change of the rest level across this effort (N)


@dataclass
class _Effort:
    """One effort on the internal grid, in local time, with the indices its labels need."""

    kind: str
    test: str
    verdict: str
    late: bool
    force: np.ndarray  # N above the preceding rest, noise-free, ends at the new rest
    omega: np.ndarray  # limb angular velocity (deg/s), physical
    delta: float
    has_plateau: bool
    i_turn: int | None = None
    i_bottom: int | None = None
    i_yield: int | None = None
    load_span: tuple[int, int] | None = None  # where a recording may start or end under load


_PROFILES = ("lin", "cos", "out", "in", "stepped")


def _draw_examiner(rng: np.random.Generator) -> _Examiner:
    """One examiner's habits (Bittmann et al. 2020: testers differ)."""
    return _Examiner(
        start_ratio=float(rng.uniform(0.05, 0.45)),
        start_dur=float(rng.uniform(0.05, 0.2)),
        rise_s=float(rng.uniform(0.7, 3.0)),
        profile=str(rng.choice(_PROFILES, p=[0.3, 0.3, 0.15, 0.1, 0.15])),
        jolts=bool(rng.random() < 0.15),
        spread=float(rng.uniform(0.1, 0.25)),
    )


def _examiner_rise(path: _Path, rng: np.random.Generator, ex: _Examiner, top: float) -> int:
    """Examiner's push from rest to ``top``: starting force, optional jolt, rise.

    Returns the index at which the starting force is reached and the rise begins.
    """
    jitter = 1.0 + ex.spread * rng.uniform(-1.0, 1.0)
    start = top * float(np.clip(ex.start_ratio * jitter, 0.03, 0.5))
    start_dur = ex.start_dur * float(rng.uniform(0.8, 1.25))
    if ex.jolts and rng.random() < 0.5:
        jolt = top * float(rng.uniform(0.05, 0.12))
        path.to(start + jolt, start_dur, "out")
        path.to(start, float(rng.uniform(0.05, 0.1)), "cos")
    else:
        path.to(start, start_dur, "out")
    i_start = path.last
    rise = float(np.clip(ex.rise_s * (1.0 + ex.spread * rng.uniform(-1.0, 1.0)), 0.6, 3.0))
    profile = ex.profile if rng.random() < 0.75 else str(rng.choice(_PROFILES))
    if profile == "stepped":
        steps = int(rng.integers(2, 4))
        pauses = rng.uniform(0.1, 0.3, steps - 1)
        ramp_total = max(0.3, rise - float(pauses.sum()))
        cuts = np.sort(rng.uniform(0.25, 0.85, steps - 1))
        levels = [*list(start + (top - start) * cuts), top]
        fracs = np.diff(np.concatenate([[0.0], cuts, [1.0]]))
        for j, level in enumerate(levels):
            path.to(level, ramp_total * float(fracs[j]), "cos")
            if j < steps - 1:
                path.stay(float(pauses[j]))
    else:
        path.to(top, rise, profile, float(rng.uniform(1.4, 2.2)))
    return i_start


def _release(
    path: _Path, rng: np.random.Generator, delta: float, style: str
) -> list[tuple[int, float, float]]:
    """Let go to the new rest; return (start index, fraction of force let go, speed) per step."""
    steps: list[tuple[int, float, float]] = []
    y0 = max(path.y, 1e-9)
    if style == "fast":
        dur = float(rng.uniform(0.1, 0.3))
        steps.append((path.last, 1.0, 1.0))
        path.to(delta, dur, str(rng.choice(["cos", "out", "in"])), float(rng.uniform(1.3, 2.0)))
    elif style == "slow":
        dur = float(rng.uniform(0.5, 2.5))
        steps.append((path.last, 1.0, 0.0))
        path.to(delta, dur, str(rng.choice(["lin", "cos", "out"])), float(rng.uniform(1.3, 2.5)))
    else:
        n = int(rng.integers(2, 4))
        fracs = np.sort(rng.uniform(0.2, 0.75, n - 1))[::-1]
        for frac in fracs:
            level = delta + (path.y - delta) * float(frac) if path.y > delta else path.y
            steps.append((path.last, (path.y - level) / y0, 1.0))
            path.to(level, float(rng.uniform(0.08, 0.3)), "cos")
            path.to(level * float(rng.uniform(0.97, 1.01)), float(rng.uniform(0.2, 0.8)), "lin")
        steps.append((path.last, (path.y - delta) / y0, 1.0))
        path.to(delta, float(rng.uniform(0.1, 0.35)), "cos")
    path.stay(0.05)
    return steps


def _tremor(n: int, rng: np.random.Generator, hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit tremor oscillation (sin, cos) at ``hz`` with a slow frequency wander."""
    tau = np.arange(n) / _FS
    f = hz + float(rng.uniform(-0.5, 0.5))
    wander = 0.3 * np.sin(2 * np.pi * float(rng.uniform(0.1, 0.4)) * tau + rng.uniform(0, 6.3))
    phase = 2 * np.pi * f * tau + wander + float(rng.uniform(0, 2 * np.pi))
    return np.sin(phase), np.cos(phase)


def _wobble(n: int, rng: np.random.Generator, amp: float) -> np.ndarray:
    """Slow (0.5-3 Hz) wobble of the examiner's hand, peak about ``amp``."""
    tau = np.arange(n) / _FS
    f1, f2 = (float(x) for x in rng.uniform(0.5, 3.0, 2))
    p1, p2 = (float(x) for x in rng.uniform(0, 2 * np.pi, 2))
    wave: np.ndarray = np.sin(2 * np.pi * f1 * tau + p1) + 0.6 * np.sin(2 * np.pi * f2 * tau + p2)
    return amp / 1.6 * wave


def _lag(x: np.ndarray, tau: float) -> np.ndarray:
    """First-order lag (time constant ``tau`` s) of ``x``, starting at rest, via the FFT."""
    n = x.size
    m = 1 << int(np.ceil(np.log2(2 * n)))
    kernel = np.exp(-np.arange(n) / (tau * _FS))
    kernel /= kernel.sum()
    y: np.ndarray = np.fft.irfft(np.fft.rfft(x, m) * np.fft.rfft(kernel, m), m)[:n]
    return y


def _motion(
    rng: np.random.Generator,
    base: np.ndarray,
    tremor_cos: np.ndarray,
    tremor_gain: np.ndarray | float,
    top: float,
    sign: float,
) -> np.ndarray:
    """Near-rest limb motion: elastic give with the load change, and tremor."""
    compliance = float(rng.uniform(0.002, 0.008))  # deg per N
    give = _lag(base, float(rng.uniform(0.05, 0.12)))  # soft tissue follows with a lag
    elastic: np.ndarray = sign * compliance * np.gradient(give) * _FS
    shaking: np.ndarray = tremor_gain * np.clip(base, 0.0, None) / top * tremor_cos
    motion: np.ndarray = elastic + shaking
    return motion


def _spring_back(
    n: int, rng: np.random.Generator, steps: list[tuple[int, float, float]], scale: float = 1.0
) -> np.ndarray:
    """Negative bursts as the limb springs back toward the examiner at each let-go."""
    out = np.zeros(n)
    for i0, frac, speed in steps:
        delay = round(float(rng.uniform(0.01, 0.05)) * _FS)
        if speed > 0.5:
            peak = -float(rng.uniform(20.0, 80.0))
            rise, decay = float(rng.uniform(0.03, 0.06)), float(rng.uniform(0.06, 0.2))
        else:
            peak = -float(rng.uniform(6.0, 25.0))
            rise, decay = float(rng.uniform(0.1, 0.2)), float(rng.uniform(0.2, 0.6))
        out += _burst(n, i0 + delay, peak * scale * min(1.0, 0.3 + frac), rise, decay)
    return out


# --------------------------------------------------------------------------- effort kinds


def _hold(kind: str, rng: np.random.Generator, ctx: _Context) -> _Effort:
    """Break test, strong muscle: rise, plateau, release by the examiner."""
    top = ctx.top * float(rng.uniform(0.85, 1.15))
    path = _Path()
    if kind == "hold_overshoot":
        over = float(rng.uniform(0.04, 0.11))
        _examiner_rise(path, rng, ctx.examiner, top * (1.0 + over))
        path.to(top, float(rng.uniform(0.25, 0.8)), "out", 2.0)
    else:
        _examiner_rise(path, rng, ctx.examiner, top)
    i_top = path.last
    if kind == "hold_dip":
        path.to(top * float(rng.uniform(0.98, 1.02)), float(rng.uniform(0.3, 1.2)), "lin")
        depth = float(rng.uniform(0.10, 0.25))
        path.to(path.y * (1.0 - depth), float(rng.uniform(0.1, 0.4)), "cos")
        path.stay(float(rng.uniform(0.0, 0.2)))
        path.to(top * float(rng.uniform(0.98, 1.03)), float(rng.uniform(0.3, 1.2)), "cos")
        path.to(path.y * float(rng.uniform(0.96, 1.03)), float(rng.uniform(0.8, 2.5)), "lin")
    else:
        plateau = _loguniform(rng, 0.3, 4.0)
        if kind == "hold_overshoot":
            plateau = max(plateau, 1.0)
        path.to(top * (1.0 + float(rng.uniform(-0.06, 0.05)) * min(1.0, plateau / 2)), plateau)
    i_rel = path.last
    style = {"hold_slow_release": "slow", "hold_step_release": "steps", "hold_plateau": "fast"}
    rel = style.get(kind) or str(rng.choice(["fast", "slow", "steps"], p=[0.6, 0.25, 0.15]))
    steps = _release(path, rng, ctx.delta, rel)
    base = path.array().copy()
    n = base.size
    s, c = _tremor(n, rng, ctx.tremor_hz)
    force = base + float(rng.uniform(0.003, 0.012)) * np.clip(base, 0.0, None) * s
    force += _wobble(n, rng, top * float(rng.uniform(0.005, 0.025))) * _window(n, i_top, i_rel)
    omega = _motion(rng, base, c, float(rng.uniform(0.3, 2.5)), top, 1.0)
    omega += _spring_back(n, rng, steps, 1.0 if rng.random() < 0.9 else 0.3)
    return _Effort(
        kind, "break", "hold", False, force, omega, ctx.delta, True,
        load_span=(i_top + round(0.3 * _FS), i_rel),
    )  # fmt: skip


def _make(kind: str, rng: np.random.Generator, ctx: _Context) -> _Effort:
    """Make test: the patient pushes, holds (or fatigues) and lets go."""
    top = ctx.top * float(rng.uniform(0.6, 0.85))
    path = _Path()
    rise = float(rng.uniform(0.4, 1.5))
    overshoot = kind == "make_plateau" and rng.random() < 0.4
    peak = top * (1.0 + float(rng.uniform(0.04, 0.11))) if overshoot else top
    path.to(peak, rise, str(rng.choice(["cos", "out", "lin"])), float(rng.uniform(1.4, 2.2)))
    if overshoot:
        path.to(top, float(rng.uniform(0.25, 0.8)), "out", 2.0)
    i_top = path.last
    if kind == "make_fatigue":
        decline = float(rng.uniform(0.10, 0.35))
        path.to(top * (1 - decline), float(rng.uniform(2.0, 6.0)), str(rng.choice(["lin", "out"])))
    else:
        path.to(top * (1.0 + float(rng.uniform(-0.05, 0.05))), float(rng.uniform(1.0, 5.0)), "lin")
    i_rel = path.last
    if kind == "make_step_release":
        rel = "steps"
    else:
        rel = str(rng.choice(["fast", "slow"], p=[0.6, 0.4]))
    steps = _release(path, rng, ctx.delta, rel)
    base = path.array().copy()
    n = base.size
    s, c = _tremor(n, rng, ctx.tremor_hz)
    force = base + float(rng.uniform(0.005, 0.02)) * np.clip(base, 0.0, None) * s
    force += _wobble(n, rng, top * float(rng.uniform(0.005, 0.02))) * _window(n, i_top, i_rel)
    omega = _motion(rng, base, c, float(rng.uniform(0.2, 1.5)), top, -1.0)
    for i0, frac, _speed in steps:  # the relaxing limb moves away from the device
        omega += _burst(n, i0, float(rng.uniform(2.0, 10.0)) * frac, 0.08, 0.25)
    return _Effort(
        kind, "make", "hold", False, force, omega, ctx.delta, True,
        load_span=(i_top + round(0.3 * _FS), i_rel),
    )  # fmt: skip


def _draw_ratio(rng: np.random.Generator) -> float:
    """Force at the yield / the examiner's top (AFisomax/AFmax-like)."""
    if rng.random() < 0.7:
        return float(rng.uniform(0.50, 0.65))
    return float(rng.uniform(0.45, 0.80))


def _break(kind: str, rng: np.random.Generator, ctx: _Context) -> _Effort:
    """Break test, weak muscle: the limb yields and the force falls."""
    top = ctx.top * float(rng.uniform(0.85, 1.15))
    path = _Path()
    i_start = _examiner_rise(path, rng, ctx.examiner, top)
    late = kind == "break_late"
    if late:
        i_top = path.last
        path.to(top * (1.0 + float(rng.uniform(-0.04, 0.03))), float(rng.uniform(0.6, 2.5)), "lin")
        i_yield = path.last
        i_turn = i_yield + round(float(rng.uniform(0.0, 0.025)) * _FS)
        path.stay((i_turn - i_yield) / _FS)
    else:
        i_top = None
        planned = path.array()
        rho = _draw_ratio(rng)
        # The yield comes once the examiner's pressure passes rho x top, >= 0.2 s after the
        # starting force, while he is still raising it (by >= 2 % of the top in 0.2 s).
        lag = round(0.2 * _FS)
        rising = np.zeros(planned.size, dtype=bool)
        rising[i_start + lag :] = (
            planned[i_start : planned.size - lag] <= planned[i_start + lag :] - 0.02 * top
        )
        above = np.flatnonzero((planned >= rho * top) & rising)
        if above.size == 0 or planned[above[0]] > (rho + 0.15) * top:
            raise _Redraw
        i_yield = int(above[0])
        i_turn = min(planned.size - 1, i_yield + round(float(rng.uniform(0.0, 0.025)) * _FS))
        path.truncate(i_turn)
    if kind == "break_eccentric":
        rise_to = path.y * (1 + float(rng.uniform(0.03, 0.12)))
        path.to(rise_to, float(rng.uniform(0.08, 0.25)), "out")
        i_turn = path.last
    f_break = path.y
    fall = float(rng.uniform(0.08, 0.35))
    fall_shape = str(rng.choice(["cos", "in"]))
    stopped = kind == "break_stopped" or (kind == "break_eccentric" and rng.random() < 0.3)
    if stopped:
        path.to(ctx.delta, fall, fall_shape, 1.5)
        i_bottom = path.last
        path.stay(0.05)
        steps = [(i_bottom, 1.0, 1.0)]
        load_span = None
        level_end = i_bottom
    else:
        drop = {
            "break_rising": (0.25, 0.65),
            "break_small": (0.13, 0.20),
        }.get(kind, (0.20, 0.60))
        level = f_break * (1.0 - float(rng.uniform(*drop)))
        path.to(level, fall, fall_shape, 1.5)
        i_bottom = path.last
        hold_for = {
            "break_rising": (0.12, 0.3),
            "break_level": (0.3, 1.5),
            "break_small": (0.3, 1.2),
        }.get(kind, (0.15, 1.0))
        path.to(level * float(rng.uniform(0.93, 1.02)), float(rng.uniform(*hold_for)), "lin")
        level_end = path.last
        load_span = (i_bottom + round(0.15 * _FS), level_end)
        rel = "fast" if kind == "break_rising" else str(rng.choice(["fast", "slow", "steps"]))
        steps = _release(path, rng, ctx.delta, rel)
    base = path.array().copy()
    n = base.size
    s, c = _tremor(n, rng, ctx.tremor_hz)
    idx = np.arange(n)
    after = np.clip((idx - i_yield) / (0.1 * _FS), 0.0, 1.0)
    pre = float(rng.uniform(0.003, 0.012)) if late else float(rng.uniform(0.001, 0.004))
    post = float(rng.uniform(0.006, 0.02))
    force = base + (pre + (post - pre) * after) * np.clip(base, 0.0, None) * s
    if late:
        force += _wobble(n, rng, top * float(rng.uniform(0.005, 0.025))) * _window(
            n, i_top or 0, i_yield - round(0.05 * _FS)
        )
    if level_end > i_bottom:
        force += _wobble(n, rng, f_break * float(rng.uniform(0.005, 0.02))) * _window(
            n, i_bottom, level_end
        )
    g_pre = float(rng.uniform(0.3, 1.5)) if not late else float(rng.uniform(0.3, 2.5))
    omega = _motion(rng, base, c, g_pre + float(rng.uniform(0.5, 2.0)) * after, top, 1.0)
    small = kind == "break_small"
    angle = float(rng.uniform(2.0, 6.0)) if small else float(rng.uniform(4.0, 16.0))
    rise = float(rng.uniform(0.04, 0.12))
    decay = float(np.clip(fall * rng.uniform(0.8, 1.3), 0.1, 0.4))
    peak = float(np.clip(angle / (rise * 2 / np.pi + decay / 2), 15.0, 110.0))
    omega += _burst(n, i_yield, peak, rise, decay)
    if rng.random() < 0.5:
        omega += _spring_back(n, rng, steps[-1:], float(rng.uniform(0.1, 0.35)))
    eff = _Effort(
        kind, "break", "break", late, force, omega, ctx.delta, late,
        i_turn=i_turn, i_bottom=i_bottom, i_yield=i_yield, load_span=load_span,
    )  # fmt: skip
    return eff


# --------------------------------------------------------------------------- validation


def _yield_like_fall(force: np.ndarray, lo: int, hi: int, peak: float) -> bool:
    """A fall of >= 12 % of the peak within 0.35 s in [lo, hi) that is not regained in 2 s."""
    step = 10  # check at 200 Hz
    x = force[::step]
    a, b = lo // step, hi // step
    w_fall, w_back = round(0.35 * _FS / step), round(2.0 * _FS / step)
    for i in range(a, max(a, b)):
        seg = x[i : min(i + w_fall, b) + 1]
        j = int(np.argmin(seg))
        if x[i] - seg[j] < 0.12 * peak:
            continue
        back = x[i + j : min(i + j + w_back, b) + 1]
        if back.max() < x[i] - 0.05 * peak:
            return True
    return False


def _turn_index(force: np.ndarray, i_yield: int, i_turn: int) -> int:
    """The last maximum before the sustained fall: the highest point of the noise-free force
    between the start of the yield and 40 ms after the modelled turn."""
    hi = i_turn + round(0.04 * _FS)
    return i_yield + int(np.argmax(force[i_yield : hi + 1]))


def _valid(eff: _Effort) -> bool:
    f = eff.force
    if eff.verdict == "hold":
        peak = float(f.max())
        first = int(np.flatnonzero(f >= 0.95 * peak)[0])
        hi = eff.load_span[1] if eff.load_span else f.size
        return not _yield_like_fall(f, first, hi, peak)
    assert eff.i_turn is not None and eff.i_bottom is not None
    assert eff.i_yield is not None
    i_b = _turn_index(f, eff.i_yield, eff.i_turn)
    f_b = float(f[i_b])
    top = float(f[: eff.i_bottom].max())
    if not eff.late and top > f_b:
        return False
    after = f[eff.i_bottom : eff.i_bottom + round(0.1 * _FS)]
    if (f_b - float(after.mean())) / f_b < 0.12 or float(f[eff.i_bottom :].max()) > 0.9 * f_b:
        return False
    dwell = (i_b - int(np.flatnonzero(f[: i_b + 1] >= 0.95 * top)[0])) / _FS
    if eff.late:
        return dwell >= 0.5 and f_b >= 0.95 * top
    return dwell < 0.3


def _build_effort(kind: str, seed: int, index: int, k: int, ctx: _Context) -> _Effort:
    builder: Callable[[str, np.random.Generator, _Context], _Effort]
    builder = _hold if kind in HOLD_CASES else _make if kind in MAKE_CASES else _break
    for attempt in range(_MAX_ATTEMPTS):
        rng = np.random.default_rng([seed, index, 1 + k, attempt])
        try:
            eff = builder(kind, rng, ctx)
        except _Redraw:
            continue
        if _valid(eff):
            return eff
    raise RuntimeError(f"no valid {kind} after {_MAX_ATTEMPTS} draws (seed {seed}:{index})")


# --------------------------------------------------------------------------- session


@dataclass(frozen=True)
class _Built:
    """A session together with its noise-free force and motion at the sample times."""

    session: Session
    clean_force: np.ndarray
    clean_omega: np.ndarray


def _rest_s(rng: np.random.Generator) -> float:
    return float(rng.uniform(0.6, 1.6)) if rng.random() < 0.55 else _loguniform(rng, 1.6, 8.0)


def _sample_times(rng: np.random.Generator, rate: float, w0: float, w1: float) -> np.ndarray:
    """Sample instants (internal time) of a device at ``rate`` between w0 and w1."""
    nominal = 1.0 / rate
    if rate < 100:
        clock = 1.0 + float(rng.uniform(-3e-4, 3e-4))
        jitter = float(rng.uniform(0.03, 0.10))
    else:
        clock = 1.0 + float(rng.uniform(-1e-4, 1e-4))
        jitter = 0.01
    m = int((w1 - w0) * rate * 1.2) + 16
    dt = nominal * clock * np.clip(1.0 + jitter * rng.standard_normal(m), 0.4, 1.6)
    ts = w0 + float(rng.uniform(0.0, nominal)) + np.concatenate([[0.0], np.cumsum(dt[:-1])])
    ts = ts[ts <= w1]
    if rng.random() < 0.5:  # lost packets
        run = {80.0: (1, 5), 250.0: (2, 11)}.get(rate, (5, 26))
        keep = np.ones(ts.size, dtype=bool)
        for _ in range(int(rng.integers(1, 6))):
            length = int(rng.integers(*run))
            i = int(rng.integers(1, max(2, ts.size - length - 1)))
            keep[i : i + length] = False
        ts = ts[keep]
    return ts


def _build(seed: int, index: int) -> _Built:
    """Generate session (seed, index) and its noise-free signals at the sample times."""
    if seed < 0 or index < 0:
        raise ValueError(f"seed and index must be >= 0, got seed={seed}, index={index}")
    rng = np.random.default_rng([seed, index, 0])
    test = "make" if rng.random() < 0.2 else "break"
    n_eff = 1 if rng.random() < 1 / 3 else int(rng.integers(2, 7))
    examiner = _draw_examiner(rng)
    strength = _loguniform(rng, 40.0, 400.0)
    tremor_hz = float(rng.uniform(6.5, 11.5))
    rate = float(rng.choice([80.0, 250.0, 1000.0], p=[0.4, 0.3, 0.3]))
    has_gyro = bool(rng.random() < 0.6)
    sign_known = bool(rng.random() < 0.7) if has_gyro else True
    loaded_start = bool(rng.random() < 0.06)
    loaded_end = bool(rng.random() < 0.06)
    rest = float(rng.uniform(0.0, 2.0)) if rng.random() < 0.45 else float(rng.uniform(2.0, 40.0))
    shares = _BREAK_TEST_SHARES if test == "break" else _MAKE_TEST_SHARES
    names = list(shares)
    probs = np.array([shares[k] for k in names])

    efforts: list[_Effort] = []
    rests: list[float] = []
    for k in range(n_eff):
        kind = str(rng.choice(names, p=probs / probs.sum()))
        if k == 0 and loaded_start and kind not in HOLD_CASES + MAKE_CASES:
            kind = "hold_plateau" if test == "break" else "make_plateau"
        delta = 0.0
        if rng.random() < 0.3:
            delta = float(rng.uniform(1.0, 8.0)) * (1 if rng.random() < 0.5 else -1)
            delta = max(delta, -rest)
        ctx = _Context(test, examiner, strength, tremor_hz, delta)
        eff = _build_effort(kind, seed, index, k, ctx)
        rests.append(rest)
        rest += eff.delta
        efforts.append(eff)

    # Lay the efforts out on the internal grid.
    f_parts: list[np.ndarray] = []
    w_parts: list[np.ndarray] = []
    starts: list[int] = []
    rest_spans: list[tuple[int, int, float]] = []  # (start, stop, level)
    cursor = 0

    def add_rest(dur: float, level: float) -> None:
        nonlocal cursor
        m = round(dur * _FS)
        f_parts.append(np.full(m, level))
        w_parts.append(np.zeros(m))
        rest_spans.append((cursor, cursor + m, level))
        cursor += m

    add_rest(float(rng.uniform(0.5, 3.0)), rests[0])
    for k, eff in enumerate(efforts):
        starts.append(cursor)
        f_parts.append(rests[k] + eff.force)
        w_parts.append(eff.omega)
        cursor += eff.force.size
        after = rests[k] + eff.delta
        add_rest(_rest_s(rng) if k < n_eff - 1 else float(rng.uniform(0.5, 3.0)), after)
    force = np.concatenate(f_parts)
    omega = np.concatenate(w_parts)
    n = force.size

    # Sometimes a long gap without samples in the middle of a rest between efforts.
    gap_rest, gap = -1, 0.0
    inner = [
        r for r in range(1, len(rest_spans) - 1) if rest_spans[r][1] - rest_spans[r][0] >= 1.5 * _FS
    ]
    if inner and rng.random() < 0.06:
        gap_rest, gap = inner[int(rng.integers(len(inner)))], float(rng.uniform(20.0, 240.0))

    # Touches and bumps in rests (kept 0.3 s away from efforts and from a gap).
    touches_int: list[tuple[int, int]] = []
    peaks = [float(e.force.max()) for e in efforts]
    for r, (a, b, _level) in enumerate(rest_spans):
        dur = float(rng.uniform(0.1, 0.6))
        room = (b - a) / _FS - 0.6 - dur
        if room <= 0.1 or rng.random() >= 0.35 or r == gap_rest:
            continue
        i0 = a + round((0.3 + float(rng.uniform(0.0, room))) * _FS)
        m = round(dur * _FS)
        near = [peaks[j] for j in (r - 1, r) if 0 <= j < len(peaks)]
        amp = float(np.mean(near)) * float(rng.uniform(0.05, 0.15))
        bump = amp * np.sin(np.pi * np.arange(m + 1) / m) ** 2
        force[i0 : i0 + m + 1] += bump
        omega[i0 : i0 + m + 1] += (
            float(rng.uniform(-4.0, 4.0))
            * np.gradient(bump)
            / max(1e-9, float(np.abs(np.gradient(bump)).max()))
        )
        touches_int.append((i0, i0 + m))

    # Examiner sway, present throughout.
    tau = np.arange(n) / _FS
    sway_amp = float(rng.uniform(0.5, 4.0))
    for f_s, share in zip(rng.uniform(0.15, 1.5, 3), (0.6, 0.3, 0.1), strict=True):
        omega += sway_amp * share * np.sin(2 * np.pi * f_s * tau + rng.uniform(0, 2 * np.pi))

    # Recording window (starting or ending under load).
    w0, w1 = 0.0, (n - 1) / _FS
    if loaded_start and efforts[0].load_span is not None:
        lo, hi = efforts[0].load_span
        if hi - lo > round(0.3 * _FS):
            w0 = (starts[0] + lo + float(rng.uniform(0.0, 0.7)) * (hi - lo)) / _FS
        else:
            loaded_start = False
    else:
        loaded_start = False
    last = efforts[-1]
    if loaded_end and last.load_span is not None and (n_eff > 1 or not loaded_start):
        lo, hi = last.load_span
        cut = (starts[-1] + lo + float(rng.uniform(0.2, 0.9)) * (hi - lo)) / _FS
        if hi - lo > round(0.2 * _FS) and cut > w0 + 1.0:
            w1 = cut
        else:
            loaded_end = False
    else:
        loaded_end = False

    ts = _sample_times(rng, rate, w0, w1)
    clean_f = np.interp(ts, tau, force)
    clean_w = np.interp(ts, tau, omega)

    # Output time: random origin, and sometimes a long gap inside a rest.
    origin = float(rng.uniform(10.0, 5000.0))
    gap_at = np.inf
    if gap_rest >= 0:
        gap_at = (rest_spans[gap_rest][0] + rest_spans[gap_rest][1]) / 2 / _FS

    def out_time(x: float) -> float:
        return float(origin + x + (gap if x > gap_at else 0.0))

    t = origin + ts + np.where(ts > gap_at, gap, 0.0)

    # Sensor.
    noise_sd = {80.0: (0.05, 0.3), 250.0: (0.1, 0.5)}.get(rate, (0.1, 0.6))
    drift = float(rng.uniform(-1.5, 1.5)) * (ts - ts[0]) / max(1.0, ts[-1] - ts[0])
    meas = clean_f + drift + float(rng.uniform(*noise_sd)) * rng.standard_normal(ts.size)
    quant = float(rng.choice([0.0, 0.0980665, 0.05, 0.25, 0.5]))
    if quant > 0:
        meas = np.round(meas / quant) * quant
    if rng.random() < 0.2:
        for _ in range(int(rng.integers(1, 4))):
            i = int(rng.integers(ts.size))
            meas[i] += float(rng.uniform(15.0, 200.0)) * (1 if rng.random() < 0.5 else -1)
    gyro: np.ndarray | None = None
    if has_gyro:
        g = clean_w + float(rng.uniform(-2.5, 2.5))
        g = g + float(rng.uniform(0.2, 1.5)) * rng.standard_normal(ts.size)
        g = np.round(g / 0.061) * 0.061
        sign = 1.0 if sign_known else float(rng.choice([-1.0, 1.0]))
        gyro = (sign * g).astype(np.float64)

    truths = tuple(
        _truth(
            eff, starts[k], rests[k], force, tau, ts, out_time,
            loaded_start and k == 0, loaded_end and k == n_eff - 1, t,
        )
        for k, eff in enumerate(efforts)
    )  # fmt: skip
    touches = tuple(
        (out_time(a / _FS), out_time(b / _FS))
        for a, b in touches_int
        if w0 <= a / _FS and b / _FS <= w1
    )
    sess = Session(
        name=f"{seed}:{index}",
        t=t.astype(np.float64),
        force=meas.astype(np.float64),
        gyro=gyro,
        gyro_sign_known=sign_known,
        rate_hz=rate,
        efforts=truths,
        touches=touches,
    )
    return _Built(sess, clean_f, clean_w)


def _truth(
    eff: _Effort,
    start: int,
    rest_before: float,
    force: np.ndarray,
    tau: np.ndarray,
    ts: np.ndarray,
    out_time: Callable[[float], float],
    loaded_start: bool,
    loaded_end: bool,
    t: np.ndarray,
) -> EffortTruth:
    """Labels of one effort from the noise-free force on the internal grid."""
    a = start
    b = start + eff.force.size
    if loaded_start:
        a = max(a, int(np.searchsorted(tau, ts[0])))
    if loaded_end:
        b = min(b, int(np.searchsorted(tau, ts[-1], side="right")))
    rest_after = rest_before + eff.delta
    ref = rest_after if loaded_start else rest_before
    x = force[a:b] - ref
    ip = int(np.argmax(x))
    peak = float(x[ip])
    if loaded_start:
        onset = float(t[0])
    else:
        onset = out_time(tau[a + int(np.flatnonzero(x > 0.01 * peak)[0])])
    plateau = None
    if eff.has_plateau:
        plateau = out_time(tau[a + int(np.flatnonzero(x >= 0.95 * peak)[0])])
        if loaded_start:
            plateau = max(plateau, float(t[0]))
    if loaded_end:
        end = float(t[-1])
    else:
        above = np.flatnonzero(force[a:b] - rest_after > 0.01 * peak)
        end = out_time(tau[a + int(above[-1]) + 1])
    brk = yld = None
    if eff.verdict == "break":
        assert eff.i_turn is not None and eff.i_yield is not None
        i_b = start + _turn_index(eff.force, eff.i_yield, eff.i_turn)
        brk = out_time(tau[i_b])
        yld = out_time(tau[start + eff.i_yield])
    return EffortTruth(
        kind=eff.kind,
        test=eff.test,
        verdict=eff.verdict,
        late=eff.late,
        onset_s=float(onset),
        peak_n=peak,
        peak_s=out_time(tau[a + ip]),
        plateau_s=None if plateau is None else float(plateau),
        break_s=None if brk is None else float(brk),
        yield_s=None if yld is None else float(yld),
        end_s=float(end),
    )


def session(seed: int, index: int) -> Session:
    """Generate one synthetic recording, fully determined by ``(seed, index)``.

    Parameters
    ----------
    seed : int
        Corpus seed, >= 0.
    index : int
        Index of the session within the corpus, >= 0.

    Returns
    -------
    Session
        Samples (shape (n,) each) and the ground truth of every effort.

    Raises
    ------
    ValueError
        If ``seed`` or ``index`` is negative.

    Examples
    --------
    >>> s = session(31337, 0)
    >>> s.name
    '31337:0'
    """
    return _build(seed, index).session


def corpus(n: int = 300, seed: int = 31337) -> list[Session]:
    """Generate ``n`` sessions: ``[session(seed, i) for i in range(n)]``.

    Parameters
    ----------
    n : int, default 300
        Number of sessions, >= 0.
    seed : int, default 31337
        Corpus seed, >= 0.

    Returns
    -------
    list of Session
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return [session(seed, i) for i in range(n)]
