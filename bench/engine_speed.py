"""Streaming throughput and batch time of the nkt-dyno detection engine.

Prints samples per second for 80 Hz, 1 kHz and 10 kHz input fed in the block
sizes devices deliver (a BLE notification's worth at 80 Hz, 10–50 samples at
1 kHz, 100–500 at 10 kHz), and the time to analyse 1,000 ten-second 1 kHz
traces offline, and one long recording of 0.5 to 5 M samples analysed
whole: its time (linear in the length, the ratio column says how close) and
the peak memory the analysis allocates beyond its input (``tracemalloc``,
measured in a second run, since tracing slows it). Per-feed cost (µs per
call) and the share of one core a device streaming in real time at that rate
would take are printed beside the throughput: a live stream is many small
calls, so the call overhead is what matters. Figures only: nothing here asserts a speed.

Run: ``python bench/engine_speed.py [--traces 1000]``
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from nkt_dyno.engine import Detector, analyze
from nkt_dyno.engine.synthetic import SHAPE_CASES, generate


def _trace(rate_hz: float, seconds: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic effort at ``rate_hz``, tiled to ``seconds`` (efforts with rest between)."""
    tr = generate(SHAPE_CASES[seed % len(SHAPE_CASES)], seed, rate_hz=rate_hz)
    reps = int(np.ceil(seconds / (tr.t[-1] - tr.t[0])))
    span = tr.t[-1] - tr.t[0] + 1.0 / rate_hz
    t = np.concatenate([tr.t - tr.t[0] + i * span for i in range(reps)])
    f = np.tile(tr.force, reps)
    n = int(seconds * rate_hz)
    return t[:n], f[:n]


def streaming(rate_hz: float, blocks: tuple[int, int], seconds: float) -> tuple[float, float]:
    """Samples per second fed through one Detector in random blocks, and µs per call."""
    t, f = _trace(rate_hz, seconds, 3)
    rng = np.random.default_rng(0)
    sizes = rng.integers(blocks[0], blocks[1] + 1, t.size // blocks[0] + 1)
    edges = np.concatenate(([0], np.cumsum(sizes)))
    edges = edges[edges < t.size]
    det = Detector()
    start = time.perf_counter()
    for a, b in zip(edges, np.append(edges[1:], t.size), strict=True):
        det.feed(t[a:b], f[a:b])
    det.finish()
    elapsed = time.perf_counter() - start
    return t.size / elapsed, 1e6 * elapsed / edges.size


def batch(n: int) -> tuple[float, int]:
    """Seconds to analyse ``n`` ten-second 1 kHz traces; also the efforts found."""
    traces = [_trace(1000.0, 10.0, i) for i in range(n)]
    start = time.perf_counter()
    efforts = sum(len(analyze(t, f)) for t, f in traces)
    return time.perf_counter() - start, efforts


def long_recording(n: int) -> tuple[float, float]:
    """Seconds and peak MB allocated to analyse one ``n``-sample 1 kHz recording whole."""
    t, f = _trace(1000.0, n / 1000.0 + 1.0, 3)
    t, f = t[:n], f[:n]
    start = time.perf_counter()
    analyze(t, f)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    analyze(t, f)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=1000, help="traces in the batch run")
    args = parser.parse_args()
    print("streaming throughput (one Detector, one core)")
    for rate, blocks, secs in (
        (80.0, (1, 5), 600.0),
        (1000.0, (10, 50), 300.0),
        (10000.0, (100, 500), 120.0),
    ):
        sps, per_call = streaming(rate, blocks, secs)
        print(
            f"  {rate:7.0f} Hz  blocks {blocks[0]:>3}–{blocks[1]:<3} samples: "
            f"{sps / 1e6:6.2f} M samples/s, {per_call:6.1f} µs/call; "
            f"a live {rate:.0f} Hz device takes {100 * rate / sps:.3f} % of one core"
        )
    secs, efforts = batch(args.traces)
    print(
        f"batch: {args.traces} ten-second 1 kHz traces in {secs:.2f} s "
        f"({args.traces * 10_000 / secs / 1e6:.2f} M samples/s, {efforts} efforts)"
    )
    print("one long 1 kHz recording analysed whole")
    first = 0.0
    for n in (500_000, 1_000_000, 2_000_000, 5_000_000):
        secs, mb = long_recording(n)
        first = first or secs / n
        print(
            f"  {n / 1e6:3.1f} M samples: {secs:6.2f} s, time per sample {secs / n / first:4.2f} × "
            f"that of 0.5 M, {mb:6.1f} MB allocated at peak"
        )


if __name__ == "__main__":
    main()
