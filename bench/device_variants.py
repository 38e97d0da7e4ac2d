"""Every simulated device variant recorded, calibrated and analysed over the virtual radio.

Run: ``python bench/device_variants.py [--seconds S]``. For each ``sim:`` name, in a
scratch store: calibrate against known masses with a sensor reading 5 % high and
2 N off, verify with another mass, record a break effort through the calibrated
driver, and analyse the trace. One line per variant: the verification error, the
samples and rate recorded, and the first effort's verdict and its source.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import tempfile
from pathlib import Path

from nkt_dyno.cli import main as cli
from nkt_dyno.devices.simulator import SIMULATORS


def _run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli(argv)
    return code, out.getvalue()


def _variant(name: str, seconds: float, folder: Path) -> str:
    window = max(0.3, 12.0 / SIMULATORS[name].default_rate_hz)  # a dozen samples at least
    device = ["--device", f"sim:{name}", "--window", f"{window:g}", "--sim-error", "1.05,2"]
    code, _ = _run(["calibrate", *device, "--masses", "0,10,20,30", "--yes"])
    if code:
        return f"{name:22} calibration failed"
    code, out = _run(["verify", *device, "--mass", "15", "--yes"])
    found = re.search(r"\(([-+0-9.]+) %\)", out.splitlines()[-1]) if out else None
    verify = f"{float(found.group(1)):+.2f} %" if found else "?"
    trace = folder / f"{name}.csv"
    record = ["record", "--device", f"sim:{name}", "--scenario", "break"]
    code, out = _run(
        [*record, "--sim-error", "1.05,2", "--seconds", str(seconds), "-o", str(trace)]
    )
    if code:
        return f"{name:22} verify {verify:>8}  recording failed"
    samples = out.splitlines()[-1].split(" -> ")[0]
    code, out = _run(["analyze", "--json", str(trace)])
    first = json.loads(out.splitlines()[0]) if code == 0 and out else {}
    verdict = f"{first.get('verdict', '?')} ({first.get('break_source') or 'force'})"
    return f"{name:22} verify {verify:>8}  {samples:42} first effort {verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NKT_DYNO_DB"] = str(Path(tmp) / "nkt-dyno.sqlite3")
        for name in SIMULATORS:
            print(_variant(name, args.seconds, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
