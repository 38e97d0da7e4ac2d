"""Run detectors over recordings of efforts, match what they find to the truth, score it.

Matching: where effort times are known, each true effort takes the largest
found effort whose onset lies between 0.3 s before its onset and its end;
where only the count is known (real recordings), efforts pair in order.
A true effort with no match counts as a wrong verdict; a found effort with
no match is an extra effort (and a false break if it says ``break``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from _sources import Recording, TrueEffort

BLOCK_S = 0.06
"""Streaming blocks span up to this long (BLE notifications and a display timer)."""


class Stream(Protocol):
    def feed(self, t: np.ndarray, force: np.ndarray, gyro: np.ndarray | None, /) -> list[Any]: ...
    def finish(self) -> list[Any]: ...


@dataclass(frozen=True)
class Kit:
    """One detector: offline run, streaming object, and how to read its events."""

    name: str
    offline: Callable[[Recording, np.ndarray | None], list[dict]]
    stream: Callable[[Recording], Stream]
    is_break: Callable[[Any], bool]
    result_of: Callable[[Any], dict | None]
    retracted: Callable[[Any], int | None]


def engine_kit(config: Any = None) -> Kit:
    """The nkt-dyno engine through its public interface only."""
    from nkt_dyno.engine import Break, Complete, Detector, Retracted, analyze

    def offline(r: Recording, g: np.ndarray | None) -> list[dict]:
        res = analyze(r.t, r.force, g, config, test=r.test, gyro_signed=r.gyro_signed)
        return [x.to_dict() for x in res]

    return Kit(
        name="nkt-dyno",
        offline=offline,
        stream=lambda r: Detector(config, test=r.test, gyro_signed=r.gyro_signed),
        is_break=lambda ev: isinstance(ev, Break),
        result_of=lambda ev: ev.result.to_dict() if isinstance(ev, Complete) else None,
        retracted=lambda ev: ev.effort if isinstance(ev, Retracted) else None,
    )


def threshold_kit() -> Kit:
    """The plain threshold baseline (no notion of make tests or motion sign)."""
    from _threshold import ThresholdDetector, threshold_analyze

    return Kit(
        name="threshold",
        offline=lambda r, g: [x.to_dict() for x in threshold_analyze(r.t, r.force, g)],
        stream=lambda r: ThresholdDetector(),
        is_break=lambda ev: ev.kind == "break",
        result_of=lambda ev: ev.result.to_dict() if ev.kind == "complete" else None,
        retracted=lambda ev: None,
    )


@dataclass
class Score:
    """Tallies of one detector, one mode, one source."""

    efforts: int = 0
    right: int = 0
    false_breaks: int = 0
    recordings: int = 0
    count_wrong: int = 0
    extra: int = 0
    missed: int = 0
    onset_ms: list[float] = field(default_factory=list)
    break_ms: list[float] = field(default_factory=list)
    peak_pct: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    inconclusive: int = 0
    calib: list[tuple[float, bool, str]] = field(default_factory=list)
    """(confidence, right, rule) of every matched effort."""
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    samples: int = 0

    @property
    def accuracy(self) -> float:
        return 100.0 * self.right / max(self.efforts, 1)


def _match(rec: Recording, found: list[dict]) -> list[dict | None]:
    """The found effort matched to each true effort (see the module docstring)."""
    if not rec.timed:
        return [found[i] if i < len(found) else None for i in range(len(rec.efforts))]
    used: set[int] = set()
    out: list[dict | None] = []
    for e in rec.efforts:
        lo, hi = (e.onset_s or 0.0) - 0.3, e.end_s if e.end_s is not None else np.inf
        cands = [
            i
            for i, r in enumerate(found)
            if i not in used and r.get("onset_s") is not None and lo <= r["onset_s"] <= hi
        ]
        if not cands:
            out.append(None)
            continue
        best = max(cands, key=lambda i: found[i].get("peak_n") or 0.0)
        used.add(best)
        out.append(found[best])
    return out


def _rest_peak(rec: Recording, r: dict, nxt: float) -> float | None:
    """Real recordings: the maximum above the rest before the effort (None if no rest seen)."""
    on = r.get("onset_s")
    if on is None:
        return None
    before = (rec.t >= on - 1.0) & (rec.t < on - 0.1)
    if before.sum() < 3:
        return None
    inside = (rec.t >= on) & (rec.t < nxt)
    if not inside.any():
        return None
    return float(rec.force[inside].max() - np.median(rec.force[before]))


def tally(
    score: Score,
    rec: Recording,
    found: list[dict],
    gyro: bool,
    confirms: list[float] | None = None,
) -> None:
    """Add one recording's outcome to ``score``."""
    score.recordings += 1
    score.samples += rec.t.size
    matched = _match(rec, found)
    score.count_wrong += len(found) != len(rec.efforts)
    score.extra += max(0, len(found) - sum(m is not None for m in matched))
    score.missed += sum(m is None for m in matched)
    ids = {id(m) for m in matched if m is not None}
    score.false_breaks += sum(r.get("verdict") == "break" for r in found if id(r) not in ids)
    for i, (e, m) in enumerate(zip(rec.efforts, matched, strict=True)):
        score.efforts += 1
        v = "none" if m is None else str(m.get("verdict"))
        ok = v in e.accepted(gyro and rec.gyro is not None)
        score.right += ok
        score.inconclusive += v == "inconclusive"
        if v == "break" and e.verdict == "hold":
            score.false_breaks += 1
        if not ok:
            late = " (late)" if e.late else ""
            score.failures.append(f"{rec.source} {rec.name} effort {i}: {e.verdict}{late} -> {v}")
        if m is None:
            continue
        score.calib.append((float(m.get("confidence") or 0.0), ok, rule_of(m)))
        _figures(score, rec, e, m, found, gyro)
        # With motion asked for, latency is the motion's: recordings that
        # have no motion channel are left out of it.
        timed = not gyro or rec.gyro is not None
        if confirms is not None and e.verdict == "break" and v == "break" and timed:
            tb = e.yield_s if gyro and e.yield_s is not None else e.break_s
            after = [c for c in confirms if tb is not None and c >= tb - 0.3]
            if tb is not None and after and (e.end_s is None or after[0] <= e.end_s):
                score.latency_ms.append(1000.0 * (after[0] - tb))


def _figures(
    score: Score, rec: Recording, e: TrueEffort, m: dict, found: list[dict], gyro: bool
) -> None:
    """Onset, break and peak errors where the truth has them."""
    if e.onset_s is not None and m.get("onset_s") is not None:
        score.onset_ms.append(1000.0 * (m["onset_s"] - e.onset_s))
    # A recording without a motion channel is timed against the force's break
    # even in a run with motion asked for.
    motion = gyro and rec.gyro is not None
    tb = e.yield_s if motion and e.yield_s is not None else e.break_s
    if tb is not None and m.get("break_s") is not None:
        score.break_ms.append(1000.0 * (m["break_s"] - tb))
    peak = e.peak_n
    if peak is None and not rec.timed:
        later = [r["onset_s"] for r in found if (r.get("onset_s") or 0) > (m.get("onset_s") or 0)]
        peak = _rest_peak(rec, m, min(later) if later else np.inf)
    if peak and m.get("peak_n") is not None:
        score.peak_pct.append(100.0 * (m["peak_n"] - peak) / peak)


def blocks(rec: Recording, rng: np.random.Generator) -> list[slice]:
    """Random blocks of one sample to ``BLOCK_S``, as a live stream delivers them."""
    cuts, i, n = [], 0, rec.t.size
    while i < n:
        span = rng.uniform(0.0, BLOCK_S)
        j = int(np.searchsorted(rec.t, rec.t[i] + span, side="right"))
        i = max(j, i + 1)
        cuts.append(min(i, n))
    starts = [0, *cuts[:-1]]
    return [slice(a, b) for a, b in zip(starts, cuts, strict=True)]


def decision_blocks(rec: Recording, gyro: bool) -> list[slice]:
    """One sample per block from 0.3 s before each true break to 1 s after, 1 s elsewhere.

    The block that produces a break event then ends at the sample whose
    arrival decided it: the engine's own confirmation time, without the wait
    for the rest of a block that a live stream adds (up to ``BLOCK_S``).
    """
    n = rec.t.size
    fine = np.zeros(n, dtype=bool)
    for e in rec.efforts:
        tb = e.yield_s if gyro and rec.gyro is not None and e.yield_s is not None else e.break_s
        if tb is not None:
            fine |= (rec.t >= tb - 0.3) & (rec.t <= tb + 1.0)
    cuts, i = [], 0
    while i < n:
        if fine[i]:
            i += 1
        else:
            j = int(np.searchsorted(rec.t, rec.t[i] + 1.0, side="right"))
            k = i + int(np.argmax(fine[i:j])) if fine[i:j].any() else j
            i = max(min(j, k), i + 1)
        cuts.append(i)
    return [slice(a, b) for a, b in zip([0, *cuts[:-1]], cuts, strict=True)]


def run_offline(kit: Kit, recs: Sequence[Recording], gyro: bool) -> Score:
    score = Score()
    start = time.perf_counter()
    for rec in recs:
        g = rec.gyro if gyro else None
        tally(score, rec, kit.offline(rec, g), gyro)
    score.seconds = time.perf_counter() - start
    return score


def run_streaming(
    kit: Kit,
    recs: Sequence[Recording],
    gyro: bool,
    seed: int,
    cut: Callable[[Recording, np.random.Generator], list[slice]] | None = None,
) -> Score:
    """Feed each recording in blocks (random ones as a live stream delivers, or ``cut``'s)."""
    cut = cut or blocks
    score = Score()
    rng = np.random.Generator(np.random.PCG64(seed))
    start = time.perf_counter()
    for rec in recs:
        det = kit.stream(rec)
        g = rec.gyro if gyro else None
        results: list[dict] = []
        confirms: list[float] = []
        gone: set[int] = set()
        fed = [
            (
                det.feed(rec.t[sl], rec.force[sl], None if g is None else g[sl]),
                float(rec.t[sl.stop - 1]),
            )
            for sl in cut(rec, rng)
        ]
        fed.append((det.finish(), float(rec.t[-1])))
        for evs, at in fed:
            for ev in evs:
                if kit.is_break(ev):
                    confirms.append(at)
                if (r := kit.result_of(ev)) is not None:
                    results.append(r)
                if (k := kit.retracted(ev)) is not None:
                    gone.add(k)
        kept = [r for r in results if r.get("effort") not in gone]
        tally(score, rec, kept, gyro, confirms)
    score.seconds = time.perf_counter() - start
    return score


def rule_of(r: dict) -> str:
    """Which rule of the engine made a call, read from its verdict, flags and first reason."""
    first = (r.get("reasons") or [""])[0]
    flags = r.get("flags") or []
    if r.get("verdict") == "break":
        if r.get("break_source") == "gyro":
            return "gyro"
        return "stopped" if first.startswith("the force turned down") else "fall"
    if "possible_late_yield" in flags:
        return "late"
    if r.get("verdict") == "hold":
        return "end" if first.startswith("held without") else "release"
    return "short" if "too_short" in flags else "cut"


def rule_accuracy(
    calib: Sequence[tuple[float, bool, str]], prior: float = 0.0
) -> dict[str, tuple[float, int]]:
    """Share of right calls and count per rule.

    With ``prior`` > 0 each share is shrunk toward the share over all rules
    as if ``prior`` more calls had been made at that share: a rule seen twice
    says little on its own.
    """
    out: dict[str, list[int]] = {}
    for _, ok, rule in calib:
        n = out.setdefault(rule, [0, 0])
        n[0] += ok
        n[1] += 1
    overall = sum(ok for _, ok, _ in calib) / max(len(calib), 1)
    return {k: ((a + prior * overall) / (n + prior), n) for k, (a, n) in out.items()}


def ece(calib: Sequence[tuple[float, bool, str]], bins: int = 10) -> tuple[float, list[str]]:
    """Expected calibration error (%) and the reliability table rows."""
    if not calib:
        return 0.0, []
    c = np.array([x for x, _, _ in calib])
    ok = np.array([y for _, y, _ in calib], dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(c, edges) - 1, 0, bins - 1)
    total, rows = 0.0, []
    for b in range(bins):
        sel = idx == b
        if not sel.any():
            continue
        gap = abs(c[sel].mean() - ok[sel].mean())
        total += sel.sum() * gap
        rows.append(
            f"    {edges[b]:.1f}–{edges[b + 1]:.1f}: n={int(sel.sum()):5d}  "
            f"mean confidence {c[sel].mean():.2f}  observed {ok[sel].mean():.2f}"
        )
    return 100.0 * total / c.size, rows


def stats(values: Sequence[float]) -> str:
    """Median and p90 of |error|."""
    if not values:
        return "   –       –   (n=0)"
    a = np.abs(np.asarray(values))
    return f"{np.median(a):6.1f}  {np.percentile(a, 90):6.1f}  (n={a.size})"
