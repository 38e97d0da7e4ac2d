"""``nkt-dyno analyze [--json] FILE...``: hold/break verdict and metrics per effort.

Only argparse is imported here; numpy, scipy and the engine load when the
command runs, so ``nkt-dyno --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nkt_dyno.commands._errors import check_input_file, fail, sentence
from nkt_dyno.summary import break_figures

BREAK = "break"
"""Not a result key: the column of :func:`~nkt_dyno.summary.break_figures`."""

_COLUMNS = (
    ("effort", "effort", "{}"),
    ("verdict", "verdict", "{}"),
    ("onset_s", "onset s", "{:.3f}"),
    ("peak_n", "peak N", "{:.1f}"),
    ("peak_s", "peak s", "{:.3f}"),
    ("break_s", "break s", "{:.3f}"),
    (BREAK, "break", ""),
    ("hold_s", "hold s", "{:.2f}"),
    ("confidence", "conf", "{:.2f}"),
)


def register(subparsers: Any) -> None:
    """Add the ``analyze`` sub-command."""
    p = subparsers.add_parser(
        "analyze",
        help="detect efforts in trace files and judge hold or break",
        description="Analyse trace CSV files: one line (or JSON object) per effort.",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line per effort")
    p.add_argument(
        "--test",
        choices=("break", "make"),
        help="test type (default: the file's '# test:' line, else break); "
        "a make test is never called a break",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="trace CSV files or Tindeq exports")
    p.set_defaults(run=run)


def _cell(d: dict[str, Any], key: str, fmt: str) -> str:
    """One table cell; a force-only break shows its drop, not its ratio of ~1.

    Efforts are counted from 1 here, as every screen and summary counts them;
    the JSON keeps the 0-based index of the result contract.
    """
    if key == BREAK:
        return break_figures(d) or "-"
    if key == "effort":
        return str(d["effort"] + 1)
    return "-" if d[key] is None else fmt.format(d[key])


def run(args: argparse.Namespace) -> int:
    """Analyse each file (our trace CSV or a Tindeq export, as ``import`` reads them);
    a bad file is reported on stderr and skipped (exit 1), warnings go to stderr."""
    from nkt_dyno.context import TestContext
    from nkt_dyno.derived import derived_measures
    from nkt_dyno.store import read_import
    from nkt_dyno.trace import gyro_signed, gyro_signed_from, test_kind, warnings_for

    status = 0
    rows: list[list[str]] = []
    for name in args.files:
        try:
            check_input_file(name)
            trace = read_import(name)
            test = test_kind(trace.metadata, args.test)
            lever_arm = TestContext.from_metadata(trace.metadata, source=name).lever_arm_m
        except (OSError, ValueError) as exc:
            message = sentence(exc) or str(exc)
            named = message if name in message else f"{name}: {message}"
            status = fail(named)
            continue
        for warning in warnings_for(trace):
            print(f"nkt-dyno analyze: warning: {name}: {warning}", file=sys.stderr)
        from nkt_dyno.engine import analyze  # after reading: a refused file answers at once

        results = analyze(
            trace.t,
            trace.force,
            trace.gyro,
            test=test,
            gyro_signed=gyro_signed(trace.metadata),
            signed_from_s=gyro_signed_from(trace.metadata),
        )
        for r in results:
            d = r.to_dict()
            if args.json:
                measures = derived_measures(trace.t, trace.force, d, lever_arm_m=lever_arm)
                out = {
                    "file": name,
                    **d,
                    "derived": {m.key: m.value for m in measures},
                    "withheld": {m.key: m.why for m in measures if m.value is None},
                }
                print(json.dumps(out, allow_nan=False), flush=True)
            else:
                rows.append([name] + [_cell(d, k, fmt) for k, _, fmt in _COLUMNS])
        if not results and not args.json:
            rows.append([name, "-", "no effort"] + ["-"] * (len(_COLUMNS) - 2))
    if not args.json and rows:
        head = ["file"] + [h for _, h, _ in _COLUMNS]
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        for row in [head, *rows]:
            print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return status
