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
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _evaluate import Kit, engine_kit, evaluate, per_group, print_reports, threshold_kit

from nkt_dyno.engine.synthetic import CASES, SyntheticTrace, corpus


def engine_or_none() -> Kit | None:
    """The engine, or ``None`` (with a note) so the baseline still runs while it cannot import."""
    try:
        return engine_kit()
    except ImportError as exc:
        print(f"note: nkt-dyno engine not available ({exc}); threshold detector only\n")
        return None


def blocks(tr: SyntheticTrace, rng: np.random.Generator) -> list[slice]:
    """Random block boundaries: 1 sample up to 60 ms of samples per block."""
    n = tr.t.size
    most = max(1, round(0.06 * tr.truth.rate_hz))
    sizes = rng.integers(1, most + 1, n)
    ends = np.minimum(np.cumsum(sizes), n)
    ends = ends[: int(np.searchsorted(ends, n)) + 1]
    return [slice(int(a), int(b)) for a, b in zip(np.r_[0, ends[:-1]], ends, strict=True)]


def run(n: int, seed: int, gyro: bool, kits: Sequence[Kit]) -> None:
    traces = corpus(n, seed, gyro=gyro)
    n_samples = sum(tr.t.size for tr in traces)
    n_break = sum(tr.truth.verdict == "break" for tr in traces)
    chan = "force + gyro" if gyro else "force only"
    print(
        f"== {chan}: {n} traces (seed {seed}), {n_break} breaks, {n - n_break} holds, "
        f"{n_samples} samples, {len(CASES)} case types =="
    )
    tallies = evaluate(kits, traces, gyro, seed, blocks)
    print_reports(kits, tallies, gyro, n_samples)
    print("  per case: verdict accuracy offline / streaming")
    cases = [tr.truth.case for tr in traces]
    print("\n".join(per_group(tallies, gyro, "case", CASES, cases, width=15, counts=False)))
    print()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=600, help="traces in the corpus (default 600)")
    ap.add_argument("--seed", type=int, default=2024, help="corpus seed (default 2024)")
    ap.add_argument("--gyro", action="store_true", help="also run with the gyro channel")
    args = ap.parse_args(argv)
    if args.n < len(CASES):
        ap.error(f"--n must be at least {len(CASES)} (one trace per case type)")
    kits = [k for k in (engine_or_none(), threshold_kit()) if k is not None]
    run(args.n, args.seed, False, kits)
    if args.gyro:
        run(args.n, args.seed, True, kits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
