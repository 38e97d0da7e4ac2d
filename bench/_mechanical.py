"""Hold-out trace generator: a manual muscle test simulated as a mechanical system.

The engine's own corpus describes force curves directly. This generator does
not: it simulates the bodies and controllers of a test and records what a
load cell between them would read, so that the curves' shapes (the rise, the
turn-down of a break, the rebound after a release) come out of physics rather
than out of a template. The two are built on different assumptions on
purpose: the engine is scored here on traces it was never tuned to.

Bodies (one linear axis through the contact point; ``x > 0`` is the direction
the examiner pushes, i.e. the direction in which the limb yields):

* the **limb**: effective mass ``m`` (1.5–4 kg at the pad), a passive joint
  (spring ``k_j``, damper ``c_j``, stiff end of range after 12 cm), its weight
  ``W`` resting on the pad (preload, 0 or 5–40 N);
* the **contact**: pad and soft tissue as a unilateral spring-damper
  (``k_c`` 8–25 kN/m): the load cell reads ``F_c = max(0, k_c (h - x) + c_c (h' - x'))``;
* the **examiner's hand**: mass ``m_h`` driven by a pressure command ``P(t)``
  (the examiner is a force controller) and an arm impedance ``k_h`` about a
  posture that slowly follows the hand. When the limb gives, the hand follows,
  the arm spring relaxes and the contact force falls: the turn-down of a break
  is a consequence of motion, not a drawn curve;
* the **patient's muscle**: a voluntary force ``tone`` that tracks the felt
  pressure with a lag (80–200 ms), a short-range stiffness growing with force
  around a position reference that slowly accepts new positions, a
  force-velocity law (Hill hyperbola when shortening; eccentric boost up to
  1.2–1.5 × when lengthening, which is why yielding can raise the force) and a
  **capacity** ``C(t)`` that caps it all (maximal force with fatigue; a drop
  of capacity is the inhibition of a "weak" muscle). Physiological tremor
  (6–12 Hz narrow-band, amplitude growing with force, larger after a yield)
  is added to the muscle force, so the limb and contact filter it.

A **hold**: capacity stays above what the examiner asks; the contact force
follows the examiner and comes back to rest when he releases (fast, slow or
very slow). A **break**: capacity falls below the demand; the limb accelerates,
the examiner feels it after a reaction time (80–200 ms) and lowers his push to
a lower level while keeping contact, then releases (after 0.3–1.2 s, or at
once). The patient cannot push the limb back (capacity ≤ the lower level).

Sensing and delivery: a boxcar average over one sample period (a sigma-delta
ADC integrates), tare offset, temperature drift and creep, white noise,
quantisation, one-sample glitches; three delivery profiles (80 Hz
Progressor-like with device microsecond stamps and 4–8 samples per
notification, 1 kHz open-profile-like with a sample counter, 200 Hz with host
arrival stamps back-filled per notification); lost notifications and, in a
few traces, a long gap at a harmless place; a random host clock origin. The
gyro channel is the device's angular rate: pressed on the segment it turns
with the limb (its angular speed about the joint, tremor included), plus a
lift-off swing after contact is lost, bias, noise and a random mounting sign.

Ground truth (in the trace's time base) comes from a second, tremor-free run
of the same simulation and from the limb motion, never from the sensor:

* ``onset_s``: the noise-free contact force first exceeds 1 % of its peak
  above rest (rest = the preload);
* ``peak_n``/``peak_s``: the maximum of that force above rest;
* ``break_s``: the start of the sustained fall, i.e. the last maximum before
  it: walking back from the steepest point of the fall with a 0.5 %-of-peak
  hysteresis (ripples on the way down do not count), never before the moment
  the capacity met the examiner's push (an earlier slow wobble is not the fall);
* ``yield_s``: when the limb starts to yield: the last time before the yield's
  peak speed where the speed was at most max(3 % of that peak, 1.5 deg/s).

A drawn trace is kept only if its physics agrees with its label (a break must
yield ≥ 1.5 degrees at ≥ 6 deg/s and its force fall ≥ 12 % and level off above 30 % of the
force at break; a hold must not yield), otherwise it is redrawn with the next
seed of the same trace: labels are never ambiguous.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

DT = 1e-3
"""Simulation step (s): the contact resonance (15–45 Hz) is well resolved."""

HOLD_CASES = (
    "hold_plain",
    "hold_slow_release",
    "hold_very_slow_release",
    "hold_ease_off",
    "hold_wobbly",
    "hold_double_push",
    "hold_two_stage",
    "hold_quick_stop",
    "hold_preload",
    "hold_glitchy",
)
BREAK_CASES = (
    "break_plateau",
    "break_rising",
    "break_release_at_once",
    "break_small_drop",
    "break_slow_give",
    "break_preload",
    "break_wobbly",
)
CASES = HOLD_CASES + BREAK_CASES
PROFILES = ("progressor80", "open1k", "generic200")


@dataclass(frozen=True)
class Truth:
    """Labels of one trace; times in the trace's own time base (s)."""

    case: str
    verdict: str
    onset_s: float
    peak_n: float
    peak_s: float
    break_s: float | None
    yield_s: float | None
    rate_hz: float
    profile: str
    preload_n: float
    drop_pct: float | None
    attempts: int
    plateau_s: float
    """First time the tremor-free force reaches 95 % of the top it held before the
    limb began to give, above rest (in a hold: the trace's start, not measured)."""


@dataclass(frozen=True)
class MechTrace:
    """One recording: samples, notification boundaries and its labels."""

    t: np.ndarray
    force: np.ndarray
    gyro: np.ndarray
    notif_ends: np.ndarray
    truth: Truth
    seed: int
    index: int


@dataclass
class _Spec:
    """Everything drawn for one trace before simulation (inputs on the DT grid)."""

    case: str
    rng: np.random.Generator
    attempt: int
    n: int
    p_cmd: np.ndarray
    cap: np.ndarray
    trem_unit: np.ndarray
    trem_gain: np.ndarray
    weight: float
    par: dict[str, float]
    is_break: bool
    release_k: int
    cross_k: int = 0
    gap_forbidden: list[tuple[float, float]] = field(default_factory=list)


# --- random shapes ------------------------------------------------------------


def _band_noise(rng: np.random.Generator, n: int, f_lo: float, f_hi: float) -> np.ndarray:
    """Unit-rms noise limited to [f_lo, f_hi] Hz (FFT shaping of white noise)."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, DT)
    spec[(f < f_lo) | (f > f_hi)] = 0.0
    out = np.fft.irfft(spec, n)
    return out / (np.std(out) + 1e-12)


def _tremor(rng: np.random.Generator, n: int) -> np.ndarray:
    """Narrow-band unit-rms tremor around a per-subject frequency of 6–12 Hz."""
    f0 = rng.uniform(6.5, 11.5)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, DT)
    spec *= np.exp(-0.5 * ((f - f0) / rng.uniform(0.5, 1.2)) ** 2)
    out = np.fft.irfft(spec, n)
    return out / (np.std(out) + 1e-12)


def _smooth01(u: np.ndarray) -> np.ndarray:
    """Smooth 0→1 step (quintic), flat at both ends like a deliberate hand motion."""
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10 - 15 * u + 6 * u**2)


def _ramp(rng: np.random.Generator, tau: np.ndarray, t0: float, dur: float, kind: str):
    """Examiner's rise from 0 to 1 starting at t0 over ``dur`` s.

    Shapes differ between examiners (Bittmann 2020): a sigmoid, an exponential
    approach (steep start, slow finish), a two-stage push with a pause, or a
    roughly linear push with rounded corners.
    """
    u = (tau - t0) / dur
    if kind == "sigmoid":
        s = 1 / (1 + np.exp(-rng.uniform(7, 12) * (u - 0.5)))
        lo, hi = s[np.searchsorted(u, 0.0)], s[min(np.searchsorted(u, 1.0), u.size - 1)]
        return np.where(u <= 0, 0.0, np.where(u >= 1, 1.0, (s - lo) / (hi - lo)))
    if kind == "exp":
        rate = rng.uniform(3.0, 5.0)
        start = _smooth01(u / 0.08)
        return np.where(
            u <= 0, 0.0, start * np.minimum((1 - np.exp(-rate * u)) / (1 - np.exp(-rate)), 1)
        )
    if kind == "two_stage":
        first, pause = rng.uniform(0.35, 0.7), rng.uniform(0.15, 0.6) / dur
        a = min(rng.uniform(0.3, 0.5), 1 - pause - 0.15)
        creep = rng.uniform(0.0, 0.06)
        up1 = first * _smooth01(u / a)
        hold = creep * np.clip((u - a) / pause, 0, 1)
        up2 = (1 - first - creep) * _smooth01((u - a - pause) / (1 - a - pause))
        return np.where(u <= 0, 0.0, up1 + hold + up2)
    lin = np.clip(u, 0, 1)
    k = max(1, int(rng.uniform(0.06, 0.15) / DT))
    return np.convolve(np.pad(lin, (k, k), mode="edge"), np.ones(k) / k, "same")[k:-k]


def _release(tau: np.ndarray, t0: float, dur: float, kind: str) -> np.ndarray:
    """Factor falling from 1 to 0 from t0 over ``dur`` (cosine, exponential or linear-ish)."""
    u = np.clip((tau - t0) / dur, 0.0, 1.0)
    if kind == "exp":
        return np.where(u >= 1, 0.0, (np.exp(-4 * u) - np.exp(-4)) / (1 - np.exp(-4)))
    if kind == "cos":
        return 0.5 * (1 + np.cos(np.pi * u))
    return 1 - _smooth01(u) * 0.15 - 0.85 * u


# --- scenario drawing ---------------------------------------------------------


def _draw(case: str, rng: np.random.Generator, attempt: int) -> _Spec:
    """Draw one scenario: examiner pressure, muscle capacity, body parameters."""
    is_break = case.startswith("break")
    t_on = rng.uniform(0.8, 2.0)
    t_rise = rng.uniform(0.7, 3.0)
    p_max = rng.uniform(50.0, 350.0)
    kind = str(rng.choice(["sigmoid", "exp", "two_stage", "linear"]))
    if case == "hold_two_stage":
        kind = "two_stage"
    plateau = rng.uniform(0.4, 2.5)
    if case == "hold_quick_stop":
        plateau = rng.uniform(0.0, 0.25)
    rel_kind = str(rng.choice(["cos", "exp", "lin"]))
    rel_dur = rng.uniform(0.08, 0.6)
    if case == "hold_slow_release":
        rel_dur = rng.uniform(0.8, 2.0)
    elif case == "hold_very_slow_release":
        rel_dur, rel_kind = rng.uniform(2.0, 4.5), str(rng.choice(["cos", "lin"]))
    elif case == "hold_quick_stop":
        rel_dur = rng.uniform(0.08, 0.2)
    preload = rng.uniform(5.0, 40.0) if case.endswith("preload") or rng.random() < 0.1 else 0.0

    # Timeline of the pressing phase; breaks decide their own end below.
    t_top = t_on + t_rise
    extra: list[tuple[float, float, float]] = []  # (start, duration, relative change)
    t_rel = t_top + plateau
    if case == "hold_ease_off":
        t_e = t_top + rng.uniform(0.2, 1.0)
        # Slowly: a cosine over 1–2.5 s, never faster than ~40 %/s at its steepest.
        dur_e = rng.uniform(1.0, 2.5)
        extra.append((t_e, -dur_e, -rng.uniform(0.10, 0.25)))
        t_rel = t_e + dur_e + rng.uniform(0.2, 1.0)
    elif case == "hold_double_push":
        t_d = t_top + rng.uniform(0.1, 0.6)
        depth, down = rng.uniform(0.25, 0.6), rng.uniform(0.15, 0.35)
        stay, up = rng.uniform(0.05, 0.3), rng.uniform(0.3, 0.8)
        extra.append((t_d, down, -depth))
        extra.append((t_d + down + stay, up, depth + rng.uniform(-0.05, 0.15)))
        t_rel = t_d + down + stay + up + rng.uniform(0.3, 1.2)
    elif case == "hold_wobbly" or case == "break_wobbly":
        for _ in range(int(rng.integers(1, 4))):
            t_a, d_a, depth = (
                t_on + rng.uniform(0.3, t_rise + plateau),
                rng.uniform(0.15, 0.4),
                rng.uniform(0.05, 0.12),
            )
            extra.append((t_a, d_a / 2, -depth))
            extra.append((t_a + d_a / 2, d_a / 2, depth))
    # The examiner often keeps adding a little pressure on the plateau.
    creep_rate = rng.uniform(0.0, 0.06)

    t_end_est = t_rel + rel_dur + 4.0
    n = int(np.ceil(t_end_est / DT))
    tau = np.arange(n) * DT
    shape = _ramp(rng, tau, t_on, t_rise, kind)
    shape = shape + creep_rate * np.clip(tau - t_top, 0, 2.0) / 2.0 * (tau > t_top)
    for start, dur, rel in extra:
        # A negative duration marks a cosine (gentler) transition.
        u = np.clip((tau - start) / abs(dur), 0, 1)
        shape = shape + rel * (_smooth01(u) if dur > 0 else 0.5 - 0.5 * np.cos(np.pi * u))
    wob_rms = rng.uniform(0.03, 0.06) if "wobbly" in case else rng.uniform(0.008, 0.025)
    wobble = 1 + wob_rms * _band_noise(rng, n, 0.3, rng.uniform(1.5, 4.0))
    p = p_max * np.maximum(shape, 0.0) * wobble

    cap0 = p_max * (1 + max(creep_rate, 0.0) + 0.12) * rng.uniform(1.25, 1.9)
    if "double_push" in case:
        cap0 *= 1.25
    fatigue = 1 - rng.uniform(0.0, 0.12) * np.clip((tau - t_on) / 8.0, 0, 1)
    cap = cap0 * fatigue
    trem_gain = np.ones(n)
    t_cross = 0.0
    release_k = int(t_rel / DT)
    forbidden = [(t_on - 0.5, t_on + t_rise + 0.3)]

    if is_break:
        p, cap, trem_gain, release_k, t_y = _break_script(
            case, rng, tau, p, cap, t_on, t_rise, plateau, trem_gain
        )
        forbidden.append((t_y - 0.5, release_k * DT + 1.5))
        t_cross = t_y
        t_rel = release_k * DT
        rel_dur = rng.uniform(0.08, 0.35)
        rel_kind = str(rng.choice(["cos", "exp"]))
    else:
        forbidden.append((t_rel - 0.5, t_rel + rel_dur + 0.5))
    fall = _release(tau, t_rel, rel_dur, rel_kind)
    p = np.where(tau < t_rel, p, p[release_k] * fall)
    p = np.maximum(p, 0.0)
    n_used = int((t_rel + rel_dur + rng.uniform(0.6, 2.0)) / DT)
    n = min(n, n_used)

    m = rng.uniform(1.5, 4.0)
    m_h = rng.uniform(1.0, 2.5)
    k_c = rng.uniform(8e3, 25e3)
    par = {
        "m": m,
        "m_h": m_h,
        "k_c": k_c,
        "c_c": 2 * rng.uniform(0.3, 0.6) * np.sqrt(k_c * m * m_h / (m + m_h)),
        "k_j": rng.uniform(100.0, 500.0),
        "c_j": rng.uniform(5.0, 20.0),
        "k_h": rng.uniform(200.0, 800.0),
        "c_h": rng.uniform(20.0, 60.0),
        "tau_h": rng.uniform(0.3, 0.6),
        "tau_t": rng.uniform(0.08, 0.2),
        "tau_ref": rng.uniform(0.4, 0.8),
        "k0": rng.uniform(3000.0, 7000.0),
        "lead": rng.uniform(0.5, 1.0),
        "kappa": rng.uniform(50.0, 120.0),
        "v0": rng.uniform(0.05, 0.15),
        "ecc": rng.uniform(0.2, 0.5),
        "vmax": rng.uniform(1.0, 2.0),
        "trem_rel": rng.uniform(0.003, 0.01),
        "lever": rng.uniform(0.25, 0.45),
    }
    return _Spec(
        case=case,
        rng=rng,
        attempt=attempt,
        n=n,
        p_cmd=(preload + p)[:n],
        cap=cap[:n],
        trem_unit=_tremor(rng, n),
        trem_gain=trem_gain[:n],
        weight=preload,
        par=par,
        is_break=is_break,
        release_k=release_k,
        cross_k=int(t_cross / DT),
        gap_forbidden=forbidden,
    )


def _break_script(case, rng, tau, p, cap, t_on, t_rise, plateau, trem_gain):
    """Capacity drop and the examiner's reaction to the yield.

    The capacity falls from its level to ``C_low`` (fast for an inhibited
    muscle, 40–250 ms; slowly, 0.3–0.7 s, for a gradual give). Once it is below
    the demand the limb moves; after a reaction time the examiner lowers his
    push to ``lowfrac`` of the pressure at that moment, keeps contact for a
    dwell, then releases. Tremor grows after a yield (Adaptive Force studies).
    """
    if case == "break_rising":
        # While the push still rises, once it has reached 60–92 % of its aim.
        top = p[int((t_on + t_rise) / DT)]
        t_y = tau[int(np.argmax(p >= rng.uniform(0.6, 0.92) * top))]
    else:
        t_y = t_on + t_rise + rng.uniform(0.2, max(0.3, plateau))
    lowfrac = rng.uniform(0.80, 0.86) if case == "break_small_drop" else rng.uniform(0.5, 0.85)
    d_cap = rng.uniform(0.3, 0.7) if case == "break_slow_give" else rng.uniform(0.04, 0.25)
    k_y = int(t_y / DT)
    p_y = p[k_y]
    c_low = p_y * lowfrac * rng.uniform(0.85, 1.0)
    drop = _smooth01((tau - t_y) / d_cap)
    cap = cap * (1 - drop) + c_low * drop
    # The limb starts to move when the capacity meets the examiner's push.
    k_c = int(np.argmax(cap < p)) if np.any(cap < p) else k_y
    t_c = max(tau[k_c], t_y)
    t_react = t_c + rng.uniform(0.08, 0.2)
    k_r = int(t_react / DT)
    d_fall = rng.uniform(0.08, 0.25)
    p_low = lowfrac * p[k_r]
    blend = _smooth01((tau - t_react) / d_fall)
    p = p * (1 - blend) + p_low * (1 + 0.01 * np.sin(2 * np.pi * 0.7 * tau)) * blend
    dwell = rng.uniform(0.06, 0.18) if case == "break_release_at_once" else rng.uniform(0.3, 1.2)
    release_k = int((t_react + d_fall + dwell) / DT)
    trem_gain = np.where(tau > t_c, rng.uniform(1.3, 2.0), 1.0) * trem_gain
    return p, cap, trem_gain, release_k, t_c


# --- simulation ---------------------------------------------------------------


def _simulate(specs: list[_Spec], tremor: bool) -> list[dict[str, np.ndarray]]:
    """Integrate all specs at once (semi-implicit Euler, one array lane per trace).

    Lanes shorter than the longest are padded with their last input, which
    is rest, and cut back afterwards.
    """
    b = len(specs)
    n = max(s.n for s in specs)

    def lane(get) -> np.ndarray:
        out = np.empty((n, b))
        for j, s in enumerate(specs):
            a = get(s)
            out[: s.n, j] = a[: s.n]
            out[s.n :, j] = a[s.n - 1]
        return out

    P = lane(lambda s: s.p_cmd)
    C = lane(lambda s: s.cap)
    TR = lane(lambda s: s.trem_unit * s.trem_gain * (1.0 if tremor else 0.0))
    par = {k: np.array([s.par[k] for s in specs]) for k in specs[0].par}
    W = np.array([s.weight for s in specs])
    m, m_h, k_c, c_c = par["m"], par["m_h"], par["k_c"], par["c_c"]
    k_j, c_j, k_h, c_h = par["k_j"], par["c_j"], par["k_h"], par["c_h"]
    a_h, a_t, a_ref = DT / par["tau_h"], DT / par["tau_t"], DT / par["tau_ref"]
    k0, kappa, v0, ecc, vmax, trel = (
        par[k] for k in ("k0", "kappa", "v0", "ecc", "vmax", "trem_rel")
    )

    x = np.zeros(b)
    v = np.zeros(b)
    h = W / k_c
    hv = np.zeros(b)
    href = h.copy()
    tone = np.zeros(b)
    xref = np.zeros(b)
    fcf = W.copy()
    lead = par["tau_t"] * par["lead"]
    FC = np.empty((n, b))
    V = np.empty((n, b))
    HV = np.empty((n, b))
    X = np.empty((n, b))
    for k in range(n):
        fc = np.maximum(k_c * (h - x) + c_c * (hv - v), 0.0)
        fc = np.where(h > x, fc, 0.0)
        stiff = k0 + kappa * tone
        demand = tone + stiff * (x - xref) + 0.015 * stiff * v
        u = np.maximum(-v, 0.0)
        fv = np.where(
            v >= 0, 1 + ecc * np.tanh(v / v0), np.maximum(1 - u / vmax, 0) / (1 + 4 * u / vmax)
        )
        fm = np.clip(demand, 0.0, C[k] * fv)
        fm = np.maximum(fm + TR[k] * (trel * fm + 0.1), 0.0)
        end = np.where(x > 0.12, 2e4 * (x - 0.12), 0.0)
        acc = (fc - fm - W - k_j * x - c_j * v - end) / m
        hacc = (P[k] - fc + k_h * (href - h) - c_h * hv) / m_h
        v = v + acc * DT
        x = x + v * DT
        hv = hv + hacc * DT
        h = h + hv * DT
        href = href + a_h * (h - href)
        # The patient anticipates a rising push (matches its trend, lead ~ lag).
        dfc = (fc - fcf) / par["tau_t"]
        fcf = fcf + DT / 0.03 * (fc - fcf)
        tone = tone + a_t * (np.clip(fc - W + lead * dfc, 0.0, C[k]) - tone)
        xref = xref + a_ref * (x - xref)
        FC[k], V[k], HV[k], X[k] = fc, v, hv, x
    return [
        {
            "fc": FC[: s.n, j].copy(),
            "v": V[: s.n, j].copy(),
            "hv": HV[: s.n, j].copy(),
            "x": X[: s.n, j].copy(),
        }
        for j, s in enumerate(specs)
    ]


# --- ground truth ---------------------------------------------------------------


@dataclass(frozen=True)
class _Phys:
    """Truth on the simulation grid (indices into the DT grid), before time mapping."""

    rest: float
    peak: float
    peak_k: int
    onset_k: int
    break_k: int | None
    yield_k: int | None
    drop: float | None
    ok: bool
    plateau_k: int = 0


def _truth(spec: _Spec, clean: dict[str, np.ndarray]) -> _Phys:
    """Labels from the tremor-free force and motion, and whether they agree with the case."""
    fc, v, x = clean["fc"], clean["v"], clean["x"]
    rest = float(fc[0])
    fr = fc - rest
    peak_k = int(np.argmax(fr))
    peak = float(fr[peak_k])
    onset_k = int(np.argmax(fr > 0.01 * peak))
    to_dps = 180.0 / np.pi / spec.par["lever"]
    rk = min(spec.release_k, fc.size - 1)
    if peak < 30.0:
        return _Phys(rest, peak, peak_k, onset_k, None, None, None, False)
    if not spec.is_break:
        # A hold must not yield: the limb may settle elastically and tremble,
        # never give way (small excursion, no fast forward motion once loaded).
        loaded = np.nonzero(fr > 0.5 * peak)[0]
        k50 = int(loaded[0]) if loaded.size else onset_k
        fwd = float(np.max(v[k50:rk])) * to_dps if rk > k50 else 0.0
        excursion = float(np.max(x[onset_k:rk]) - x[onset_k]) * to_dps if rk > onset_k else 0.0
        return _Phys(rest, peak, peak_k, onset_k, None, None, None, fwd < 5.0 and excursion < 2.5)
    seg = v[onset_k:rk]
    if seg.size < 10:
        return _Phys(rest, peak, peak_k, onset_k, None, None, None, False)
    kv = onset_k + int(np.argmax(seg))
    v_pk = float(v[kv])
    below = np.nonzero(v[onset_k : kv + 1] <= max(0.03 * v_pk, 1.5 / to_dps))[0]
    yield_k = onset_k + int(below[-1]) if below.size else onset_k
    # Steepest descent of the force between the yield and the release ...
    d = np.diff(fc[yield_k : rk + 1])
    if d.size < 5:
        return _Phys(rest, peak, peak_k, onset_k, None, yield_k, None, False)
    k_st = yield_k + int(np.argmin(d))
    delta = 0.005 * peak
    # ... back to the last maximum before it (hysteresis: ripples do not count) ...
    best, k = k_st, k_st
    while k > max(onset_k, spec.cross_k):
        k -= 1
        if fc[k] > fc[best]:
            best = k
        elif fc[k] < fc[best] - delta:
            break
    # ... and forward to where the fall levels off.
    low, k = k_st, k_st
    while k < rk:
        k += 1
        if fc[k] < fc[low]:
            low = k
        elif fc[k] > fc[low] + delta:
            break
    f_b = float(fc[best] - rest)
    drop = float((fc[best] - fc[low]) / f_b) if f_b > 0 else 0.0
    yielded = (x[low] - x[yield_k]) * to_dps >= 1.5 and v_pk * to_dps >= 6.0
    level = fc[low] - rest >= 0.3 * f_b
    ok = bool(yielded and drop >= 0.12 and level and f_b >= 0.5 * peak)
    # The top reached is the one held before the limb began to give: the jolt
    # of the examiner's hand as it goes can spike above it at the yield itself.
    held = float(fr[onset_k : yield_k + 1].max())
    plateau_k = int(np.argmax(fr >= 0.95 * held))
    return _Phys(rest, peak, peak_k, onset_k, best, yield_k, drop, ok, plateau_k)


# --- sensing and delivery -------------------------------------------------------


def _boxcar(sig: np.ndarray, tau_k: np.ndarray, width: float) -> np.ndarray:
    """Mean of ``sig`` (on the DT grid) over (tau_k - width, tau_k]: an integrating ADC."""
    grid = np.arange(sig.size) * DT
    cs = np.concatenate(([0.0], np.cumsum(sig) * DT))
    edges = np.arange(sig.size + 1) * DT - DT / 2
    hi = np.interp(tau_k, edges, cs)
    lo = np.interp(np.maximum(tau_k - width, -DT / 2), edges, cs)
    out = (hi - lo) / np.maximum(np.minimum(width, tau_k + DT / 2), DT)
    return np.where(tau_k < grid[-1], out, sig[-1])


def _notifications(rng: np.random.Generator, n: int, lo: int, hi: int) -> np.ndarray:
    """End indices (exclusive) of consecutive notifications of lo..hi samples."""
    sizes = rng.integers(lo, hi + 1, n // lo + 2)
    ends = np.cumsum(sizes)
    ends = ends[ends < n]
    return np.append(ends, n)


def _measure(
    spec: _Spec, trem: dict[str, np.ndarray], ph: _Phys, seed: int, index: int
) -> MechTrace:
    """Sample, corrupt and deliver the simulated contact force (and device rate)."""
    rng = spec.rng
    profile = str(rng.choice(PROFILES, p=[0.4, 0.4, 0.2]))
    dur = spec.n * DT
    ppm = rng.uniform(-150, 150) * 1e-6
    t0 = 0.0 if rng.random() < 0.5 else rng.uniform(10.0, 5000.0)
    if profile == "progressor80":
        fs = rng.uniform(78.0, 82.0)
        tau_k = np.arange(DT, dur - DT, 1 / fs)
        tau_k = tau_k + rng.normal(0, 3e-4, tau_k.size)
        tau_k = np.sort(np.clip(tau_k, DT, dur - DT))
        stamps = t0 + np.round(tau_k * (1 + ppm) * 1e6) * 1e-6

        def to_trace(tt: float) -> float:
            return t0 + tt * (1 + ppm)

        ends = _notifications(rng, tau_k.size, 4, 8)
        noise, quant, nominal = rng.uniform(0.4, 1.2), 0.0, 80.0
    elif profile == "open1k":
        fs = 1000.0 * (1 + ppm)
        tau_k = np.arange(1, int((dur - DT) * fs)) / fs
        stamps = t0 + np.arange(1, tau_k.size + 1) / 1000.0

        def to_trace(tt: float) -> float:
            return t0 + tt * fs / 1000.0

        ends = _notifications(rng, tau_k.size, 10, 40)
        noise, quant, nominal = rng.uniform(0.3, 1.0), 0.05, 1000.0
    else:
        fs = 200.0 * (1 + ppm)
        tau_k = np.arange(1, int((dur - DT) * fs)) / fs
        ends = _notifications(rng, tau_k.size, 1, 5)
        lat0 = rng.uniform(0.01, 0.02)
        lat = lat0 + np.round(rng.uniform(0, 0.015, ends.size) / 0.0075) * 0.0075
        starts = np.r_[0, ends[:-1]]
        stamps = np.empty(tau_k.size)
        for a, e, la in zip(starts, ends, lat, strict=True):
            stamps[a:e] = tau_k[e - 1] + la - (e - 1 - np.arange(a, e)) / 200.0
        stamps = t0 + stamps
        mean_lat = lat0 + 0.0075

        def to_trace(tt: float) -> float:
            return t0 + tt + mean_lat

        noise, quant, nominal = rng.uniform(0.5, 1.5), 0.27156, 200.0

    force = _boxcar(trem["fc"], tau_k, 1 / nominal)
    force = force + rng.uniform(-3.0, 3.0) + rng.uniform(-0.08, 0.08) * tau_k
    force = force + rng.uniform(0.0, 0.5) * (1 - np.exp(-tau_k / rng.uniform(2.0, 6.0)))
    force = force + rng.normal(0.0, noise, tau_k.size)
    if profile == "open1k" and rng.random() < 0.5:
        force = force + rng.uniform(0.05, 0.3) * np.sin(
            2 * np.pi * 50.0 * tau_k + rng.uniform(0, 6.3)
        )
    if quant:
        force = np.round(force / quant) * quant
    if profile == "progressor80":
        force = (force / 9.80665).astype(np.float32).astype(float) * 9.80665

    # Gyro: pressed on the segment, the device turns with the limb (pad
    # compression is a translation, not a turn); a lift-off swing once contact is lost.
    lever = spec.par["lever"]
    rate = trem["v"] / lever * 180 / np.pi
    in_contact = np.nonzero(trem["fc"] > 0.5)[0]
    if spec.weight == 0.0 and in_contact.size and rng.random() < 0.5:
        k_off = int(in_contact[-1])
        u = (np.arange(spec.n) - k_off - rng.uniform(0.1, 0.4) / DT) / (rng.uniform(0.2, 0.5) / DT)
        rate = rate + rng.choice([-1, 1]) * rng.uniform(15, 60) * np.where(
            (u > 0) & (u < 1), np.sin(np.pi * u), 0
        )
    gyro = _boxcar(rate, tau_k, 1 / nominal)
    gyro = (
        rng.choice([-1.0, 1.0]) * gyro
        + rng.uniform(-1.5, 1.5)
        + rng.normal(0, rng.uniform(0.2, 0.8), tau_k.size)
    )

    # One-sample glitches.
    n_glitch = (
        int(rng.integers(2, 6))
        if spec.case == "hold_glitchy"
        else int(rng.random() < 0.1) * int(rng.integers(1, 3))
    )
    for _ in range(n_glitch):
        i = int(rng.integers(5, tau_k.size - 5))
        if rng.random() < 0.25:
            force[i] = 0.0
        else:
            force[i] += rng.choice([-1, 1]) * rng.uniform(0.2, 0.8) * ph.peak

    # Lost notifications; a long gap only where it hides no event.
    p_lost = rng.uniform(0.01, 0.04) if spec.case == "hold_glitchy" else rng.uniform(0.0, 0.02)
    starts = np.r_[0, ends[:-1]]
    keep_n = rng.random(ends.size) >= p_lost
    keep_n[0] = keep_n[-1] = True
    if spec.case == "hold_glitchy" or rng.random() < 0.05:
        g_len = rng.uniform(0.2, 1.0)
        for _ in range(20):
            g0 = rng.uniform(0.3, dur - g_len - 0.3)
            if all(g0 + g_len < a or g0 > b for a, b in spec.gap_forbidden):
                keep_n &= ~((tau_k[starts] >= g0) & (tau_k[starts] < g0 + g_len))
                break
    keep = np.repeat(keep_n, ends - starts)
    new_ends = np.cumsum((ends - starts)[keep_n])
    t = stamps[keep]
    # Host-side monotonic repair, as a driver does with back-filled stamps.
    for i in range(1, t.size):
        if t[i] <= t[i - 1]:
            t[i] = t[i - 1] + 1e-5

    def tt(k: int | None) -> float | None:
        return None if k is None else float(to_trace(k * DT))

    truth = Truth(
        case=spec.case,
        verdict="break" if spec.is_break else "hold",
        onset_s=float(to_trace(ph.onset_k * DT)),
        peak_n=ph.peak,
        peak_s=float(to_trace(ph.peak_k * DT)),
        break_s=tt(ph.break_k),
        yield_s=tt(ph.yield_k),
        rate_hz=nominal,
        profile=profile,
        preload_n=spec.weight,
        drop_pct=None if ph.drop is None else 100.0 * ph.drop,
        attempts=spec.attempt + 1,
        plateau_s=float(to_trace(ph.plateau_k * DT)),
    )
    return MechTrace(t, force[keep], gyro[keep], new_ends, truth, seed, index)


# --- public entry points ----------------------------------------------------------


def _rng(seed: int, index: int, attempt: int) -> np.random.Generator:
    """Independent stream per (corpus seed, trace index, attempt)."""
    return np.random.Generator(np.random.PCG64([seed, index, attempt]))


def holdout_corpus(
    n: int, seed: int, cases: tuple[str, ...] = CASES, max_attempts: int = 30
) -> list[MechTrace]:
    """``n`` traces, case ``i % len(cases)`` for trace ``i``; deterministic in ``seed``.

    All pending traces are simulated together (one array lane each); a trace
    whose physics contradicts its label is redrawn from its next attempt seed.
    """
    pending = {i: 0 for i in range(n)}
    done: dict[int, MechTrace] = {}
    while pending:
        specs = {i: _draw(cases[i % len(cases)], _rng(seed, i, a), a) for i, a in pending.items()}
        order = list(specs)
        clean = _simulate([specs[i] for i in order], tremor=False)
        trem = _simulate([specs[i] for i in order], tremor=True)
        nxt: dict[int, int] = {}
        for i, c, tr in zip(order, clean, trem, strict=True):
            ph = _truth(specs[i], c)
            if ph.ok:
                done[i] = _measure(specs[i], tr, ph, seed, i)
            elif pending[i] + 1 >= max_attempts:
                raise RuntimeError(f"trace {i} ({cases[i % len(cases)]}): no consistent draw")
            else:
                nxt[i] = pending[i] + 1
        pending = nxt
    return [done[i] for i in range(n)]


def holdout_trace(seed: int, index: int, case: str | None = None) -> MechTrace:
    """One trace (the case defaults to the corpus's choice for ``index``)."""
    c = case or CASES[index % len(CASES)]
    for a in range(30):
        spec = _draw(c, _rng(seed, index, a), a)
        ph = _truth(spec, _simulate([spec], tremor=False)[0])
        if ph.ok:
            return _measure(spec, _simulate([spec], tremor=True)[0], ph, seed, index)
    raise RuntimeError(f"trace {index} ({c}): no consistent draw")
