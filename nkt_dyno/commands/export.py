"""``nkt-dyno export --session ID``: a session's files for a report, a study or a clinic system.

``csv`` and ``json``: a summary file (one row per test) and a trace file.
``clinic-csv``: one row per test in the columns clinics' analytics tools
import. ``fhir``: one FHIR R4 Bundle (needs the optional ``fhir`` extra).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import UserError
from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store

FORMATS = ("csv", "json", "clinic-csv", "fhir")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("export", help="export a session for a report or a study")
    parser.add_argument("--session", type=int, required=True, metavar="ID")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="csv or json: summary and traces; clinic-csv: one row per test as clinics' "
        "analytics tools import it; fhir: a FHIR R4 Bundle (default: csv)",
    )
    parser.add_argument(
        "--pseudonymise",
        action="store_true",
        help="for sharing: keyed pseudonyms for people and devices, age bands, shifted "
        "times, no free text (own file names, never replacing a file)",
    )
    parser.add_argument(
        "-o", "--output", default=".", metavar="DIR", help="output folder (default: here)"
    )
    add_db_argument(parser)
    parser.set_defaults(run=with_store(_run, reading=True))


def _run(store: Store, args: argparse.Namespace) -> int:
    from pathlib import Path

    from nkt_dyno.store import export_clinic_csv, export_fhir, export_session

    if Path(args.output).exists() and not Path(args.output).is_dir():
        raise UserError(f"{args.output} is a file: -o/--output names a folder for the exports")
    if args.format == "fhir":
        paths = [export_fhir(store, args.session, args.output, pseudonymise=args.pseudonymise)]
    elif args.format == "clinic-csv":
        paths = [
            export_clinic_csv(store, args.session, args.output, pseudonymise=args.pseudonymise)
        ]
    else:
        paths = export_session(
            store, args.session, args.output, fmt=args.format, pseudonymise=args.pseudonymise
        )
    for path in paths:
        print(path)
    return 0
