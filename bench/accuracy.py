"""Hold/break accuracy on every source side by side, beside a plain threshold detector.

Sources (``bench/_sources.py``): the engine's own synthetic corpus, the
mechanical hold-out, the independent break-test sessions, and the real
recordings in ``../shared/data/real`` and ``../shared/data/real-efforts``
(skipped, with a note, where that folder is absent). Every detector runs
offline (the whole recording) and streaming (random blocks of up to 60 ms).
Per source it prints verdict accuracy, false breaks, effort-count errors,
onset / break / peak errors (median and p90 of |error|), the break
confirmation latency (streaming: from the true break, or with motion the
true yield, to the end of the block that produced the break event, and
"decided": to the sample whose arrival decided it, fed one sample at a time
around each break, without the wait for the rest of a block, with the
verdict accuracy of that run too; with ``--gyro``, over the recordings that
have a motion channel), and the
reliability of ``confidence`` (expected calibration error); with
``--gyro``, the accuracy by kind of motion channel (signed, of unknown sign,
none).

``--loso`` adds the leave-one-source-out figures: for each source, the
detector settings are chosen (from a small grid of the settings that shape
the verdict) by the mean offline accuracy on all the *other* sources, and the
source left out is scored with them, offline and streaming, with its
calibration error.

Run: ``python bench/accuracy.py [--quick] [--gyro] [--loso] [--show 10]``
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _score import (
    Kit,
    Score,
    decision_blocks,
    ece,
    engine_kit,
    rule_accuracy,
    run_offline,
    run_streaming,
    stats,
    threshold_kit,
)
from _sources import Recording, have_real, mechanical, own, real, sessions

from nkt_dyno.engine import DetectorConfig

GRID = {
    "yield_dwell_s": (0.2, 0.25, 0.3),
    "late_dwell_s": (0.4, 0.5, 0.6),
}
"""The settings ``--loso`` chooses among: the two that shape the verdict most
(how short a dwell at the top marks a push cut short, and how long a dwell
makes a fall ambiguous from force alone), each around its default."""


def load(quick: bool, gyro: bool) -> dict[str, list[Recording]]:
    """Every source, with motion where it has some and ``gyro`` asks for it."""
    n = 5 if quick else 1
    srcs = {
        "own": own(600 // n, 2024, gyro),
        "mechanical": mechanical(400 // n, 4242, gyro),
    }
    try:
        srcs["sessions"] = sessions(300 // n, 31337, gyro)
    except ImportError as exc:
        print(f"note: independent sessions not available ({exc})\n")
    if have_real():
        srcs["real"] = real("real")
        srcs["real-efforts"] = real("real-efforts")
    else:
        print("note: ../shared/data not found: real recordings skipped\n")
    return srcs


def line(name: str, mode: str, s: Score) -> str:
    return (
        f"  {name:10s} {mode:9s} {s.accuracy:6.1f} %  false breaks {s.false_breaks:3d}  "
        f"count wrong {s.count_wrong:3d}/{s.recordings:<3d} (+{s.extra} −{s.missed})  "
        f"inconclusive {s.inconclusive}"
    )


def report(src: str, recs: list[Recording], kits: Sequence[Kit], gyro: bool, show: int) -> None:
    n_eff = sum(len(r.efforts) for r in recs)
    n_brk = sum(e.verdict == "break" for r in recs for e in r.efforts)
    n_smp = sum(r.t.size for r in recs)
    print(f"== {src}: {len(recs)} recordings, {n_eff} efforts ({n_brk} breaks), {n_smp} samples")
    for kit in kits:
        off = run_offline(kit, recs, gyro)
        st = run_streaming(kit, recs, gyro, 7)
        print(line(kit.name, "offline", off))
        print(line("", "streaming", st))
        if kit.name != "nkt-dyno":
            continue
        e, _ = ece(off.calib)
        fine = run_streaming(kit, recs, gyro, 7, lambda r, _: decision_blocks(r, gyro))
        print(f"    onset ms   {stats(off.onset_ms)}    break ms {stats(off.break_ms)}")
        print(f"    peak %     {stats(off.peak_pct)}    confirm ms {stats(st.latency_ms)}")
        print(
            f"    verdict fed one sample at a time around breaks {fine.accuracy:5.1f} %"
            f"    decided ms {stats(fine.latency_ms)}"
        )
        print(
            f"    ECE {e:.1f} %   offline {off.samples / max(off.seconds, 1e-9) / 1e6:.2f} M "
            f"samples/s"
        )
        if gyro:
            print(f"    {by_channel(kit, recs)}")
        for f in off.failures[:show]:
            print(f"    miss: {f}")
        more = len(off.failures) - show
        if more > 0:
            print(f"    … and {more} more")
    print()


def by_channel(kit: Kit, recs: list[Recording]) -> str:
    """Offline accuracy of the recordings with a signed motion channel, of unknown sign, none."""
    kinds = (
        ("signed channel", lambda r: r.gyro is not None and r.gyro_signed),
        ("unknown sign", lambda r: r.gyro is not None and not r.gyro_signed),
        ("no motion", lambda r: r.gyro is None),
    )
    parts = []
    for name, has in kinds:
        subset = [r for r in recs if has(r)]
        if subset:
            s = run_offline(kit, subset, True)
            parts.append(f"{name} {s.accuracy:.1f} % ({len(subset)} rec., {s.false_breaks} fb)")
    return "by channel: " + ", ".join(parts)


def configs() -> list[tuple[str, DetectorConfig]]:
    base = DetectorConfig()
    out = []
    for values in itertools.product(*GRID.values()):
        kw = dict(zip(GRID, values, strict=True))
        out.append((" ".join(f"{k}={v}" for k, v in kw.items()), replace(base, **kw)))
    return out


def loso(srcs: dict[str, list[Recording]], gyro: bool) -> None:
    """Leave-one-source-out: settings and confidence chosen on the other sources.

    For each source, the candidate setting with the best mean offline
    accuracy on all the other sources is chosen, and each rule's confidence
    is refitted as its share of right calls there (shrunk toward the share
    over all rules as if ten more calls had been made, since some rules are
    rare); the source left out is then scored with both, offline and
    streaming.
    """
    cands = configs()
    print(f"== leave-one-source-out ({len(cands)} candidate settings)")
    t0 = time.perf_counter()
    runs = {
        (name, i): run_offline(engine_kit(cfg), recs, gyro)
        for i, (_, cfg) in enumerate(cands)
        for name, recs in srcs.items()
    }
    pooled: list[tuple[float, bool, str]] = []
    for left in srcs:
        others = [s for s in srcs if s != left]
        best = max(
            range(len(cands)), key=lambda i: np.mean([runs[(s, i)].accuracy for s in others])
        )
        fitted = rule_accuracy([c for s in others for c in runs[(s, best)].calib], prior=10)
        off = runs[(left, best)]
        st = run_streaming(engine_kit(cands[best][1]), srcs[left], gyro, 7)
        refit = [(fitted.get(r, (c, 0))[0], ok, r) for c, ok, r in off.calib]
        e, _ = ece(refit)
        pooled += refit
        print(
            f"  left out {left:12s} offline {off.accuracy:6.1f} %  streaming "
            f"{st.accuracy:6.1f} %  ECE {e:4.1f} %   chosen: {cands[best][0]}"
        )
    e, rows = ece(pooled)
    print(f"  pooled over the left-out sources: ECE {e:.1f} %; reliability:")
    print("\n".join(rows))
    default = len(cands) // 2
    table = rule_accuracy([c for s in srcs for c in runs[(s, default)].calib])
    print("  right calls per rule, all sources, default settings (the engine's CONFIDENCE):")
    for rule, (a, n) in sorted(table.items(), key=lambda x: -x[1][1]):
        print(f"    {rule:8s} {a:.3f}  (n={n})")
    print(f"  ({time.perf_counter() - t0:.0f} s)\n")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a fifth of each synthetic corpus")
    ap.add_argument("--gyro", action="store_true", help="also run with the motion channel")
    ap.add_argument("--loso", action="store_true", help="leave-one-source-out figures")
    ap.add_argument("--only", help="comma-separated sources to run")
    ap.add_argument("--show", type=int, default=8, help="misses listed per source")
    args = ap.parse_args(argv)
    kits = [engine_kit(), threshold_kit()]
    for gyro in (False, True) if args.gyro else (False,):
        print(f"######## {'force and motion' if gyro else 'force only'}\n")
        srcs = load(args.quick, gyro)
        if args.only:
            srcs = {k: v for k, v in srcs.items() if k in args.only.split(",")}
        if gyro:
            srcs = {k: v for k, v in srcs.items() if any(r.gyro is not None for r in v)}
        for name, recs in srcs.items():
            report(name, recs, kits, gyro, args.show)
        if args.loso:
            loso(srcs, gyro)
    return 0


if __name__ == "__main__":
    sys.exit(main())
