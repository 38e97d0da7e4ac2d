"""Hold/break accuracy of the nkt-dyno engine beside a plain threshold detector.

On a fresh seeded synthetic corpus (``nkt_dyno.engine.synthetic``), every
detector is run offline (the whole trace at once) and streaming (the trace fed
in random blocks of 1 sample to 60 ms, as BLE notifications and a display
timer deliver them). For each it prints verdict accuracy, the confusion
matrix, the errors of break time, onset time and peak force, the latency from
the true break to the arrival of the confirmed break event (the time of the
last sample of the block that produced it), and accuracy per case type.

Each synthetic trace holds one effort; the largest effort a detector reports
is matched to it, and a trace with no effort counts as wrong. With ``--gyro``
a second pass feeds the angular-rate channel too and scores break time
against the moment the limb starts to yield.

Run: ``python bench/accuracy.py [--n 600] [--seed 2024] [--gyro]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _threshold import ThresholdDetector, threshold_analyze

from nkt_dyno.engine.synthetic import CASES, SyntheticTrace, Truth, corpus

VERDICTS = ("hold", "break", "inconclusive", "none")


@dataclass(frozen=True)
class Kit:
    """How to run one detector: offline, streaming, and how to read its events."""

    name: str
    offline: Callable[[np.ndarray, np.ndarray, np.ndarray | None], list[dict]]
    stream: Callable[[], object]
    is_break: Callable[[object], bool]
    result_of: Callable[[object], dict | None]


@dataclass(frozen=True)
class Outcome:
    """One detector's answer on one trace."""

    truth: Truth
    found: dict | None
    n_efforts: int
    confirm_t: float | None = None


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0


def threshold_kit() -> Kit:
    return Kit(
        name="threshold",
        offline=lambda t, f, g: [r.to_dict() for r in threshold_analyze(t, f, g)],
        stream=ThresholdDetector,
        is_break=lambda ev: ev.kind == "break",
        result_of=lambda ev: ev.result.to_dict() if ev.kind == "complete" else None,
    )


def engine_kit() -> Kit | None:
    """The nkt-dyno engine, or ``None`` (with a note) if it cannot be imported yet."""
    try:
        from nkt_dyno.engine import Break, Complete, Detector, DetectorConfig, analyze
    except ImportError as exc:
        print(f"note: nkt-dyno engine not available ({exc}); threshold detector only\n")
        return None
    return Kit(
        name="nkt-dyno",
        offline=lambda t, f, g: [r.to_dict() for r in analyze(t, f, g)],
        stream=lambda: Detector(DetectorConfig()),
        is_break=lambda ev: isinstance(ev, Break),
        result_of=lambda ev: ev.result.to_dict() if isinstance(ev, Complete) else None,
    )


def largest(results: Sequence[dict]) -> dict | None:
    return max(results, key=lambda r: r.get("peak_n") or 0.0) if results else None


def run_offline(kit: Kit, traces: Sequence[SyntheticTrace]) -> Tally:
    tally = Tally()
    start = time.perf_counter()
    for tr in traces:
        res = kit.offline(tr.t, tr.force, tr.gyro)
        tally.outcomes.append(Outcome(tr.truth, largest(res), len(res)))
    tally.seconds = time.perf_counter() - start
    return tally


def blocks(n: int, rate_hz: float, rng: np.random.Generator) -> list[slice]:
    """Random block boundaries: 1 sample up to 60 ms of samples per block."""
    most = max(1, round(0.06 * rate_hz))
    sizes = rng.integers(1, most + 1, n)
    ends = np.minimum(np.cumsum(sizes), n)
    ends = ends[: int(np.searchsorted(ends, n)) + 1]
    return [slice(int(a), int(b)) for a, b in zip(np.r_[0, ends[:-1]], ends, strict=True)]


def run_streaming(kit: Kit, traces: Sequence[SyntheticTrace], seed: int) -> Tally:
    tally = Tally()
    rng = np.random.Generator(np.random.PCG64(seed))
    start = time.perf_counter()
    for tr in traces:
        det = kit.stream()
        results: list[dict] = []
        confirm: float | None = None
        g = tr.gyro
        for sl in blocks(tr.t.size, tr.truth.rate_hz, rng):
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


# --- report --------------------------------------------------------------------


def verdict_of(o: Outcome) -> str:
    return "none" if o.found is None else str(o.found.get("verdict"))


def true_break(truth: Truth, gyro: bool) -> float | None:
    return truth.yield_s if gyro else truth.break_s


def stats(values: Sequence[float]) -> str:
    if not values:
        return "     –        –     (n=0)"
    a = np.abs(np.asarray(values))
    return f"{np.median(a):7.1f}  {np.percentile(a, 90):7.1f}  (n={a.size})"


def accuracy(outs: Sequence[Outcome]) -> float:
    return 100.0 * sum(verdict_of(o) == o.truth.verdict for o in outs) / max(len(outs), 1)


def confusion(outs: Sequence[Outcome]) -> list[str]:
    lines = ["    truth \\ found " + "".join(f"{v:>13}" for v in VERDICTS)]
    for tv in ("hold", "break"):
        row = [sum(o.truth.verdict == tv and verdict_of(o) == v for o in outs) for v in VERDICTS]
        lines.append(f"    {tv:<15}" + "".join(f"{c:>13}" for c in row))
    return lines


def errors(outs: Sequence[Outcome], gyro: bool) -> list[str]:
    brk, onset, peak = [], [], []
    for o in outs:
        f, tr = o.found, o.truth
        if f is None:
            continue
        tb = true_break(tr, gyro)
        if tb is not None and f.get("break_s") is not None and verdict_of(o) == "break":
            brk.append(1000.0 * (f["break_s"] - tb))
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
    lat = [
        1000.0 * (o.confirm_t - tb)
        for o in outs
        if o.confirm_t is not None and (tb := true_break(o.truth, gyro)) is not None
    ]
    return f"    break confirmation latency (ms) {stats(lat)}"


def per_case(tallies: dict[str, tuple[Tally, Tally]], gyro: bool) -> list[str]:
    names = list(tallies)
    head = "    case           " + "".join(f"{n + ' off/str':>24}" for n in names)
    lines = [head + "   break err median (ms)"]
    for case in CASES:
        cells, errs = [], []
        for off, stream in tallies.values():
            a = [o for o in off.outcomes if o.truth.case == case]
            b = [o for o in stream.outcomes if o.truth.case == case]
            cells.append(f"{accuracy(a):10.1f} / {accuracy(b):5.1f} %")
            e = [
                abs(o.found["break_s"] - tb) * 1000.0
                for o in a
                if o.found is not None
                and verdict_of(o) == "break"
                and o.found.get("break_s") is not None
                and (tb := true_break(o.truth, gyro)) is not None
            ]
            errs.append(f"{np.median(e):6.0f}" if e else "     –")
        lines.append(f"    {case:<15}" + "".join(f"{c:>24}" for c in cells) + "  " + " ".join(errs))
    return lines


def report(kit: Kit, off: Tally, stream: Tally, gyro: bool, n_samples: int) -> list[str]:
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


def run(n: int, seed: int, gyro: bool, kits: Sequence[Kit]) -> None:
    traces = corpus(n, seed, gyro=gyro)
    n_samples = sum(tr.t.size for tr in traces)
    n_break = sum(tr.truth.verdict == "break" for tr in traces)
    chan = "force + gyro" if gyro else "force only"
    print(
        f"== {chan}: {n} traces (seed {seed}), {n_break} breaks, {n - n_break} holds, "
        f"{n_samples} samples, {len(CASES)} case types =="
    )
    tallies = {k.name: (run_offline(k, traces), run_streaming(k, traces, seed + 1)) for k in kits}
    for k in kits:
        print("\n".join(report(k, *tallies[k.name], gyro, n_samples)))
    print("  per case: verdict accuracy offline / streaming")
    print("\n".join(per_case(tallies, gyro)))
    print()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=600, help="traces in the corpus (default 600)")
    ap.add_argument("--seed", type=int, default=2024, help="corpus seed (default 2024)")
    ap.add_argument("--gyro", action="store_true", help="also run with the gyro channel")
    args = ap.parse_args(argv)
    if args.n < len(CASES):
        ap.error(f"--n must be at least {len(CASES)} (one trace per case type)")
    kits = [k for k in (engine_kit(), threshold_kit()) if k is not None]
    run(args.n, args.seed, False, kits)
    if args.gyro:
        run(args.n, args.seed, True, kits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
