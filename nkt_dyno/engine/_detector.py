"""The streaming detector: onset, peak, fall, break or release, per effort.

Pipeline per block (state carried between blocks). Long blocks (offline, a
fast device) run on arrays; a live block of a few samples runs the very same
operations in plain Python floats, which for a handful of samples is several
times cheaper than numpy's per-call cost. Both give bit-identical results
(tested), so the split of a stream into blocks never matters:

1. :class:`~._signal.Median3` removes one-sample spikes.
2. :class:`~._signal.Gridder` puts the samples on a uniform ``grid_hz`` grid.
3. Two low-passes: ``event_lowpass_hz`` (timing, peak) and ``smooth_hz``
   (shape of the force under tremor). Both are second-order Butterworth;
   reported times subtract their DC group delay.
4. A state machine over the grid samples, judging each effort whole
   (DESIGN §3):

   ``IDLE``
       Running rest level (exponential, ``baseline_tau_s``) and noise SD
       (``noise_tau_s``, deviations clipped at ``noise_clip_sd``, so a slow
       rise cannot raise its own threshold; once efforts were seen, at most
       ``onset_cap_frac`` of the largest). An onset is a run of at least
       ``onset_confirm_s`` above level + ``onset_sd`` SD that reaches
       ``min_effort_n``; the rest level is frozen from before the run and the
       departure found by stepping back to the noise band. A force that
       falls far below the highest level of a rest never seen settled is the
       release of an effort under way since before (a loaded start).
   ``ACTIVE``
       Tracks the peak and the smoothed force's running top. A drop of
       ``fall_frac`` below the top starts a *fall* (:class:`Falling`), judged
       when it levels off (slope above ``-level_rate`` × top per s) or goes
       to rest. What a quick, deep fall (``max_fall_s``, ``break_drop_frac``,
       ``wobble_k`` × the deepest dip already regained, except the contact's
       overshoot within ``contact_s`` of the departure) means depends on the
       dwell at the top before it: with less than ``yield_dwell_s`` the push
       was cut short: a yield (:class:`Break`), also when the fall goes on to
       rest at once; after ``late_dwell_s`` or more (also at the foot of
       smaller steps the force eased down by from such a top) it is
       ambiguous from force alone (a late yield, easing off, a release in
       steps) and the effort ends ``inconclusive`` unless its level is left
       for rest within ``step_pause_s``, regained, or held for
       ``max_level_s``. A confirmed
       force-only break is withdrawn (:class:`BreakWithdrawn`) when the force
       comes back near its top or holds the new level; a fall after a dwell
       that resumes within ``resume_s`` of levelling off is judged anew as a
       possible slow decline. A slower or
       smaller fall is the examiner easing off or wobbling. A fall below
       ``release_frac`` × top is a release (:class:`Release`). A make test
       never breaks. With a gyro channel, a yield is a sustained movement with
       the push (any direction on a channel of unknown sign, but then starting
       before the force began to fall, until the sign is learnt: see below):
       the angular speed, integrated from
       the moment the limb left rest, reaches ``gyro_yield_deg`` while the
       force was at least ``gyro_force_frac`` of the top, or ``gyro_held_deg``
       while the force holds (neither rising by ``gyro_held_rise`` nor
       falling below ``gyro_held_keep``). The break is the movement's start.
       Motion that began only as the force fell still makes a late fall a
       yield when the fall kept a level above rest and the limb swept
       ``gyro_yield_deg`` meanwhile (contact kept: not a hand letting go).
   ``REST``
       After a release, the force must settle (0.2 s within 2 % of the
       largest effort, below the last release level) for ``rest_settle_s`` to
       ``max_settle_s``, then back to ``IDLE`` with fresh rest statistics.
   ``SETTLE``
       After the release of an effort whose rest was never seen: the rest is
       the lowest level within 1.5 s, and the effort is completed against it.

A hole without samples longer than ``gap_s`` ends the open effort and starts
afresh (a paused recording); a shorter one inside an effort flags it. When
the stream ends, efforts that were touches beside the efforts around them
(``touch_frac``), or a rest level the force kept between two efforts with
only brief dips on either side (a reading of the force's magnitude), are
taken back (:class:`Retracted`).

A motion channel of unknown sign learns it from the first effort the force
judges plainly: a yield the force also shows (the limb left rest, then the
force turned down with no dwell at the top and fell by ``break_drop_frac``),
whose motion is with the push, or a hold let go after a sustained plateau,
whose spring-back as the hand lets go is against it. Later efforts read the
channel as signed, and the spring-back of a hand letting go is no longer a
yield. Until a channel first reads below zero it may be a speed with no sign
at all (a device's unsigned reduction of a 3-axis IMU): it learns no sign,
and motion while the force holds proves a yield only once it has swept
``gyro_yield_deg``.

Every decision at a grid sample depends only on that sample and earlier ones,
and state is carried exactly, so results do not depend on how the stream is
split into blocks; offline :func:`analyze` is this detector over one block.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ._config import DetectorConfig
from ._events import (
    TESTS,
    Break,
    BreakWithdrawn,
    Complete,
    EffortResult,
    Event,
    Falling,
    Onset,
    Peak,
    Release,
    Retracted,
)
from ._history import BM, BV, GM, GV, ROWS, G, History, S, T, W, Y
from ._metrics import EffortState, effort_result
from ._signal import (
    SCALAR_MAX,
    Ema,
    Gridder,
    LowPass,
    Median3,
    design_lowpass,
    lowpass_pair,
    median_grid,
)

__all__ = ["ENGINE_VERSION", "Detector", "analyze"]

ENGINE_VERSION = "2.4.0"
"""Version of the detection rules; bumped whenever results change."""

FloatArray = npt.NDArray[np.float64]

_IDLE, _ACTIVE, _REST, _SETTLE = 0, 1, 2, 3
# Decisions of an ACTIVE scan, in the order they take precedence at one sample.
_NOTHING, _REL, _MAX, _GYRO, _BACK, _HELD, _RESUME, _FALL, _LEVEL, _LOWER = range(10)
# Sub-states of an ACTIVE effort.
_TRACK, _FALLING, _BROKEN = 0, 1, 2
_NOT_FINITE = "t, force and gyro must be finite (no NaN or infinity)"
_LOOKBACK_S = 3.0
_IDLE_CHUNK = 256
_MAX_HOLES = 256
"""Holes without samples remembered for flagging the efforts they fall in."""
_PIECE = 8192
_LIST_MAX = 256
"""Force-only blocks up to this many samples are conditioned on lists (:meth:`Detector._feed_list`):
a block of a few hundred samples still yields only a few grid samples, and
plain-float loops over it cost less than numpy's per-call overhead (measured)."""
_LOADED_SETTLE_S = 1.5
"""How long after the release of an effort that began before the recording the
rest is looked for: releases take 0.2–2.5 s and the load cell then settles."""
_SLOW_AVG_S, _SLOW_SPAN_S = 0.1, 1.0
"""A gyro break steps back to where the speed left the slowest 0.1-s mean of the
second before the motion, not to where it left zero."""
_SPRING_S = 0.4
"""The end of a hold's release in which the spring-back that teaches a motion
channel its sign is looked for (it starts 10-50 ms into the let-go)."""
_DIP_FRAC = 0.25
"""A dip between efforts goes below this share of the smaller one's level."""
_REST_TOP_FRAC = 0.7
"""A level kept between dips is rest only if under this share of both efforts
beside it (adjacent repetitions of one test differ by far less)."""
_REST_DWELL = 2.0
"""... and only if it lasts this many times as long as the dips around it."""


@dataclass
class _Seen:
    """What the end-of-stream review keeps of one completed effort."""

    effort: int
    peak_n: float
    onset_s: float
    top_n: float
    """Its level: rest + peak (a reading, not a rise above rest)."""
    span_s: float
    dip_before_s: float | None
    """Time the force spent below ``_DIP_FRAC`` of ``top_n`` between the
    previous effort and this one; None if it never went there, there was no
    previous effort in the segment, or the stretch outlasted the history."""
    dip_after_s: float | None = None
    """The same between this effort and the next."""


@dataclass(frozen=True)
class _Consts:
    """Config converted to grid samples once (the grid is uniform)."""

    h: float
    d_ev: float
    d_sm: float
    gap: int
    onset_run: int
    level_win: int
    gyro_run: int
    peak_hold: int
    lookback: int
    settle_win: int
    before_fall: int
    ema_a: float
    noise_a: float


def _consts(c: DetectorConfig, d_ev: float, d_sm: float) -> _Consts:
    def n(seconds: float) -> int:
        return max(1, round(seconds * c.grid_hz))

    return _Consts(
        h=1.0 / c.grid_hz,
        d_ev=d_ev,
        d_sm=d_sm,
        gap=n(c.baseline_gap_s),
        onset_run=n(c.onset_confirm_s),
        level_win=n(c.level_window_s),
        gyro_run=n(c.gyro_confirm_s),
        peak_hold=n(c.peak_hold_s),
        lookback=n(_LOOKBACK_S),
        settle_win=n(0.2),
        # Motion leaving rest (event filter, gyro threshold: up to ~50 ms late)
        # versus the top of the smoothed force (its longer filter delay).
        before_fall=round((d_sm - d_ev + 0.05) * c.grid_hz),
        ema_a=1.0 - math.exp(-1.0 / (c.baseline_tau_s * c.grid_hz)),
        noise_a=1.0 - math.exp(-1.0 / (c.noise_tau_s * c.grid_hz)),
    )


def _first(mask: npt.NDArray[np.bool_]) -> int:
    """Index of the first True, or the length if none."""
    i = int(np.argmax(mask)) if mask.size else 0
    return i if mask.size and mask[i] else mask.size


def _rest_between(before: _Seen, s: _Seen, after: _Seen) -> bool:
    """``s`` is a level the force keeps between two efforts, dipping on both sides.

    A reading that keeps only the magnitude of the force (some exports do)
    turns a rest slightly below zero into a positive level, and each move
    between it and an effort into a V-shaped dip to zero. Weighed against
    those dips, the rest looks like an effort; late in a fatiguing series
    it is no longer small beside the efforts around it. What gives it away
    is the time: the force keeps that level, well below both efforts beside
    it, for far longer than the brief dips around it, whereas the rests
    around a weak effort last as long as it does.
    """
    if s.dip_before_s is None or s.dip_after_s is None:
        return False
    if s.top_n >= _REST_TOP_FRAC * min(before.top_n, after.top_n):
        return False
    return _REST_DWELL * (s.dip_before_s + s.dip_after_s) <= s.span_s


class Detector:
    """Streaming hold/break detector; feed blocks, collect events.

    Parameters
    ----------
    config : DetectorConfig, optional
        Settings; the defaults are documented on :class:`DetectorConfig`.

    Notes
    -----
    Whether the stream has a gyro channel is fixed by the first block. After
    :meth:`finish` the detector starts a new stream.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0, 6, 0.01)
    >>> f = np.interp(t, [0, 1, 2, 4, 4.3, 6], [0, 0, 100, 100, 0, 0])
    >>> det = Detector()
    >>> events = det.feed(t, f) + det.finish()
    >>> [type(e).__name__ for e in events if not isinstance(e, Peak)]
    ['Onset', 'Falling', 'Release', 'Complete']
    >>> events[-1].result.verdict
    'hold'
    """

    _events: list[Event]
    """Events decided by the current call; reset by each feed and finish."""
    _sign_less_to: float
    """Time of the motion channel's first reading below zero (inf before)."""

    def __init__(
        self,
        config: DetectorConfig | None = None,
        *,
        test: str = "break",
        gyro_signed: bool = True,
    ) -> None:
        if test not in TESTS:
            raise ValueError(f"test must be one of {TESTS}, got {test!r}")
        self.config = config if config is not None else DetectorConfig()
        self.test = test
        self._breaks = test == "break"
        self._signed_at_start = gyro_signed
        c = self.config
        self._sos_ev, d_ev = design_lowpass(c.event_lowpass_hz, c.grid_hz)
        self._sos_sm, d_sm = design_lowpass(c.smooth_hz, c.grid_hz)
        self._k = _consts(c, d_ev, d_sm)
        self._new_stream()

    # -- public -----------------------------------------------------------------

    def feed(
        self,
        t: npt.ArrayLike,
        force: npt.ArrayLike,
        gyro: npt.ArrayLike | None = None,
    ) -> list[Event]:
        """Process one block of samples and return the events it completes.

        Parameters
        ----------
        t : array_like, shape (n,)
            Sample times (s), non-decreasing within and across blocks.
        force : array_like, shape (n,)
            Force (N).
        gyro : array_like, shape (n,), optional
            Angular speed (deg/s); give it on every block or on none.

        Returns
        -------
        list of Event
            In signal order of detection; empty if nothing was decided.

        Raises
        ------
        ValueError
            Shapes differ, values are not finite, time goes backwards, or the
            gyro channel appears or disappears mid-stream.
        """
        tt, x = self._shaped(t, force, gyro)
        if tt.size == 0:
            return []
        if tt.size <= _LIST_MAX and x.shape[0] == 1:
            tl, fl = tt.tolist(), x[0].tolist()
            # A sum is finite only if all its terms are; one that overflowed
            # is checked term by term.
            if not math.isfinite(sum(tl) + sum(fl)) and not (
                all(map(math.isfinite, tl)) and all(map(math.isfinite, fl))
            ):
                raise ValueError(_NOT_FINITE)
            if tl != sorted(tl) or tl[0] < self._last_t:
                self._check_times(tl[0], True, tl[-1])
            prev = tl[0] if self._last_t == -math.inf else self._last_t
            if tl[-1] - prev > self.config.hole_s:
                pairs = zip([prev, *tl[:-1]], tl, strict=True)
                self._holes.extend((a, b) for a, b in pairs if b - a > self.config.hole_s)
            if tl[-1] - prev <= self.config.gap_s:
                return self._feed_list(tl, fl)
        elif not (np.isfinite(tt).all() and np.isfinite(x).all()):
            raise ValueError(_NOT_FINITE)
        self._check_times(float(tt[0]), bool((tt[1:] < tt[:-1]).any()), self._last_t)
        prev = tt[0] if self._last_t == -math.inf else self._last_t
        steps = np.diff(tt, prepend=prev)
        if tt.size > _LIST_MAX or x.shape[0] > 1:
            at = np.flatnonzero(steps > self.config.hole_s)
            self._holes.extend(zip((tt[at] - steps[at]).tolist(), tt[at].tolist(), strict=True))
        gaps = np.flatnonzero(steps > self.config.gap_s)
        if gaps.size == 0:
            return self._feed_piece(tt, x)
        events: list[Event] = []
        for a, b in zip([0, *gaps.tolist()], [*gaps.tolist(), tt.size], strict=True):
            if a in gaps:
                events += self._restart_after_gap()
            if b > a:
                events += self._feed_piece(tt[a:b], x[:, a:b])
        return events

    def _feed_piece(self, tt: FloatArray, x: FloatArray) -> list[Event]:
        """:meth:`feed` for samples without a hole longer than ``gap_s``.

        A long block (a whole recording) goes through in pieces: results do
        not depend on the split, and each piece is scanned only to its end,
        so offline analysis is linear in the length and its memory bounded.
        """
        if tt.size > _PIECE:
            events: list[Event] = []
            for a in range(0, tt.size, _PIECE):
                events += self._feed_piece(tt[a : a + _PIECE], x[:, a : a + _PIECE])
            return events
        if tt.size <= _LIST_MAX and x.shape[0] == 1:
            return self._feed_list(tt.tolist(), x[0].tolist())
        self._check_times(float(tt[0]), False, float(tt[-1]))
        if x.shape[0] > 1 and self._sign_less_to == math.inf:
            below = np.flatnonzero(x[1] < 0.0)
            if below.size:
                self._sign_less_to = float(tt[below[0]])
        tm, xm = self._median.step(tt, x)
        tg, xg = self._grid.step(tm, xm)
        if tg.size == 0:
            return []
        yv = self._lp_ev.step(xg)
        sv = self._lp_sm.step(xg[:1])
        block = np.zeros((ROWS, tg.size))
        block[T], block[G], block[Y], block[S] = tg, xg[0], yv[0], sv[0]
        if self._has_gyro:
            block[W] = yv[1]
        k0 = self._hist.end
        self._hist.append(block, self._keep_from())
        self._events = []
        self._run(k0, self._hist.end)
        return self._events

    def _feed_list(self, t: list[float], f: list[float]) -> list[Event]:
        """:meth:`feed` for a short force-only block, on lists (the live case).

        :func:`~._signal.median_grid` and :func:`~._signal.lowpass_pair` do
        the operations of the array paths in the same order, so the results
        are bit-identical (tested);
        they spare a live block of a few samples the per-call cost of numpy.
        """
        self._check_times(t[0], False, t[-1])
        tg, xg = median_grid(self._median, self._grid, t, f)
        if not tg:
            return []
        h = self._hist
        k0 = h.end
        h.append_force(tg, xg, *lowpass_pair(self._lp_ev, self._lp_sm, xg), self._keep_from())
        self._events = []
        self._run(k0, h.end)
        return self._events

    def _restart_after_gap(self) -> list[Event]:
        """A hole longer than ``gap_s``: close the open effort, then start afresh.

        The recording was paused (or the link was lost for long): what
        follows may start under load, at another rest level, and the filters
        must not bridge the hole.
        """
        self._events = []
        self._close("gap")
        events = self._events
        self._new_segment()
        return events

    def _close(self, how: str = "end") -> None:
        """Complete the open effort at the last sample (end of stream or a long gap)."""
        if self._mode == _ACTIVE and self._eff is not None:
            self._complete(self._hist.end - 1, how)
        elif self._mode == _SETTLE:
            self._rebase(self._hist.end - 1)
            self._complete(self._rel_k, "release")

    def finish(self) -> list[Event]:
        """End of stream: close an open effort (its result says why) and reset.

        Returns
        -------
        list of Event
            A :class:`Complete` if an effort was open, else nothing.
        """
        self._events = []
        self._close()
        events = self._events + self._touches()
        self._new_stream()
        return events

    def mark_signed(self) -> None:
        """Read the motion channel as signed with the push from the next sample on.

        A device that reduces a 3-axis IMU to the channel learns the push's
        direction from the first rises and sends an unsigned speed until then
        (``gyro_signed=False``). Once it has, the spring-back of a hand
        letting go, which moves against the push, is no longer a yield. For
        the current stream only; :func:`analyze` does the same at
        ``signed_from_s``.
        """
        self._signed, self._sign = True, 1.0

    def _touches(self) -> list[Event]:
        """Efforts that the recording shows were touches (:class:`Retracted`).

        A touch is small beside the efforts around it: under ``touch_frac`` of
        the largest effort that began within ``touch_window_s`` of it. Weak
        and strong efforts of one test differ far less; fatigue over a long
        recording is gradual, so the comparison stays local. Of the efforts
        left, a level kept between two larger ones is rest
        (:func:`_rest_between`).
        """
        c, seen = self.config, self._seen
        t0 = np.array([s.onset_s for s in seen])
        peak = np.array([s.peak_n for s in seen])
        near = [peak[np.abs(t0 - s.onset_s) <= c.touch_window_s].max() for s in seen]
        gone = {
            s.effort
            for s, top in zip(seen, near, strict=True)
            if s.peak_n < c.touch_frac * top or s.effort in self._rest_returns
        }
        kept = [s for s in seen if s.effort not in gone]
        trios = zip(kept, kept[1:], kept[2:], strict=False)
        gone.update(b.effort for a, b, n in trios if _rest_between(a, b, n))
        return [Retracted(t=self._last_t, effort=k) for k in sorted(gone)]

    def _back_to_rest(self, e: EffortState, kj: int) -> bool:
        """An "effort" the recording ends in that is a return to an earlier rest level.

        A subject who steps off a force plate and back on, or a strap taken
        off and put back, shows a rise that settles, until the recording ends,
        at the rest level an earlier effort started from: not a test. Its last
        2 s must sit within 5 % of the largest effort of that level, and above
        it by no more than a quarter of the largest effort at any time.
        """
        h, kc = self._hist, self._k
        tail = h.row(S, max(e.start_k, kj - 2 * self._k.settle_win * 5), kj + 1)
        if not self._rest_levels or tail.size < 5 * kc.settle_win:
            return False
        level, band = float(np.median(tail)), 0.05 * self._scale
        top = float(h.row(S, e.start_k, kj + 1).max())
        near = any(abs(level - r) <= band for r in self._rest_levels)
        flat = float(tail.max() - tail.min()) <= 2 * band
        return near and flat and top - level <= 0.25 * self._scale

    # -- plumbing ----------------------------------------------------------------

    def _new_stream(self) -> None:
        self._has_gyro: bool | None = None
        self._last_t = -math.inf
        cap = 2 * round((self.config.max_effort_s + 2 * _LOOKBACK_S) * self.config.grid_hz)
        self._hist = History(cap)
        self._n_efforts = 0
        self._seen: list[_Seen] = []
        self._scale = 0.0
        self._ceiling = math.inf
        self._holes: deque[tuple[float, float]] = deque(maxlen=_MAX_HOLES)
        self._rest_levels: list[float] = []
        self._rest_returns: list[int] = []
        self._signed = self._signed_at_start
        self._sign = 1.0
        # Until the channel first reads below zero it may be a speed with no
        # sign at all (a device's unsigned reduction), not a signed channel
        # whose sign is unknown.
        self._sign_less_to = math.inf
        self._sign_seen = 0.0
        self._new_segment()

    def _new_segment(self) -> None:
        """Fresh conditioning and rest state: at the start, and after a long gap."""
        self._t_first = math.nan
        self._rel_k = -1
        self._kj = -1
        self._settle_until = math.inf
        rows = 2 if self._has_gyro else 1
        self._median = Median3()
        self._grid: Gridder = Gridder(self._k.h, rows)
        self._lp_ev = LowPass(self._sos_ev, rows)
        self._lp_sm = LowPass(self._sos_sm, 1)
        self._mode = _IDLE
        self._seg_k0 = self._idle_start = self._hist.end
        self._seg_efforts = 0
        self._neg = -1
        self._load = -math.inf
        self._unsettled = False
        self._settled_k = -1
        self._cand = -1
        self._cand_b = self._cand_thr = 0.0
        self._ema: Ema | None = None
        self._rest_m: float | None = None
        self._rest_v = 0.0
        self._rest_until = -math.inf
        self._released_k = -1
        self._push_level = math.inf
        self._gap: FloatArray | None = None
        self._eff: EffortState | None = None
        self._events = []

    def _shaped(
        self, t: npt.ArrayLike, force: npt.ArrayLike, gyro: npt.ArrayLike | None
    ) -> tuple[FloatArray, FloatArray]:
        """Input as float64 arrays: ``t`` (n,) and the channels ``x`` (rows, n)."""
        tt = np.asarray(t, dtype=np.float64)
        f = np.asarray(force, dtype=np.float64)
        if tt.ndim != 1 or f.shape != tt.shape:
            raise ValueError(f"t and force must be 1-D of one length, got {tt.shape} and {f.shape}")
        has_gyro = gyro is not None
        if self._has_gyro is None:
            self._has_gyro = has_gyro
            rows = 2 if has_gyro else 1
            self._grid = Gridder(self._k.h, rows)
            self._lp_ev = LowPass(self._sos_ev, rows)
        elif has_gyro != self._has_gyro:
            raise ValueError(
                f"gyro must be given on every block or on none; this stream "
                f"{'has' if self._has_gyro else 'has no'} gyro, the block "
                f"{'has' if has_gyro else 'has none'}"
            )
        if gyro is None:
            return tt, f.reshape(1, -1)
        g = np.asarray(gyro, dtype=np.float64)
        if g.shape != tt.shape:
            raise ValueError(f"gyro must have the shape of t {tt.shape}, got {g.shape}")
        return tt, np.stack((f, g))

    def _check_times(self, first: float, back: bool, last: float) -> None:
        """Reject time going backwards (within the block or from the last one)."""
        if first < self._last_t or back:
            raise ValueError(
                f"t must not decrease: block starts at {first} after {self._last_t}"
                if first < self._last_t
                else "t must not decrease within the block"
            )
        if math.isnan(self._t_first):
            self._t_first = first
        self._last_t = max(last, self._last_t)

    def _keep_from(self) -> int:
        start = self._eff.start_k if self._eff is not None else self._hist.end
        return max(0, min(start, self._hist.end) - self._k.lookback)

    def _run(self, k: int, k1: int) -> None:
        while k < k1:
            if self._mode == _IDLE:
                k = self._idle(k, k1)
            elif self._mode == _ACTIVE:
                k = self._active(k, k1)
            elif self._mode == _SETTLE:
                k = self._settle(k, k1)
            else:
                k = self._rest(k, k1)

    # -- modes -----------------------------------------------------------------

    def _settled(self, k: int, k1: int) -> npt.NDArray[np.bool_]:
        """Samples of ``[k, k1)`` ending 0.2 s at rest: below the last release level and
        within 2 % of the recording's largest effort (a new push is not rest)."""
        h, w = self._hist, self._k.settle_win
        lo = max(k - w + 1, h.offset)
        if k1 - k <= SCALAR_MAX:
            # A live block: its few windows cost less in plain floats.
            sl = h.row(S, lo, k1).tolist()
            tol, ceiling = max(0.02 * self._scale, self.config.min_onset_n), self._ceiling
            return np.array(
                [
                    i + 1 >= w
                    and max(win := sl[i + 1 - w : i + 1]) - min(win) <= tol
                    and sl[i] < ceiling
                    for i in range(k - lo, len(sl))
                ],
                dtype=bool,
            )
        ss = h.row(S, lo, k1)
        spread = np.full(k1 - k, np.inf)
        if ss.size >= w:
            win = np.lib.stride_tricks.sliding_window_view(ss, w)
            spread[k1 - k - win.shape[0] :] = win.max(axis=1) - win.min(axis=1)
        low = h.row(S, k, k1) < self._ceiling
        return (spread <= max(0.02 * self._scale, self.config.min_onset_n)) & low

    def _rest(self, k: int, k1: int) -> int:
        """After a release, wait for the force to settle, then restart rest statistics.

        Settled: ``rest_settle_s`` has passed and the smoothed force has
        stayed within 2 % of the recording's largest effort for 0.2 s, below
        the last release level (a load cell that rings, a strap that swings
        back or a reading that dips through zero is not rest yet), or
        ``max_settle_s`` has passed. A force back above half the last effort
        before that is the next push, begun within a short, unsettled rest:
        rest statistics restart where it departed, not on its plateau.
        """
        c, h = self.config, self._hist
        if h.at(T, k1 - 1) < self._rest_until:
            return k1
        ts = h.row(T, k, k1)
        settled = self._settled(k, k1)
        after = ts >= self._rest_until
        # Back above half the last effort before the force settled: the next
        # push began within the short rest.
        pushed = after & (h.row(S, k, k1) >= self._push_level)
        ready = after & (settled | pushed | (ts >= self._rest_until + c.max_settle_s))
        j = k + _first(ready)
        if j < k1:
            unsettled = not bool(settled[j - k])
            if unsettled and pushed[j - k]:
                # Its rest is the level the force kept since the release, read
                # robustly (a rest that rings or dips through zero has a level
                # above its dips): the push departs from the last sample at or
                # below it.
                lo = max(self._released_k, h.offset)
                seg = h.row(S, lo, j + 1)
                j = lo + int(np.flatnonzero(seg <= np.percentile(seg, 25))[-1])
                unsettled = False
            # Not settled in time: an effort may already be under way, so the
            # rest may be a load, as at the start of a recording.
            self._unsettled, self._settled_k = unsettled, -1
            self._mode = _IDLE
            self._idle_start = j
            self._cand, self._load = -1, -math.inf
            self._ema = None
            self._rest_m = None
        return j

    def _idle(self, k: int, k1: int) -> int:
        """Update rest statistics; look for a confirmed onset.

        A candidate is the first sample above the running threshold; from it
        on the rest level is frozen (the rise must not raise its own
        threshold, as a running mean following a slow ramp would). The
        candidate is confirmed once it has stayed above for
        ``onset_confirm_s`` and reached ``min_effort_n``, else dropped.

        The rest statistics are a recursion that cannot be vectorised (the
        noise clip depends on the estimate so far), so this mode runs one
        sample at a time for any block size: one code path, live and offline.
        """
        c, kc, h = self.config, self._k, self._hist
        # In chunks, so the rest statistics past an onset are never computed
        # in vain: offline analysis stays linear in the recording's length.
        k1 = min(k1, k + _IDLE_CHUNK)
        self._rest_stats(k, k1)
        if self._unsettled and self._settled_k < 0:
            self._settled_k = k + _first(self._settled(k, k1))
            if self._settled_k >= k1:
                self._settled_k = -1
        o, d, gap, start = h.offset, h.data, kc.gap, self._idle_start
        lo = max(k - gap, start)
        ys = d[Y, k - o : k1 - o].tolist()
        bms = d[BM, lo - o : k1 - o].tolist()
        bvs = d[BV, lo - o : k1 - o].tolist()
        cand, cand_b, cand_thr = self._cand, self._cand_b, self._cand_thr
        onset_sd, floor_n, run, effort_n = c.onset_sd, c.min_onset_n, kc.onset_run, c.min_effort_n
        first = (self._seg_efforts == 0 and start == self._seg_k0) or self._unsettled
        # Once efforts have been seen, rest noise (a ringing or dipping rest)
        # never hides an effort of a tenth of their size.
        cap = c.onset_cap_frac * self._scale if self._scale > 0 else math.inf
        neg, load = self._neg, self._load
        for i in range(k, k1):
            y = ys[i - k]
            if first:
                # The force falls far below what has been rest since the
                # recording began: it began under load, and this is the release.
                # The highest level so far is the load: a slow release drags
                # the running level down with it.
                lb = (i - gap if i - gap > start else start) - lo
                if bms[lb] > load:
                    load = bms[lb]
                # Far below: by the effort size, and to under half the level
                # (a tared sensor goes back near zero; a dip or a body-weight
                # rest does not).
                thr = max(onset_sd * math.sqrt(bvs[lb]), effort_n, 0.5 * load)
                if load < effort_n or load - y <= thr:
                    neg = -1
                elif neg < 0:
                    neg = i
                elif i - neg >= run:
                    self._neg, self._unsettled, self._load = -1, False, load
                    self._loaded_start(neg)
                    return neg
            if cand < 0:
                lb = (i - gap if i - gap > start else start) - lo
                thr = max(min(onset_sd * math.sqrt(bvs[lb]), cap), floor_n)
                if not y - bms[lb] > thr:
                    continue
                cand, cand_b, cand_thr = i, bms[lb], thr
            z = y - cand_b
            if z <= cand_thr:
                cand = -1
            elif i - cand >= run and z >= effort_n:
                self._cand = -1
                self._start_effort(cand, i)
                assert self._eff is not None
                return self._eff.start_k
        self._cand, self._cand_b, self._cand_thr, self._neg = cand, cand_b, cand_thr, neg
        self._load = load
        return k1

    def _loaded_start(self, rel: int) -> None:
        """The recording began during an effort released at sample ``rel``.

        The effort runs from the segment's first sample; its rest is taken
        after the release, as for an onset seen at the very start (``SETTLE``).
        """
        c, kc, h = self.config, self._k, self._hist
        k0 = self._idle_start
        sd0 = max(math.sqrt(h.at(BV, k0)), c.min_onset_n / c.onset_sd)
        b0 = h.at(BM, k0)
        self._eff = EffortState(
            start_k=k0,
            cross_k=k0,
            armed_k=k0,
            b0=b0,
            sd0=sd0,
            on_thr=max(c.onset_sd * sd0, c.min_onset_n),
            gm0=0.0,
            g_thr=math.inf,
            g_band=0.0,
            pk=-math.inf,
            pk_k=k0,
            top=-math.inf,
            top_k=k0,
            g_last_rest=k0,
            rest_unseen=True,
            rec_t0=h.at(T, k0),
        )
        self._events.append(Onset(t=h.at(T, k0) - kc.d_ev, baseline_n=b0))
        self._events.append(Release(t=h.at(T, rel) - kc.d_sm))
        self._note_gap(k0)
        self._mode, self._rel_k = _SETTLE, rel
        self._settle_until = h.at(T, rel) + _LOADED_SETTLE_S

    def _rest_stats(self, k: int, k1: int) -> None:
        """Running rest level and noise of ``[k, k1)`` into rows BM, BV (GM, GV).

        The level is an exponential mean (``baseline_tau_s``) that follows
        drift. The noise is the exponential mean square of the force about
        that level over the longer ``noise_tau_s``, with each deviation
        clipped at ``noise_clip_sd`` times the noise so far (a Huber-type
        scale estimate): rest noise is a property of the sensor and the
        resting limb and changes slowly, while a slow rise or a trend moves
        the force steadily away from the level. Unclipped, a slow examiner's
        rise inflates the noise as fast as it departs and the onset threshold
        keeps ahead of the force; clipped, the estimate can only grow by a
        bounded factor per second, yet a lasting drift (a deviation of the
        level's lag) still counts into the noise within about a second, which
        keeps a creeping baseline from reading as an effort.
        """
        c, kc, h = self.config, self._k, self._hist
        o, d = h.offset, h.data
        ys = d[Y, k - o : k1 - o].tolist()
        if self._rest_m is None:
            self._rest_m, self._rest_v = ys[0], 0.0
        a, a_v = kc.ema_a, kc.noise_a
        keep, keep_v = 1.0 - a, 1.0 - a_v
        clip2 = c.noise_clip_sd * c.noise_clip_sd
        floor2 = (c.min_onset_n / c.onset_sd) ** 2
        m, v = self._rest_m, self._rest_v
        ms, vs = [], []
        for y in ys:
            m = a * y + keep * m
            dev2 = (y - m) * (y - m)
            lim = clip2 * (v if v > floor2 else floor2)
            v = a_v * (dev2 if dev2 < lim else lim) + keep_v * v
            ms.append(m)
            vs.append(v)
        self._rest_m, self._rest_v = m, v
        d[BM, k - o : k1 - o] = ms
        d[BV, k - o : k1 - o] = vs
        if self._has_gyro:
            w = h.row(W, k, k1)
            if self._ema is None:
                self._ema = Ema(kc.ema_a, 2)
            g = self._ema.step(np.stack((w, w * w)))
            h.row(GM, k, k1)[:] = g[0]
            h.row(GV, k, k1)[:] = np.maximum(g[1] - g[0] * g[0], 0.0)

    def _start_effort(self, cross: int, confirm: int) -> None:
        """Freeze the rest level before the rise and step back to the departure."""
        c, kc, h = self.config, self._k, self._hist
        sd_floor = c.min_onset_n / c.onset_sd
        lo = max(self._idle_start, cross - kc.lookback + kc.gap, h.offset)
        ref = max(cross - kc.gap, self._idle_start)
        for _ in range(2):
            b0 = h.at(BM, ref)
            sd0 = max(math.sqrt(h.at(BV, ref)), sd_floor)
            band = b0 + c.departure_sd * sd0
            seg = h.row(Y, lo, cross)
            below = np.flatnonzero(seg <= band)
            dep = lo + int(below[-1]) if below.size else lo
            ref = max(dep - kc.gap, self._idle_start)
        y0, y1 = h.at(Y, dep), h.at(Y, dep + 1)
        frac = min(max((band - y0) / (y1 - y0), 0.0), 1.0) if y1 > y0 else 0.0
        t_on = h.at(T, dep) + frac * kc.h - kc.d_ev
        gm0 = gsd0 = 0.0
        if self._has_gyro:
            gm0 = h.at(GM, ref)
            gsd0 = math.sqrt(h.at(GV, ref))
        self._eff = EffortState(
            start_k=dep,
            cross_k=cross,
            armed_k=confirm + kc.onset_run,
            b0=b0,
            sd0=sd0,
            on_thr=max(c.onset_sd * sd0, c.min_onset_n),
            gm0=gm0,
            g_thr=max(c.gyro_sd * gsd0, c.gyro_floor_dps),
            g_band=max(c.departure_sd * gsd0, 0.25 * max(c.gyro_sd * gsd0, c.gyro_floor_dps)),
            pk=-math.inf,
            pk_k=dep,
            top=-math.inf,
            top_k=dep,
            g_last_rest=dep,
            motion=bool(self._has_gyro),
            # The rest level is read gap_s before the departure; at the very
            # start of the stream there was no such time: the rest is unseen.
            rest_unseen=(self._seg_efforts == 0 and dep < self._idle_start + kc.gap)
            or (self._unsettled and not 0 <= self._settled_k <= dep),
            rec_t0=self._t_first,
        )
        if self._eff.rest_unseen and self._seg_efforts == 0 and b0 > 0:
            self._eff.unseen_cap = -0.5 * b0
        self._mode, self._unsettled = _ACTIVE, False
        self._events.append(Onset(t=t_on, baseline_n=b0))
        self._note_gap(dep)

    def _active(self, k: int, k1: int) -> int:
        """One effort: peak, falls (break or easing off), gyro yield, release."""
        kc, h, e = self._k, self._hist, self._eff
        assert e is not None
        scan = self._scan_scalar if k1 - k <= SCALAR_MAX else self._scan_vector
        what = scan(k, k1)
        if what == _NOTHING:
            return k1
        kj = self._kj
        if what == _REL:
            if (
                self._breaks
                and not e.rest_unseen
                and e.sub == _FALLING
                and e.break_k < 0
                and self._dwell() < self.config.yield_dwell_s
                and self._sharp_top()
                and (not self._has_gyro or self._swept(kj) >= self.config.gyro_yield_deg)
            ):
                # The push was still rising when the force turned down and the
                # fall went straight on to rest: the limb gave way and the
                # examiner stopped at once (DESIGN §3).
                kb = self._break_start(e.fall_top_k)
                e.sub, e.break_k, e.break_src, e.level_k = _BROKEN, kb, "force", -1
                e.fall_drop, e.fall_dur, e.stopped = 1.0, 0.0, True
                self._events.append(
                    Break(t=h.at(T, kb) - kc.d_ev, force_n=h.at(Y, kb) - e.b0, source="force")
                )
            if e.late_k >= 0 and h.at(T, kj) - h.at(T, e.late_k) < self.config.step_pause_s:
                # The level after the late fall was left for rest at once: the
                # hand let go in steps.
                e.late_k, e.stepped = -1, True
            self._events.append(Release(t=h.at(T, kj) - kc.d_sm))
            if e.rest_unseen:
                self._mode, self._rel_k = _SETTLE, kj
                self._settle_until = h.at(T, kj) + _LOADED_SETTLE_S
            else:
                self._complete(kj, "release")
        elif what == _MAX:
            self._complete(kj, "too_long")
        elif what == _LOWER:
            # After an easing off or a yield the force kept a level far below
            # the top: the examiner let go onto a new rest level (a strap or
            # limb that settled higher than before), and the effort ended there.
            low_k, b0, peak = e.low_k, e.b0, e.pk
            self._events.append(Release(t=h.at(T, low_k) - kc.d_sm))
            self._complete(low_k, "release")
            self._ceiling = max(self._ceiling, b0 + self.config.new_rest_frac * peak)
        elif what == _GYRO:
            self._gyro_break(e.g_last_rest + 1)
        elif what == _BACK:
            # A yield does not give back what it lost: regaining half the drop
            # means the dip was a wobble of the hold (or a hesitation before
            # pushing on), not the limb giving way; its depth is the
            # examiner's own variation that a yield must exceed.
            self._wobbled(kj, h.at(S, kj) - e.b0, kj)
        elif what == _HELD:
            # The examiner keeps contact after a yield for a moment, then lets
            # go; a level the force then holds for long is the patient holding
            # (an overshoot settling into a plateau), not a limb that gave way.
            self._withdraw(kj, e.break_k, "held")
            e.sub, e.break_k, e.break_src, e.top, e.top_k = _TRACK, -1, "", h.at(S, kj) - e.b0, kj
            e.settled = True
        elif what == _RESUME:
            since = h.row(S, e.level_k, kj + 1) - e.b0
            if since.max() >= e.fall_bottom + 0.5 * (e.fall_top - e.fall_bottom):
                # The force came back half its drop before falling again: the
                # first fall was a wobble of the hold, and the new one falls
                # from where it came back to.
                self._wobbled(kj, float(since.max()), e.level_k + int(np.argmax(since)))
            else:
                # A yield levels off once; falling on by half its drop again
                # means the level-off was a pause in a longer fall: judge the
                # whole fall.
                e.held_break = (e.break_k, e.fall_drop, e.fall_dur, e.level_k)
                e.sub, e.break_k, e.break_src, e.fall_k = _FALLING, -1, "", kj
        elif what == _FALL:
            e.sub, e.fall_top, e.fall_top_k, e.fall_k = _FALLING, e.top, e.top_k, kj
            self._events.append(Falling(t=h.at(T, e.top_k) - kc.d_sm, force_n=e.top))
        else:
            self._judge_fall(kj)
        return kj + 1

    def _scan_vector(self, k: int, k1: int) -> int:
        """Find the first decision in ``[k, k1)`` with array operations (long blocks).

        Updates the running peak, top and gyro rest up to the decision (or the
        block end), sends the :class:`Peak` events passed on the way, sets
        ``self._kj`` and returns what was decided (``_NOTHING`` if nothing).
        """
        c, kc, h, e = self.config, self._k, self._hist, self._eff
        assert e is not None
        idx = np.arange(k, k1)
        z = h.row(Y, k, k1) - e.b0
        zs = h.row(S, k, k1) - e.b0
        pk_run = np.maximum(np.maximum.accumulate(z), e.pk)
        new_pk = z > np.concatenate(([e.pk], pk_run[:-1]))
        pk_idx = np.maximum.accumulate(np.where(new_pk, idx, e.pk_k))
        top_run = np.maximum(np.maximum.accumulate(zs), e.top)
        new_top = zs > np.concatenate(([e.top], top_run[:-1]))
        top_idx = np.maximum.accumulate(np.where(new_top, idx, e.top_k))
        armed = idx >= e.armed_k
        n = idx.size
        rel_lvl = np.minimum(np.maximum(c.release_frac * pk_run, e.on_thr), e.unseen_cap)
        j_rel = _first(armed & (zs < rel_lvl))
        j_fall = j_lvl = j_gyro = j_back = j_resume = n
        j_held = n
        if e.sub == _BROKEN and e.break_src == "force":
            half = 0.5 * (e.fall_top - e.fall_bottom)
            j_back = _first(zs > max(e.fall_bottom + half, e.back_level))
            j_held = _first(
                (h.row(T, k, k1) - e.level_t >= c.max_level_s) & (zs >= 0.8 * e.fall_bottom)
            )
            deeper = e.fall_bottom - max(half, c.fall_frac * e.fall_top, c.fall_sd * e.sd0)
            if not e.sharp:
                pausing = h.row(T, k, k1) - e.level_t < c.resume_s
                j_resume = _first(armed & (zs < deeper) & pausing)
        if e.sub == _TRACK:
            drop = top_run - zs
            noise = np.minimum(c.fall_sd * e.sd0, c.break_drop_frac * top_run)
            j_fall = _first(armed & (drop > np.maximum(c.fall_frac * top_run, noise)))
        elif e.sub == _FALLING:
            back = h.take(S, np.maximum(idx - kc.level_win, e.fall_top_k)) - e.b0
            slope = (zs - back) / (kc.level_win * kc.h)
            j_lvl = _first(slope > -c.level_rate * e.fall_top)
        last_rest = idx
        ang_rest = np.full(n, e.g_ang)
        ang = ang_rest
        if self._has_gyro and e.sub != _BROKEN and self._breaks:
            w = (h.row(W, k, k1) - e.gm0) * self._sign
            moving = (w if self._signed else np.abs(w)) > e.g_thr
            last_rest = np.maximum.accumulate(np.where(moving, e.g_last_rest, idx))
            ang = np.cumsum(np.concatenate(([e.g_ang], w * kc.h)))[1:]
            ang_rest = np.where(last_rest >= k, ang[np.maximum(last_rest - k, 0)], e.g_ang_rest)
            dep_force = h.take(S, last_rest) - e.b0
            dep_y = h.take(Y, last_rest) - e.b0
            swept = ang - ang_rest if self._signed else np.abs(ang - ang_rest)
            held = (
                (swept >= self._held_deg(h.row(T, k, k1)))
                & (z <= dep_y + c.gyro_held_rise * top_run)
                & (z >= c.gyro_held_keep * dep_y)
            )
            j_gyro = _first(
                armed
                & moving
                & (idx - last_rest >= kc.gyro_run)
                & (dep_force >= c.gyro_force_frac * top_run)
                & (self._signed or e.sub != _FALLING or last_rest < e.fall_top_k + kc.before_fall)
                & ((swept >= c.gyro_yield_deg) | held)
            )
        j_max = _first(h.row(T, k, k1) - h.at(T, e.start_k) > c.max_effort_s)
        j_low, low_at = n, None
        if self._lowers(e):
            # Where the current stay under the new-rest level began, per sample.
            low = zs <= c.new_rest_frac * pk_run
            since = k if e.low_k < 0 else e.low_k
            low_at = np.where(low, np.maximum.accumulate(np.where(low, since, idx + 1)), -1)
            # A stay that began in an earlier block counts from its start.
            t_from = h.take(T, np.where(low_at >= 0, low_at, k))
            j_low = _first(armed & low & (h.row(T, k, k1) - t_from >= c.new_rest_s))
        j = min(j_rel, j_fall, j_lvl, j_gyro, j_max, j_back, j_held, j_resume, j_low)
        jj = min(j, n - 1)
        for i in np.flatnonzero(idx[: jj + 1] - pk_idx[: jj + 1] == kc.peak_hold):
            t = h.at(T, int(pk_idx[i])) - kc.d_ev
            self._events.append(Peak(t=t, force_n=float(pk_run[i])))
        e.pk, e.pk_k = float(pk_run[jj]), int(pk_idx[jj])
        e.top, e.top_k = float(top_run[jj]), int(top_idx[jj])
        e.g_last_rest = int(last_rest[jj])
        e.g_ang, e.g_ang_rest = float(ang[jj]), float(ang_rest[jj])
        e.low_k = -1 if low_at is None else int(low_at[jj])
        self._kj = k + j
        for what, jw in (
            (_REL, j_rel),
            (_MAX, j_max),
            (_LOWER, j_low),
            (_GYRO, j_gyro),
            (_BACK, j_back),
            (_HELD, j_held),
            (_RESUME, j_resume),
            (_FALL, j_fall),
            (_LEVEL, j_lvl),
        ):
            if jw == j < n:
                return what
        return _NOTHING

    def _scan_scalar(self, k: int, k1: int) -> int:
        """:meth:`_scan_vector` for a few grid samples, one sample at a time.

        A live block yields a handful of grid samples, for which numpy's
        per-call cost dwarfs the work. The same comparisons are made on the
        same float64 values in the same order (``max`` of two floats and a
        product are exact operations either way), so both paths decide
        identically (tested) and block splits still do not matter.
        """
        c, kc, h, e = self.config, self._k, self._hist, self._eff
        assert e is not None
        o, d = h.offset, h.data
        b0, sub = e.b0, e.sub
        ts, _, ys, ss = d[T : S + 1, k - o : k1 - o].tolist()
        t_max = h.at(T, e.start_k)
        pk, pk_k, top, top_k, last_rest = e.pk, e.pk_k, e.top, e.top_k, e.g_last_rest
        armed_k, on_thr, rel_frac, hold = e.armed_k, e.on_thr, c.release_frac, kc.peak_hold
        fall_floor = c.fall_sd * e.sd0
        check_back = sub == _BROKEN and e.break_src == "force"
        back_above = deeper = 0.0
        if check_back:
            half = 0.5 * (e.fall_top - e.fall_bottom)
            back_above = max(e.fall_bottom + half, e.back_level)
            deeper = e.fall_bottom - max(half, c.fall_frac * e.fall_top, fall_floor)
            if e.sharp:
                deeper = -math.inf
        resume_s = c.resume_s
        lowers, low_k, low_frac, low_s = self._lowers(e), e.low_k, c.new_rest_frac, c.new_rest_s
        lw, ftk, sb, lo_b = kc.level_win, e.fall_top_k, ys, k
        lvl_den = kc.level_win * kc.h
        lvl_min = -c.level_rate * e.fall_top
        if sub == _FALLING:
            lo_b = max(k - lw, ftk)
            sb = d[S, lo_b - o : k1 - o].tolist()
        gyro = bool(self._has_gyro) and sub != _BROKEN and self._breaks
        signed, sign = self._signed, self._sign
        ws = d[W, k - o : k1 - o].tolist() if gyro else ys
        gm0, g_thr, g_run, hh = e.gm0, e.g_thr, kc.gyro_run, kc.h
        ang, ang_rest, yield_deg = e.g_ang, e.g_ang_rest, c.gyro_yield_deg
        dep_frac, held_deg, sign_less = c.gyro_force_frac, c.gyro_held_deg, self._sign_less_to
        h_rise, h_keep = c.gyro_held_rise, c.gyro_held_keep
        what = _NOTHING
        for i in range(k, k1):
            z = ys[i - k] - b0
            zs = ss[i - k] - b0
            if z > pk:
                pk, pk_k = z, i
            if zs > top:
                top, top_k = zs, i
            if i - pk_k == hold:
                self._events.append(Peak(t=h.at(T, pk_k) - kc.d_ev, force_n=pk))
            armed = i >= armed_k
            moving = False
            if gyro:
                w = (ws[i - k] - gm0) * sign
                ang = ang + w * hh
                moving = (w if signed else abs(w)) > g_thr
                if not moving:
                    last_rest, ang_rest = i, ang
            else:
                last_rest, ang_rest = i, ang
            if lowers:
                if zs > low_frac * pk:
                    low_k = -1
                elif low_k < 0:
                    low_k = i
            if armed and zs < min(max(rel_frac * pk, on_thr), e.unseen_cap):
                what = _REL
            elif ts[i - k] - t_max > c.max_effort_s:
                what = _MAX
            elif armed and low_k >= 0 and ts[i - k] - d[T, low_k - o] >= low_s:
                what = _LOWER
            elif (
                armed
                and moving
                and i - last_rest >= g_run
                and d[S, last_rest - o] - b0 >= dep_frac * top
                and (signed or sub != _FALLING or last_rest < e.fall_top_k + kc.before_fall)
                and (
                    (swept := ang - ang_rest if signed else abs(ang - ang_rest)) >= yield_deg
                    or (
                        swept >= (yield_deg if not signed and ts[i - k] < sign_less else held_deg)
                        and h_keep * (f0 := d[Y, last_rest - o] - b0) <= z <= f0 + h_rise * top
                    )
                )
            ):
                what = _GYRO
            elif check_back and zs > back_above:
                what = _BACK
            elif (
                check_back and ts[i - k] - e.level_t >= c.max_level_s and zs >= 0.8 * e.fall_bottom
            ):
                what = _HELD
            elif check_back and armed and zs < deeper and ts[i - k] - e.level_t < resume_s:
                what = _RESUME
            elif (
                sub == _TRACK
                and armed
                and top - zs > max(c.fall_frac * top, min(fall_floor, c.break_drop_frac * top))
            ):
                what = _FALL
            elif sub == _FALLING and (zs - (sb[max(i - lw, ftk) - lo_b] - b0)) / lvl_den > lvl_min:
                what = _LEVEL
            if what != _NOTHING:
                self._kj = i
                break
        e.pk, e.pk_k, e.top, e.top_k, e.g_last_rest = pk, pk_k, top, top_k, last_rest
        e.g_ang, e.g_ang_rest, e.low_k = ang, ang_rest, low_k
        return what

    def _judge_fall(self, kj: int) -> None:
        """A fall has levelled off: a yield, or the examiner's hand (ease-off, wobble).

        A yield is a fall that is deep (``break_drop_frac``, and ``wobble_k``
        times the deepest dip this effort already showed and regained) and
        quick (within ``max_fall_s``, or on average at least twice
        ``level_rate``: clearly falling all along, not hovering at the
        level-off limit). Otherwise the examiner eased off or wobbled, and
        tracking restarts from the new level.
        """
        c, kc, h, e = self.config, self._k, self._hist, self._eff
        assert e is not None
        seg = h.row(S, e.fall_top_k, kj + 1) - e.b0
        bottom = float(seg.min())
        drop = e.fall_top - bottom
        # 90 % point first, then the last 10 % crossing before it: searching
        # forward for 10 % would stop at noise dips on the plateau.
        k90 = _first(seg <= e.fall_top - 0.9 * drop)
        k10 = int(np.flatnonzero(seg[:k90] > e.fall_top - 0.1 * drop)[-1]) + 1 if k90 else 0
        fall_s = (k90 - k10) * kc.h
        held, e.held_break = e.held_break, None
        # A dip from a top the force reached within ``contact_s`` of the
        # departure is the contact's overshoot (a jolt start), not the hand's
        # wobble: it says nothing of how steady the hold is.
        k_contact = e.start_k + round(c.contact_s / kc.h)
        hand = (d for top_k, d in e.wobbles if top_k > k_contact)
        deep = drop >= max(c.break_drop_frac, c.wobble_k * max(hand, default=0.0)) * e.fall_top
        quick = fall_s <= c.max_fall_s or 0.8 * drop >= 2.0 * c.level_rate * e.fall_top * fall_s
        # An effort whose rise was not seen (the recording or a settled rest
        # began under load) cannot show that the push was cut short.
        late = deep and quick and (e.rest_unseen or self._dwell() >= c.late_dwell_s)
        moved = late and held is None and self._moved_with_fall(kj)
        if moved:
            late = False
        # Steps the hand eased down by since the force last rose lead on from
        # the top they left: a fall at their foot starts from there.
        if e.fall_top > e.stair_level + c.dwell_frac * e.fall_top:
            e.stair_top = 0.0
        from_plateau = max(e.fall_top, e.stair_top) >= c.plateau_frac * e.pk
        if late and held is None and from_plateau:
            # After a sustained plateau a quick fall to a new level is a late
            # yield, the examiner easing off or a release in steps: force alone
            # cannot tell (DESIGN §3), so it is remembered, not called a break.
            e.late_k, e.late_bottom, e.late_drop = kj, bottom, drop
        yielded = deep and quick and self._breaks and not late
        if yielded and self._has_gyro and not moved:
            # With a motion channel a yield moves the limb: a fall it did not
            # accompany was the examiner's hand.
            yielded = self._swept(kj) >= c.gyro_yield_deg
        if yielded:
            kb = self._break_start(e.fall_top_k + k10)
            src = "gyro" if moved else "force"
            e.sub, e.break_k, e.break_src, e.level_k = _BROKEN, kb, src, kj
            e.swept_fall = moved
            e.fall_drop, e.fall_dur, e.fall_bottom = drop / e.fall_top, fall_s, bottom
            e.level_t = h.at(T, kj)
            # Regained means back near the top: after a yield the examiner
            # may push again part of the way, and tremor alone is half a
            # small yield's drop.
            e.back_level = (1.0 - 0.5 * c.break_drop_frac) * e.fall_top
            # A yield that cut a rising push short stands when the force then
            # falls on in steps (the examiner letting go): only a fall after a
            # dwell at the top is judged anew as a possible slow decline.
            e.sharp = self._dwell() < c.yield_dwell_s
            self._events.append(
                Break(t=h.at(T, kb) - kc.d_ev, force_n=h.at(Y, kb) - e.b0, source=src)
            )
        else:
            if held is not None:
                self._withdraw(kj, held[0], "slow_decline")
            e.sub, e.top, e.top_k = _TRACK, h.at(S, kj) - e.b0, kj
            e.eased = max(e.eased, drop / e.fall_top)
            e.stair_top, e.stair_level = max(e.stair_top, e.fall_top), e.top

    def _held_deg(self, ts: FloatArray) -> FloatArray | float:
        """Angle that proves a yield while the force holds (``gyro_held_deg``) at times ``ts``.

        A speed without any sign cannot tell the first tens of milliseconds of
        a hand's let-go, the limb springing back, from a yield: it needs the
        full ``gyro_yield_deg``.
        """
        c = self.config
        if self._signed:
            return c.gyro_held_deg
        return np.where(ts < self._sign_less_to, c.gyro_yield_deg, c.gyro_held_deg)

    def _moved_with_fall(self, kj: int) -> bool:
        """The limb swept ``gyro_yield_deg`` during a late fall that kept a level.

        On a channel of unknown sign, motion that began only as the force fell
        may be the spring-back of a hand letting go; but a fall that levelled
        off above rest kept contact, and a limb that swept degrees meanwhile
        gave way under it: a late yield the force alone could not tell.
        """
        if self._signed or not self._has_gyro or not self._breaks:
            return False
        return self._swept(kj) >= self.config.gyro_yield_deg

    def _swept(self, kj: int) -> float:
        """Degrees the limb swept with the push (any way, if unsigned) during the current fall.

        Zero unless it moved above its rest threshold for ``gyro_confirm_s``.
        """
        kc, h, e = self._k, self._hist, self._eff
        assert e is not None
        w = (h.row(W, max(e.fall_top_k - kc.before_fall, e.start_k), kj + 1) - e.gm0) * self._sign
        if (np.abs(w) > e.g_thr).sum() < kc.gyro_run:
            return 0.0
        swept = float(np.sum(w)) * kc.h
        return swept if self._signed else abs(swept)

    def _dwell(self) -> float:
        """How long the force stayed near the top before the current fall started (s)."""
        kc, e = self._k, self._eff
        assert e is not None
        return (e.fall_k - (e.start_k + self._reach())) * kc.h

    def _reach(self) -> int:
        """Where the force first came within ``dwell_frac`` of the current fall's top.

        Relative to the effort's start, and counted from the last dip the
        force regained (a new push), so tremor and small falls on a long
        plateau do not reset it.
        """
        h, e = self._hist, self._eff
        assert e is not None
        k0 = max(e.start_k, e.track_k)
        seg = h.row(S, k0, e.fall_top_k + 1) - e.b0
        return k0 - e.start_k + _first(seg >= (1.0 - self.config.dwell_frac) * e.fall_top)

    def _lowers(self, e: EffortState) -> bool:
        """Whether a new, higher rest level may end the effort: after an easing off or a yield."""
        return (e.sub == _BROKEN or (e.sub == _TRACK and e.eased > 0.0)) and not e.rest_unseen

    def _sharp_top(self) -> bool:
        """The force was still rising steeply into the top the current fall started from.

        A yield interrupts the examiner's rising push; a hold's push levels off
        before the hand lets go. Steep: over the 0.1 s before the force last
        came within 3 % of the top it rose at least half as fast as over the
        0.4 s before that (and by at least 1 % of the top). Close to the top,
        a push that levels off has already slowed; a push cut short has not.
        """
        kc, h, e = self._k, self._hist, self._eff
        assert e is not None
        seg = h.row(S, e.start_k, e.fall_top_k + 1) - e.b0
        below = np.flatnonzero(seg < 0.97 * e.fall_top)
        reach = int(below[-1]) + 1 if below.size else 0
        back = round(0.1 / kc.h)
        if reach < 5 * back:
            return True
        late_slope = seg[reach] - seg[reach - back]
        before = (seg[reach - back] - seg[reach - 5 * back]) / 4
        return late_slope >= 0.5 * before and late_slope > 0.01 * e.fall_top

    def _wobbled(self, kj: int, top: float, top_k: int) -> None:
        """The yield's dip was regained: withdraw it, keep its depth as the
        examiner's wobble, and track again from ``top`` at ``top_k``."""
        e = self._eff
        assert e is not None
        self._withdraw(kj, e.break_k, "regained")
        e.withdrawn += 1
        e.track_k = e.level_k
        e.wobbles.append((e.fall_top_k, 1.0 - e.fall_bottom / e.fall_top))
        e.sub, e.break_k, e.break_src, e.top, e.top_k = _TRACK, -1, "", top, top_k

    def _withdraw(self, kj: int, kb: int, reason: str) -> None:
        """Take back the streamed :class:`Break` at sample ``kb``, decided at ``kj``."""
        kc, h = self._k, self._hist
        self._events.append(
            BreakWithdrawn(t=h.at(T, kj) - kc.d_sm, break_t=h.at(T, kb) - kc.d_ev, reason=reason)
        )

    def _break_start(self, k10: int) -> int:
        """Last maximum before the sustained fall, on the event-filtered force.

        The smoothed force only says roughly where the fall started; the
        break is the last sample, before the fall reached 10 % of its drop,
        where the event-filtered force was within the noise of its maximum.
        """
        kc, h, e = self._k, self._hist, self._eff
        assert e is not None
        shift = round(kc.d_sm / kc.h)
        lo = max(e.start_k, k10 - shift - round(0.2 / kc.h))
        hi = min(k10 - shift + round(kc.d_ev / kc.h) + 1, h.end)
        seg = h.row(Y, lo, hi) - e.b0
        tol = max(2.0 * e.sd0, 0.005 * float(seg.max()))
        return lo + int(np.flatnonzero(seg >= seg.max() - tol)[-1])

    def _gyro_break(self, moved: int) -> None:
        """The limb left rest while the force held: step back to the departure."""
        kc, h, e = self._k, self._hist, self._eff
        assert e is not None
        seg = np.abs(h.row(W, e.start_k, moved) - e.gm0)
        # A limb already turning slowly (elastic give under a rising push,
        # sway) left rest at the start of the faster movement, not of that.
        n = round(_SLOW_AVG_S / kc.h)
        recent = seg[-round(_SLOW_SPAN_S / kc.h) :]
        slow = 0.0
        if recent.size >= n:
            slow = float(np.convolve(recent, np.full(n, 1.0 / n), "valid").min())
        quiet = np.flatnonzero(seg <= e.g_band + slow)
        kb = e.start_k + int(quiet[-1]) + 1 if quiet.size else e.start_k
        kb = min(kb, moved)
        e.sub, e.break_k, e.break_src, e.level_k = _BROKEN, kb, "gyro", -1
        self._events.append(
            Break(t=h.at(T, kb) - kc.d_ev, force_n=h.at(Y, kb) - e.b0, source="gyro")
        )

    def _settle(self, k: int, k1: int) -> int:
        """After the release of an effort whose rest was unseen, wait for the rest."""
        j = k + _first(self._hist.row(T, k, k1) >= self._settle_until)
        if j == k1:
            return k1
        self._rebase(j)
        self._complete(self._rel_k, "release")
        return self._rel_k + 1

    def _learn_sign(self, e: EffortState, result: EffortResult, kj: int) -> None:
        """Sign a motion channel of unknown sign from an effort the force judged.

        Either a yield the force confirms: the limb left rest and the force
        then turned down with no dwell at the top (``yield_dwell_s``) and fell
        by ``break_drop_frac``, so its motion (the first 0.1 s) is with the
        push. Or a hold let go after a sustained plateau (``late_dwell_s``):
        the limb springs back toward the examiner as the hand lets go (DESIGN
        §2), so a sweep of ``gyro_yield_deg`` in the release's last
        ``_SPRING_S`` is against the push. The first such effort decides. The
        sign is taken up only once the channel has read below zero: until
        then it may be a speed without any sign (a device's unsigned
        reduction), whose every movement reads positive.
        """
        if self._has_gyro and self._sign_seen == 0.0:
            self._sign_seen = self._sign_shown(e, result, kj)
        if self._sign_seen != 0.0 and self._sign_less_to < math.inf:
            self._signed, self._sign = True, self._sign_seen

    def _sign_shown(self, e: EffortState, result: EffortResult, kj: int) -> float:
        """The push's sign on the motion channel as this effort shows it, or 0."""
        c, h, kc = self.config, self._hist, self._k
        if (
            result.break_source == "gyro"
            and result.hold_s is not None
            and result.hold_s < c.yield_dwell_s
            and (result.drop_pct or 0.0) >= 100.0 * c.break_drop_frac
        ):
            kb = e.break_k
            with_push = h.row(W, kb, min(kb + round(0.1 * c.grid_hz), kj + 1)) - e.gm0
            return float(np.sign(np.sum(with_push)))
        if result.verdict == "hold" and (result.hold_s or 0.0) >= c.late_dwell_s:
            # Up to the effort's end only: what the stream has delivered when
            # it completes, the same offline and live.
            k0 = max(e.start_k, kj - round(_SPRING_S / kc.h))
            swept = float(np.sum(h.row(W, k0, kj + 1) - e.gm0)) * kc.h
            if abs(swept) >= c.gyro_yield_deg:
                return -float(np.sign(swept))
        return 0.0

    def _note_gap(self, dep: int) -> None:
        """Keep the stretch since the last effort of the segment, up to ``dep``.

        Its dips tell a level kept between efforts from an effort
        (:func:`_rest_between`, at the end of the stream).
        """
        h = self._hist
        self._gap = None
        if self._released_k >= h.offset:
            self._gap = h.row(Y, self._released_k, dep).copy()
            self._seen[-1].dip_after_s = self._dip_time(self._seen[-1].top_n)

    def _dip_time(self, level: float) -> float | None:
        """Time the stretch before the open effort spent below ``_DIP_FRAC`` × ``level``."""
        if self._gap is None:
            return None
        below = int(np.count_nonzero(self._gap < _DIP_FRAC * level))
        return below * self._k.h if below else None

    def _rebase(self, j: int) -> None:
        """Rest from after the release, if the force settled clearly below the start.

        A recording that begins under load (the examiner already pushing) has
        no rest before the effort; the level the force settles at after the
        release is the rest, and the recording's start is a censored onset.
        """
        e = self._eff
        assert e is not None
        after = float(self._hist.row(S, self._rel_k, j + 1).min())
        if after < e.b0 - e.on_thr:
            e.b0, e.loaded = after, True

    def _complete(self, kj: int, how: str) -> None:
        e = self._eff
        assert e is not None
        if e.sub == _FALLING and e.held_break is not None:
            # The fall that resumed after a confirmed yield did not level off
            # again (release or end of stream): the yield stands.
            e.break_k, e.fall_drop, e.fall_dur, e.level_k = e.held_break
            e.sub, e.break_src = _BROKEN, "force"
        t_on, t_end = self._hist.at(T, e.start_k), self._hist.at(T, kj)
        e.holes = [b - a for a, b in self._holes if a < t_end and b > t_on]
        result = effort_result(
            self._n_efforts,
            self._hist,
            e,
            kj,
            how,
            self.config,
            self._k.d_ev,
            self._k.d_sm,
            self.test,
        )
        top = e.b0 + (result.peak_n or 0.0)
        self._seen.append(
            _Seen(
                effort=self._n_efforts,
                peak_n=result.peak_n or 0.0,
                onset_s=result.onset_s or 0.0,
                top_n=top,
                span_s=t_end - t_on,
                dip_before_s=self._dip_time(top),
            )
        )
        self._gap = None
        if not self._signed:
            self._learn_sign(e, result, kj)
        if how == "end" and self._back_to_rest(e, kj):
            self._rest_returns.append(self._n_efforts)
        self._rest_levels.append(e.b0)
        self._events.append(Complete(t=self._hist.at(T, kj) - self._k.d_sm, result=result))
        self._n_efforts += 1
        self._seg_efforts += 1
        self._eff = None
        self._mode = _REST
        self._rest_until = self._hist.at(T, kj) + self.config.rest_settle_s
        self._released_k = kj
        self._push_level = e.b0 + 0.5 * (result.peak_n or 0.0)
        self._scale = max(self._scale, result.peak_n or 0.0)
        self._ceiling = e.b0 + max(self.config.release_frac * (result.peak_n or 0.0), e.on_thr)


def analyze(
    t: npt.ArrayLike,
    force: npt.ArrayLike,
    gyro: npt.ArrayLike | None = None,
    config: DetectorConfig | None = None,
    *,
    test: str = "break",
    gyro_signed: bool = True,
    signed_from_s: float | None = None,
) -> list[EffortResult]:
    """Analyse a whole recording: the streaming :class:`Detector` over one block.

    Parameters
    ----------
    t, force, gyro : array_like, shape (n,)
        As for :meth:`Detector.feed`.
    config : DetectorConfig, optional
        Detector settings.
    test : {"break", "make"}, default "break"
        The kind of test; a make test is never called a break.
    gyro_signed : bool, default True
        Whether ``gyro`` is signed (positive in the direction of the push,
        DESIGN §2); a channel of unknown sign is read by its magnitude.
    signed_from_s : float, optional
        With ``gyro_signed`` false: the time of the first sample that is
        signed (the device learnt the push's direction then), as a live
        :class:`Detector` told by :meth:`Detector.mark_signed` reads it.

    Returns
    -------
    list of EffortResult
        One per effort, in time order (``effort`` = 0, 1, ...), touches left
        out (:class:`Retracted`).
    """
    det = Detector(config, test=test, gyro_signed=gyro_signed)
    if gyro is None or gyro_signed or signed_from_s is None:
        events = det.feed(t, force, gyro)
    else:
        tt = np.asarray(t, dtype=np.float64)
        f, g = np.asarray(force, dtype=np.float64), np.asarray(gyro, dtype=np.float64)
        i = int(np.searchsorted(tt, signed_from_s, side="left")) if tt.ndim == 1 else 0
        events = det.feed(tt[:i], f[:i], g[:i]) if i else []
        det.mark_signed()
        events += det.feed(tt[i:], f[i:], g[i:])
    events += det.finish()
    gone = {e.effort for e in events if isinstance(e, Retracted)}
    kept = [e.result for e in events if isinstance(e, Complete) and e.result.effort not in gone]
    return [replace(r, effort=i) if r.effort != i else r for i, r in enumerate(kept)]
