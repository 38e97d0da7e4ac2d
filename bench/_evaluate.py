"""Run hold/break detectors over a labelled corpus and print the accuracy report.

Shared by ``bench/accuracy.py`` (the engine's synthetic corpus) and
``bench/holdout.py`` (the mechanical hold-out corpus) so that both score and
print in exactly the same way; each script keeps only its corpus, its block
delivery and its own extra sections.

Each trace holds one effort; the largest effort a detector reports is matched
to it, and a trace with no effort counts as wrong. With the gyro channel,
break time is scored against the moment the limb starts to yield.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import numpy as np
from _threshold import ThresholdDetector, threshold_analyze

VERDICTS = ("hold", "break", "inconclusive", "none")


class TruthLike(Protocol):
    """The labels scoring reads; both corpora's ``Truth`` provide them."""

    @property
    def verdict(self) -> str: ...
    @property
    def onset_s(self) -> float: ...
    @property
    def peak_n(self) -> float: ...
    @property
    def break_s(self) -> float | None: ...
    @property
    def yield_s(self) -> float | None: ...


class TraceLike(Protocol):
    """The samples and labels a detector run needs from one trace."""

    @property
    def t(self) -> np.ndarray: ...
    @property
    def force(self) -> np.ndarray: ...
    @property
    def gyro(self) -> np.ndarray | None: ...
    @property
    def truth(self) -> TruthLike: ...


class Stream(Protocol):
    """A streaming detector as both kits build one: blocks in, events out."""

    def feed(
        self, t: np.ndarray, force: np.ndarray, gyro: np.ndarray | None, /
    ) -> Sequence[Any]: ...
    def finish(self) -> Sequence[Any]: ...


TraceT = TypeVar("TraceT", bound=TraceLike)
Split = Callable[[TraceT, np.random.Generator], list[slice]]


@dataclass(frozen=True)
class Kit:
    """How to run one detector: offline, streaming, and how to read its events."""

    name: str
    offline: Callable[[np.ndarray, np.ndarray, np.ndarray | None], list[dict]]
    stream: Callable[[], Stream]
    is_break: Callable[[Any], bool]
    result_of: Callable[[Any], dict | None]


@dataclass(frozen=True)
class Outcome:
    """One detector's answer on one trace."""

    truth: TruthLike
    found: dict | None
    n_efforts: int
    confirm_t: float | None = None


@dataclass
class Tally:
    """Outcomes in corpus order, so per-trace groupings can be zipped onto them."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0


Tallies = dict[str, tuple[Tally, Tally]]


def threshold_kit() -> Kit:
    """The plain threshold baseline the engine is measured against."""
    return Kit(
        name="threshold",
        offline=lambda t, f, g: [r.to_dict() for r in threshold_analyze(t, f, g)],
        stream=ThresholdDetector,
        is_break=lambda ev: ev.kind == "break",
        result_of=lambda ev: ev.result.to_dict() if ev.kind == "complete" else None,
    )


def engine_kit() -> Kit:
    """The nkt-dyno engine through its public interface only (raises ``ImportError``)."""
    from nkt_dyno.engine import Break, Complete, Detector, analyze

    return Kit(
        name="nkt-dyno",
        offline=lambda t, f, g: [r.to_dict() for r in analyze(t, f, g)],
        stream=Detector,
        is_break=lambda ev: isinstance(ev, Break),
        result_of=lambda ev: ev.result.to_dict() if isinstance(ev, Complete) else None,
    )


def largest(results: Sequence[dict]) -> dict | None:
    """The effort matched to the trace's one true effort."""
    return max(results, key=lambda r: r.get("peak_n") or 0.0) if results else None


def run_offline(kit: Kit, traces: Sequence[TraceLike], gyro: bool) -> Tally:
    """Each trace analysed whole, timed as a batch."""
    tally = Tally()
    start = time.perf_counter()
    for tr in traces:
        res = kit.offline(tr.t, tr.force, tr.gyro if gyro else None)
        tally.outcomes.append(Outcome(tr.truth, largest(res), len(res)))
    tally.seconds = time.perf_counter() - start
    return tally


def run_streaming(
    kit: Kit, traces: Sequence[TraceT], gyro: bool, seed: int, split: Split[TraceT]
) -> Tally:
    """Each trace fed in the blocks ``split`` draws, noting when the break event arrives."""
    tally = Tally()
    rng = np.random.Generator(np.random.PCG64(seed))
    start = time.perf_counter()
    for tr in traces:
        det = kit.stream()
        results: list[dict] = []
        confirm: float | None = None
        g = tr.gyro if gyro else None
        for sl in split(tr, rng):
            evs = det.feed(tr.t[sl], tr.force[sl], None if g is None else g[sl])
            for ev in evs:
                if confirm is None and kit.is_break(ev):
                    confirm = float(tr.t[sl.stop - 1])
                if (r := kit.result_of(ev)) is not None:
                    results.append(r)
        results += [r for ev in det.finish() if (r := kit.result_of(ev)) is not None]
        tally.outcomes.append(Outcome(tr.truth, largest(results), len(results), confirm))
    tally.seconds = time.perf_counter() - start
    return tally


def evaluate(
    kits: Sequence[Kit], traces: Sequence[TraceT], gyro: bool, seed: int, split: Split[TraceT]
) -> Tallies:
    """Offline and streaming tallies per detector; streaming blocks drawn from ``seed + 1``."""
    return {
        k.name: (run_offline(k, traces, gyro), run_streaming(k, traces, gyro, seed + 1, split))
        for k in kits
    }


# --- report --------------------------------------------------------------------


def verdict_of(o: Outcome) -> str:
    """The verdict found, with a missed effort reported as ``none``."""
    return "none" if o.found is None else str(o.found.get("verdict"))


def true_break(truth: TruthLike, gyro: bool) -> float | None:
    """With gyro the break is scored against the yield, which force alone cannot see."""
    return truth.yield_s if gyro else truth.break_s


def stats(values: Sequence[float]) -> str:
    """Median and p90 of |error|, the two figures every error line shows."""
    if not values:
        return "     –        –     (n=0)"
    a = np.abs(np.asarray(values))
    return f"{np.median(a):7.1f}  {np.percentile(a, 90):7.1f}  (n={a.size})"


def accuracy(outs: Sequence[Outcome]) -> float:
    """Share of right verdicts (%), 0 for an empty group."""
    return 100.0 * sum(verdict_of(o) == o.truth.verdict for o in outs) / max(len(outs), 1)


def confusion(outs: Sequence[Outcome]) -> list[str]:
    """Truth rows against found columns, to tell false breaks from missed ones."""
    lines = ["    truth \\ found " + "".join(f"{v:>13}" for v in VERDICTS)]
    for tv in ("hold", "break"):
        row = [sum(o.truth.verdict == tv and verdict_of(o) == v for o in outs) for v in VERDICTS]
        lines.append(f"    {tv:<15}" + "".join(f"{c:>13}" for c in row))
    return lines


def break_error_ms(o: Outcome, gyro: bool) -> float | None:
    """Found minus true break (ms), only where both agree it is a break."""
    tb = true_break(o.truth, gyro)
    if o.found is None or tb is None or verdict_of(o) != "break":
        return None
    fb = o.found.get("break_s")
    return None if fb is None else 1000.0 * (fb - tb)


def errors(outs: Sequence[Outcome], gyro: bool) -> list[str]:
    """Break time, onset and peak errors of the efforts found."""
    brk, onset, peak = [], [], []
    for o in outs:
        f, tr = o.found, o.truth
        if f is None:
            continue
        if (e := break_error_ms(o, gyro)) is not None:
            brk.append(e)
        if f.get("onset_s") is not None:
            onset.append(1000.0 * (f["onset_s"] - tr.onset_s))
        if f.get("peak_n") is not None:
            peak.append(100.0 * (f["peak_n"] - tr.peak_n) / tr.peak_n)
    return [
        "                         |median|      p90",
        f"    break time (ms)   {stats(brk)}",
        f"    onset time (ms)   {stats(onset)}",
        f"    peak force (%)    {stats(peak)}",
    ]


def latency(outs: Sequence[Outcome], gyro: bool) -> str:
    """How long after the true break a live display learns of it."""
    lat = [
        1000.0 * (o.confirm_t - tb)
        for o in outs
        if o.confirm_t is not None
        and o.truth.verdict == "break"
        and (tb := true_break(o.truth, gyro)) is not None
    ]
    return f"    break confirmation latency (ms) {stats(lat)}"


def per_group(
    tallies: Tallies,
    gyro: bool,
    label: str,
    groups: Sequence[str],
    keys: Sequence[str],
    *,
    width: int = 24,
    counts: bool = True,
) -> list[str]:
    """Accuracy and break error per group; ``keys`` names each trace's group, in corpus order."""
    head = f"    {label:<{width}}" + "".join(f"{n + ' off/str':>24}" for n in tallies)
    lines = [head + ("   n" if counts else "") + "   break err median (ms)"]
    for g in groups:
        cells, errs, count = [], [], 0
        for off, stream in tallies.values():
            a = [o for k, o in zip(keys, off.outcomes, strict=True) if k == g]
            b = [o for k, o in zip(keys, stream.outcomes, strict=True) if k == g]
            count = len(a)
            cells.append(f"{accuracy(a):10.1f} / {accuracy(b):5.1f} %")
            e = [abs(x) for o in a if (x := break_error_ms(o, gyro)) is not None]
            errs.append(f"{np.median(e):6.0f}" if e else "     –")
        mid = f"{count:5d} " if counts else "  "
        lines.append(
            f"    {g:<{width}}" + "".join(f"{c:>24}" for c in cells) + mid + " ".join(errs)
        )
    return lines


def report(kit: Kit, off: Tally, stream: Tally, gyro: bool, n_samples: int) -> list[str]:
    """One detector's block: accuracy, confusion, errors, latency and speed."""
    extra = sum(o.n_efforts > 1 for o in off.outcomes)
    return [
        f"  {kit.name}",
        f"    verdict accuracy: offline {accuracy(off.outcomes):.1f} %, "
        f"streaming {accuracy(stream.outcomes):.1f} %   "
        f"(traces with more than one effort reported: {extra})",
        "    confusion (offline):",
        *confusion(off.outcomes),
        "    errors (offline, found - true):",
        *errors(off.outcomes, gyro),
        latency(stream.outcomes, gyro),
        f"    time: offline {off.seconds:.2f} s ({n_samples / off.seconds / 1e3:.0f} k samples/s),"
        f" streaming {stream.seconds:.2f} s",
        "",
    ]


def print_reports(kits: Sequence[Kit], tallies: Tallies, gyro: bool, n_samples: int) -> None:
    """Every detector's block, in the order the kits were given."""
    for k in kits:
        print("\n".join(report(k, *tallies[k.name], gyro, n_samples)))
