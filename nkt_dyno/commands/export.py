"""``nkt-dyno export --session ID``: a summary file and a trace file, CSV or JSON."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._storecli import add_db_argument, fail, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("export", help="export a session for a report or a study")
    parser.add_argument("--session", type=int, required=True, metavar="ID")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    parser.add_argument(
        "--pseudonymise",
        action="store_true",
        help="for sharing: keyed pseudonyms for people and devices, age bands, shifted "
        "times, no free text (own file names, never replacing a file)",
    )
    parser.add_argument("-o", "--out", default=".", metavar="DIR", help="output folder")
    add_db_argument(parser)
    parser.set_defaults(run=with_store(_run, reading=True))


def _run(store: Store, args: argparse.Namespace) -> int:
    from nkt_dyno.store import export_session

    try:
        paths = export_session(
            store, args.session, args.out, fmt=args.format, pseudonymise=args.pseudonymise
        )
    except OSError as exc:
        return fail(f"not exported: {exc}")
    for path in paths:
        print(path)
    return 0
