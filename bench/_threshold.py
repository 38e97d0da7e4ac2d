"""A plain threshold hold/break detector: the baseline nkt-dyno is measured against.

This is the rule handheld-dynamometer software and spreadsheets typically
apply, written carefully so the comparison is fair:

* tare: the baseline is the median of the first 0.25 s;
* a 3-sample running median removes one-sample spikes;
* an effort starts when the force exceeds the baseline by 5 N and ends when it
  falls below 10 % of its peak (or 2.5 N); the next one can start once the
  force is back below 2.5 N;
* break: after the peak reached 10 N, the force falls 10 % below the running
  peak and stays above half the peak for 0.3 s (contact remains). Falling below
  half the peak sooner is taken as the release, recovering above 90 % cancels;
* ``break_s`` is the time of the running peak when the fall began;
* onset: the last crossing, before the peak, of max(2 N, 5 % of the peak).

It is causal and sample-by-sample, so block size does not change its answer.
Its known blind spots are the reason the engine exists: a slow release or an
examiner easing off by more than 10 % while pressing on reads as a break, and
a break released within 0.3 s reads as a hold. The baseline is never
re-estimated, so drift shifts every figure.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ThresholdConfig:
    """Rule constants (units in the names); see the module docstring."""

    tare_s: float = 0.25
    trigger_n: float = 5.0
    min_peak_n: float = 10.0
    drop_frac: float = 0.10
    contact_frac: float = 0.5
    contact_s: float = 0.3
    end_frac: float = 0.10
    onset_frac: float = 0.05
    onset_min_n: float = 2.0
    history_s: float = 2.0


@dataclass(frozen=True)
class ThresholdResult:
    """One effort's figures, with the keys of the engine's result dictionary."""

    verdict: str
    onset_s: float
    peak_n: float
    peak_s: float
    break_s: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "onset_s": self.onset_s,
            "peak_n": self.peak_n,
            "peak_s": self.peak_s,
            "break_s": self.break_s,
        }


@dataclass(frozen=True)
class ThresholdEvent:
    """``kind`` is "onset", "break" or "complete"; ``t`` the sample time that decided it."""

    kind: str
    t: float
    result: ThresholdResult | None = None


@dataclass
class _Effort:
    start_t: float
    samples: list[tuple[float, float]] = field(default_factory=list)
    peak: float = 0.0
    peak_t: float = 0.0
    cand_t: float | None = None
    cand_peak_t: float = 0.0
    break_s: float | None = None
    released: bool = False


class ThresholdDetector:
    """Streaming threshold detector with the engine's ``feed``/``finish`` shape."""

    def __init__(self, config: ThresholdConfig | None = None) -> None:
        self.cfg = config or ThresholdConfig()
        self._tare: list[float] = []
        self._tare_t0: float | None = None
        self._base: float | None = None
        self._raw: deque[tuple[float, float]] = deque(maxlen=3)
        self._recent: deque[tuple[float, float]] = deque()
        self._effort: _Effort | None = None
        self._armed = True

    def feed(self, t: np.ndarray, force: np.ndarray, gyro: np.ndarray | None = None) -> list:
        """Process a block; ``gyro`` is accepted and ignored (force only)."""
        events: list[ThresholdEvent] = []
        for ti, fi in zip(
            np.asarray(t, float).tolist(), np.asarray(force, float).tolist(), strict=True
        ):
            self._raw.append((ti, fi))
            if len(self._raw) == 3:
                mid_t = self._raw[1][0]
                self._step(mid_t, sorted(v for _, v in self._raw)[1], events)
        return events

    def finish(self) -> list:
        """End of data: close an open effort."""
        events: list[ThresholdEvent] = []
        if self._effort is not None:
            self._complete(self._recent[-1][0] if self._recent else 0.0, events)
        return events

    def _step(self, t: float, f: float, events: list[ThresholdEvent]) -> None:
        cfg = self.cfg
        if self._base is None:
            self._tare_t0 = t if self._tare_t0 is None else self._tare_t0
            self._tare.append(f)
            if t - self._tare_t0 >= cfg.tare_s:
                self._base = float(np.median(self._tare))
            return
        x = f - self._base
        self._recent.append((t, x))
        while self._recent and t - self._recent[0][0] > cfg.history_s:
            self._recent.popleft()
        e = self._effort
        if e is None:
            self._armed = self._armed or x < cfg.trigger_n / 2
            if self._armed and x > cfg.trigger_n:
                self._effort = _Effort(start_t=t, samples=list(self._recent))
                events.append(ThresholdEvent("onset", t))
            return
        e.samples.append((t, x))
        if x > e.peak:
            e.peak, e.peak_t = x, t
        if e.break_s is None and not e.released:
            self._watch_break(e, t, x, events)
        if x < max(cfg.end_frac * e.peak, cfg.trigger_n / 2):
            self._complete(t, events)

    def _watch_break(self, e: _Effort, t: float, x: float, events: list[ThresholdEvent]) -> None:
        cfg = self.cfg
        if e.peak < cfg.min_peak_n:
            return
        if x < cfg.contact_frac * e.peak:
            e.released, e.cand_t = True, None
        elif x >= (1 - cfg.drop_frac) * e.peak:
            e.cand_t = None
        elif e.cand_t is None:
            e.cand_t, e.cand_peak_t = t, e.peak_t
        elif t - e.cand_t >= cfg.contact_s:
            e.break_s = e.cand_peak_t
            events.append(ThresholdEvent("break", t))

    def _complete(self, t: float, events: list[ThresholdEvent]) -> None:
        e = self._effort
        assert e is not None
        if e.break_s is None and e.cand_t is not None and not e.released:
            e.break_s = e.cand_peak_t
        thr = max(self.cfg.onset_min_n, self.cfg.onset_frac * e.peak)
        onset = e.start_t
        for ts, xs in reversed(e.samples):
            if ts <= e.peak_t and xs <= thr:
                break
            if ts <= e.peak_t:
                onset = ts
        verdict = "hold" if e.break_s is None else "break"
        res = ThresholdResult(verdict, onset, e.peak, e.peak_t, e.break_s)
        events.append(ThresholdEvent("complete", t, res))
        self._effort = None
        self._armed = False


def threshold_analyze(
    t: np.ndarray, force: np.ndarray, gyro: np.ndarray | None = None
) -> list[ThresholdResult]:
    """Offline: the streaming detector over the whole array; one result per effort."""
    det = ThresholdDetector()
    events = det.feed(t, force, gyro) + det.finish()
    return [ev.result for ev in events if ev.kind == "complete" and ev.result is not None]
