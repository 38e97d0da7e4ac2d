"""Start-up time of ``nkt-dyno --help`` beside a bare interpreter start.

Prints the median wall time of each over repeated runs and their ratio. The
target (DESIGN §5) is well under 0.5 s: Qt and scipy are imported lazily.

    python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def _median_run(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    bare = _median_run([sys.executable, "-c", "pass"], runs)
    help_ = _median_run([sys.executable, "-m", "nkt_dyno", "--help"], runs)
    print(f"python -c pass          median {bare * 1000:7.1f} ms  ({runs} runs)")
    print(f"nkt-dyno --help         median {help_ * 1000:7.1f} ms  ({help_ / bare:.1f}x bare)")


if __name__ == "__main__":
    main()
