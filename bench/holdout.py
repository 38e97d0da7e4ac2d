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
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _evaluate import (
    Kit,
    Tally,
    engine_kit,
    evaluate,
    per_group,
    print_reports,
    threshold_kit,
    true_break,
    verdict_of,
)
from _mechanical import CASES, PROFILES, MechTrace, holdout_corpus


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


def failures(
    kit: Kit,
    traces: Sequence[MechTrace],
    off: Tally,
    stream: Tally,
    gyro: bool,
    show: int,
) -> list[str]:
    """The traces a detector got wrong, with what would regenerate each."""
    lines = []
    for trace, a, b in zip(traces, off.outcomes, stream.outcomes, strict=True):
        tr, f = trace.truth, a.found or {}
        if verdict_of(a) == tr.verdict and verdict_of(b) == tr.verdict:
            continue
        tb = true_break(tr, gyro)

        def fmt(v: object) -> str:
            return "–" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

        lines.append(
            f"    seed {trace.seed} #{trace.index:<4} {tr.case:<23} {tr.profile:<12}"
            f" off={verdict_of(a):<12} str={verdict_of(b):<12}"
            f" peak {tr.peak_n:5.0f} N drop {fmt(tr.drop_pct)} %"
            f" true break {fmt(tb)} found {fmt(f.get('break_s'))}"
            f" reasons {','.join(f.get('reasons') or ()) or '–'}"
        )
    head = f"  {kit.name}: {len(lines)} traces wrong offline or streaming"
    return [head, *lines[:show], *(["    ..."] if len(lines) > show else [])]


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
    tallies = evaluate(kits, traces, gyro, seed, delivery_blocks)
    print_reports(kits, tallies, gyro, n_samples)
    cases = [tr.truth.case for tr in traces]
    profiles = [tr.truth.profile for tr in traces]
    print("  per scenario: verdict accuracy offline / streaming")
    print("\n".join(per_group(tallies, gyro, "scenario", CASES, cases)))
    print("  per delivery profile")
    print("\n".join(per_group(tallies, gyro, "profile", PROFILES, profiles)))
    print()
    for k in kits[:1]:
        print("\n".join(failures(k, traces, *tallies[k.name], gyro, show)))
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
