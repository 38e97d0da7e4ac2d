"""``nkt-dyno import FILE``: a trace recorded elsewhere, validated, analysed and saved.

Accepts our trace CSV and the Tindeq app's export. Tags missing from the
command line are taken from the file's metadata (``# muscle: ...``). A file
of several efforts becomes one test per effort (``--whole`` keeps it one
test), each printed with its verdict.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store

_TAGS = ("muscle", "side", "condition")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from nkt_dyno.commands._choices import CONDITIONS, SIDES

    parser = subparsers.add_parser("import", help="import a trace CSV (ours or Tindeq's)")
    parser.add_argument("file", metavar="FILE.csv")
    parser.add_argument("--client", required=True, help="client id or exact name")
    parser.add_argument("--muscle", help="default: the file's '# muscle:' line")
    parser.add_argument("--side", choices=SIDES, help="default: the file's '# side:' line")
    parser.add_argument("--condition", choices=CONDITIONS, help="default: baseline")
    parser.add_argument("--session", type=int, metavar="ID", help="default: today's session")
    parser.add_argument("--examiner", help="examiner's name, for a new session")
    parser.add_argument("--notes", default="")
    parser.add_argument(
        "--whole",
        action="store_true",
        help="keep a file of several efforts as one test (default: one test per effort)",
    )
    add_db_argument(parser)
    parser.set_defaults(run=with_store(_run))


def _run(store: Store, args: argparse.Namespace) -> int:
    from nkt_dyno.commands._split import split_efforts
    from nkt_dyno.engine import analyze
    from nkt_dyno.store import read_import, save_recording
    from nkt_dyno.summary import verdict_line

    with open(args.file, "rb"):  # a missing file or a folder: the one error path names it
        pass
    trace = read_import(args.file)
    tags: dict[str, str] = {}
    for k in _TAGS:
        value: str | None = getattr(args, k) or trace.metadata.get(k)
        if k == "condition":
            value = value or "baseline"
        if value:
            tags[k] = value
    missing = [k for k in _TAGS if k not in tags]
    if missing:
        raise ValueError(f"{args.file}: give --{' and --'.join(missing)} (not in the file)")
    results = analyze(trace.t, trace.force, trace.gyro)
    whole = [trace] if args.whole else split_efforts(trace, [r.to_dict() for r in results])
    for piece in whole:
        found = results if len(whole) == 1 else analyze(piece.t, piece.force, piece.gyro)
        test_id = save_recording(
            store,
            piece,
            client=args.client,
            muscle=tags["muscle"],
            side=tags["side"],
            condition=tags["condition"],
            session_id=args.session,
            examiner=args.examiner,
            notes=args.notes,
            results=found,
        )
        if "effort" in piece.metadata:
            what = f" (effort {piece.metadata['effort']})"
        else:
            what = f" ({len(found)} efforts in one test)" if len(found) > 1 else ""
        verdicts = "; ".join(verdict_line(r.to_dict()) for r in found) or "no effort found"
        print(f"imported {len(piece)} samples as test {test_id}{what}: {verdicts}")
    return 0
