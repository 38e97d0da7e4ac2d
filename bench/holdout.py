"""Hold-out accuracy: the engine on mechanically simulated traces it was never tuned to.

The corpus comes from ``bench/_mechanical.py`` (a limb, a pad, an examiner's
hand and a patient's muscle simulated as bodies and controllers), not from the
engine's own synthetic corpus, so the figures measure generalisation. Every
detector is run offline (the whole trace) and streaming (fed as BLE delivers
it: one to three notifications per block). Printed, as in
``bench/accuracy.py``: verdict accuracy, confusion matrix, errors of break
time, onset and peak (median and p90 of |found - true|), the latency from
the true break to the arrival of the block that produced the break event, and
accuracy per scenario and per delivery profile; then the failing traces, each
with what would regenerate it (``--seed`` and its index).

Each trace holds one effort; the largest effort a detector reports is matched
to it; a trace with no effort counts as wrong. With ``--gyro`` a second pass
feeds the device's angular rate and scores break time against the moment the
limb starts to yield.

Run: ``python bench/holdout.py [--n 400] [--seed 7919] [--gyro] [--show 25]``
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

from _mechanical import CASES, PROFILES, MechTrace, Truth, holdout_corpus
from _threshold import ThresholdDetector, threshold_analyze

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

    trace: MechTrace
    found: dict | None
    n_efforts: int
    confirm_t: float | None = None

    @property
    def truth(self) -> Truth:
        return self.trace.truth


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0


def engine_kit() -> Kit:
    """The nkt-dyno engine through its public interface only."""
    from nkt_dyno.engine import Break, Complete, Detector, analyze

    return Kit(
        name="nkt-dyno",
        offline=lambda t, f, g: [r.to_dict() for r in analyze(t, f, g)],
        stream=Detector,
        is_break=lambda ev: isinstance(ev, Break),
        result_of=lambda ev: ev.result.to_dict() if isinstance(ev, Complete) else None,
    )


def threshold_kit() -> Kit:
    return Kit(
        name="threshold",
        offline=lambda t, f, g: [r.to_dict() for r in threshold_analyze(t, f, g)],
        stream=ThresholdDetector,
        is_break=lambda ev: ev.kind == "break",
        result_of=lambda ev: ev.result.to_dict() if ev.kind == "complete" else None,
    )


def largest(results: Sequence[dict]) -> dict | None:
    return max(results, key=lambda r: r.get("peak_n") or 0.0) if results else None


def run_offline(kit: Kit, traces: Sequence[MechTrace], gyro: bool) -> Tally:
    tally = Tally()
    start = time.perf_counter()
    for tr in traces:
        res = kit.offline(tr.t, tr.force, tr.gyro if gyro else None)
        tally.outcomes.append(Outcome(tr, largest(res), len(res)))
    tally.seconds = time.perf_counter() - start
    return tally


def delivery_blocks(tr: MechTrace, rng: np.random.Generator) -> list[slice]:
    """Blocks as a host reads them: one to three queued notifications at a time."""
    ends = tr.notif_ends
    cuts: list[int] = []
    i = 0
    while i < ends.size:
        i = min(i + int(rng.integers(1, 4)), ends.size)
        cuts.append(int(ends[i - 1]))
    starts = [0, *cuts[:-1]]
    return [slice(a, b) for a, b in zip(starts, cuts, strict=True) if b > a]


def run_streaming(kit: Kit, traces: Sequence[MechTrace], gyro: bool, seed: int) -> Tally:
    tally = Tally()
    rng = np.random.Generator(np.random.PCG64(seed))
    start = time.perf_counter()
    for tr in traces:
        det = kit.stream()
        results: list[dict] = []
        confirm: float | None = None
        for sl in delivery_blocks(tr, rng):
            evs = det.feed(tr.t[sl], tr.force[sl], tr.gyro[sl] if gyro else None)
            for ev in evs:
                if confirm is None and kit.is_break(ev):
                    confirm = float(tr.t[sl.stop - 1])
                if (r := kit.result_of(ev)) is not None:
                    results.append(r)
        results += [r for ev in det.finish() if (r := kit.result_of(ev)) is not None]
        tally.outcomes.append(Outcome(tr, largest(results), len(results), confirm))
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


def break_error_ms(o: Outcome, gyro: bool) -> float | None:
    tb = true_break(o.truth, gyro)
    if o.found is None or tb is None or verdict_of(o) != "break":
        return None
    fb = o.found.get("break_s")
    return None if fb is None else 1000.0 * (fb - tb)


def errors(outs: Sequence[Outcome], gyro: bool) -> list[str]:
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
    lat = [
        1000.0 * (o.confirm_t - tb)
        for o in outs
        if o.confirm_t is not None
        and o.truth.verdict == "break"
        and (tb := true_break(o.truth, gyro)) is not None
    ]
    return f"    break confirmation latency (ms) {stats(lat)}"


def per_group(
    tallies: dict[str, tuple[Tally, Tally]],
    gyro: bool,
    label: str,
    groups: Sequence[str],
    key: Callable[[Truth], str],
) -> list[str]:
    head = f"    {label:<24}" + "".join(f"{n + ' off/str':>24}" for n in tallies)
    lines = [head + "   n   break err median (ms)"]
    for g in groups:
        cells, errs, count = [], [], 0
        for off, stream in tallies.values():
            a = [o for o in off.outcomes if key(o.truth) == g]
            b = [o for o in stream.outcomes if key(o.truth) == g]
            count = len(a)
            cells.append(f"{accuracy(a):10.1f} / {accuracy(b):5.1f} %")
            e = [abs(x) for o in a if (x := break_error_ms(o, gyro)) is not None]
            errs.append(f"{np.median(e):6.0f}" if e else "     –")
        lines.append(
            f"    {g:<24}" + "".join(f"{c:>24}" for c in cells) + f"{count:5d} " + " ".join(errs)
        )
    return lines


def failures(kit: Kit, off: Tally, stream: Tally, seed: int, gyro: bool, show: int) -> list[str]:
    """The traces a detector got wrong, with what would regenerate each."""
    lines = []
    for a, b in zip(off.outcomes, stream.outcomes, strict=True):
        if verdict_of(a) == a.truth.verdict and verdict_of(b) == b.truth.verdict:
            continue
        tr, f = a.truth, a.found or {}
        tb = true_break(tr, gyro)

        def fmt(v: object) -> str:
            return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

        lines.append(
            f"    seed {seed} #{a.trace.index:<4} {tr.case:<23} {tr.profile:<12}"
            f" off={verdict_of(a):<12} str={verdict_of(b):<12}"
            f" peak {tr.peak_n:5.0f} N drop {fmt(tr.drop_pct)} %"
            f" true break {fmt(tb)} found {fmt(f.get('break_s'))}"
            f" reasons {','.join(f.get('reasons') or ()) or '–'}"
        )
    head = f"  {kit.name}: {len(lines)} traces wrong offline or streaming"
    return [head, *lines[:show], *(["    ..."] if len(lines) > show else [])]


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


def run(traces: Sequence[MechTrace], seed: int, gyro: bool, kits: Sequence[Kit], show: int) -> None:
    n = len(traces)
    n_samples = sum(tr.t.size for tr in traces)
    n_break = sum(tr.truth.verdict == "break" for tr in traces)
    redrawn = sum(tr.truth.attempts > 1 for tr in traces)
    chan = "force + gyro" if gyro else "force only"
    print(
        f"== hold-out, {chan}: {n} traces (seed {seed}), {n_break} breaks, {n - n_break} holds, "
        f"{n_samples} samples, {len(CASES)} scenarios, {redrawn} redrawn for label consistency =="
    )
    tallies = {
        k.name: (run_offline(k, traces, gyro), run_streaming(k, traces, gyro, seed + 1))
        for k in kits
    }
    for k in kits:
        print("\n".join(report(k, *tallies[k.name], gyro, n_samples)))
    print("  per scenario: verdict accuracy offline / streaming")
    print("\n".join(per_group(tallies, gyro, "scenario", CASES, lambda t: t.case)))
    print("  per delivery profile")
    print("\n".join(per_group(tallies, gyro, "profile", PROFILES, lambda t: t.profile)))
    print()
    for k in kits[:1]:
        print("\n".join(failures(k, *tallies[k.name], seed, gyro, show)))
    print()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400, help="traces (default 400)")
    ap.add_argument("--seed", type=int, default=7919, help="corpus seed (default 7919)")
    ap.add_argument("--gyro", action="store_true", help="also run with the gyro channel")
    ap.add_argument("--show", type=int, default=25, help="failing traces to list (default 25)")
    args = ap.parse_args(argv)
    if args.n < len(CASES):
        ap.error(f"--n must be at least {len(CASES)} (one trace per scenario)")
    start = time.perf_counter()
    traces = holdout_corpus(args.n, args.seed)
    print(f"(corpus generated in {time.perf_counter() - start:.1f} s)\n")
    kits = [engine_kit(), threshold_kit()]
    run(traces, args.seed, False, kits, args.show)
    if args.gyro:
        run(traces, args.seed, True, kits, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
