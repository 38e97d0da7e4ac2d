"""``nkt-dyno report --session ID -o report.html [--pdf report.pdf]``: the session report.

Tests are compared with published reference values where muscle, patient
position, method, sex and age match; ``--references DIR`` (or
``$NKT_DYNO_REFERENCES``) names a clinic's own checked copy of the table.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import fail
from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from nkt_dyno.clinic._progress import Quantity
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("report", help="write a session's report (HTML, PDF with Qt)")
    p.add_argument("--session", type=int, required=True, help="session id")
    p.add_argument("-o", "--output", required=True, help="HTML file to write")
    p.add_argument("--pdf", metavar="PATH", help="also write a PDF (needs the gui extra)")
    p.add_argument(
        "--paper", choices=("A4", "Letter"), default="A4", help="PDF paper size (default A4)"
    )
    p.add_argument(
        "--progress",
        choices=("force", "torque", "per-kg"),
        default="force",
        help="what the progress charts show: force (N, default), torque (N·m, tests with a "
        "lever arm) or force per body mass (N/kg)",
    )
    p.add_argument(
        "--references",
        metavar="DIR",
        help="a folder with a reference table to compare with instead of the packaged one "
        "(reference_values.csv, sources.csv, actions.csv; default: $NKT_DYNO_REFERENCES)",
    )
    add_db_argument(p)
    p.set_defaults(run=with_store(_report, reading=True))


def _report(store: Store, args: argparse.Namespace) -> int:
    from pathlib import Path

    from nkt_dyno.clinic import (
        NormsFacts,
        QtUnavailableError,
        build_report,
        render_html,
        write_pdf,
    )
    from nkt_dyno.clinic.norms import folder_table, reference_table
    from nkt_dyno.files import write_private

    quantities: dict[str, Quantity] = {"force": "force", "torque": "torque", "per-kg": "per_kg"}
    table = folder_table(args.references) if args.references else reference_table()
    report = build_report(
        store, args.session, quantity=quantities[args.progress], norms=NormsFacts(table=table)
    )
    html = Path(args.output)
    write_private(html, render_html(report))
    print(f"report of session {args.session} ({len(report.tests)} tests) -> {html}")
    if args.pdf:
        try:
            write_pdf(report, args.pdf, paper=args.paper)
            os.chmod(
                args.pdf, 0o600
            )  # Qt writes with the umask's mode; the report names the client
        except QtUnavailableError as exc:
            return fail(str(exc))
        print(f"PDF -> {args.pdf}")
    return 0
