"""``nkt-dyno import FILE...``: a trace recorded elsewhere, validated, analysed and saved.

Accepts our trace CSV and the Tindeq app's export. Tags missing from the
command line are taken from the file's metadata (``# muscle: ...``, ``# test:``,
``# lever_arm_m:`` and the other context lines). A file
of several efforts becomes one test per effort (``--whole`` keeps it one
test), each printed with its verdict. A trace too short to analyse is
refused (it would break every report of its session); an exact duplicate of
a stored recording and an inverted trace are imported with a warning.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from nkt_dyno.commands._context import add_context_arguments, context_from_args
from nkt_dyno.commands._errors import check_input_file, fail, sentence
from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from nkt_dyno.engine import EffortResult
    from nkt_dyno.store import Store
    from nkt_dyno.trace import Trace

_TAGS = ("muscle", "side", "condition")
MIN_SAMPLES = 10
MIN_SECONDS = 0.5
"""Shorter traces hold no muscle test: no rest level, no rise, nothing to analyse."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from nkt_dyno.commands._choices import CONDITIONS, SIDES, TESTS

    parser = subparsers.add_parser("import", help="import a trace CSV (ours or Tindeq's)")
    parser.add_argument("files", nargs="+", metavar="FILE.csv", help="one or more traces")
    parser.add_argument("--client", required=True, help="client id or exact name")
    parser.add_argument("--muscle", help="default: the file's '# muscle:' line")
    parser.add_argument("--side", choices=SIDES, help="default: the file's '# side:' line")
    parser.add_argument("--condition", choices=CONDITIONS, help="default: baseline")
    parser.add_argument("--session", type=int, metavar="ID", help="default: today's session")
    parser.add_argument("--examiner", help="examiner's name, for a new session")
    parser.add_argument("--notes", default="")
    parser.add_argument(
        "--test", choices=TESTS, help="break or make (default: the file's '# test:' line)"
    )
    add_context_arguments(parser)
    parser.add_argument(
        "--whole",
        action="store_true",
        help="keep a file of several efforts as one test (default: one test per effort)",
    )
    add_db_argument(parser)
    parser.set_defaults(run=with_store(_run))


def _run(store: Store, args: argparse.Namespace) -> int:
    """Import each file; one that is refused is reported and the others still imported."""
    from nkt_dyno.store import StoreError

    status = 0
    for number, name in enumerate(args.files, 1):
        if len(args.files) > 1:
            print(f"[{number}/{len(args.files)}] {name}", file=sys.stderr, flush=True)
        try:
            _import(store, args, name)
        except (OSError, ValueError, StoreError) as exc:
            status = fail(sentence(exc) or str(exc))
    return status


def _import(store: Store, args: argparse.Namespace, name: str) -> None:
    from nkt_dyno.commands._split import split_efforts
    from nkt_dyno.context import TestContext
    from nkt_dyno.engine import analyze
    from nkt_dyno.store import read_import, save_recording
    from nkt_dyno.summary import verdict_line
    from nkt_dyno.trace import gyro_signed, gyro_signed_from, test_kind, warnings_for

    check_input_file(name)
    trace = read_import(name)
    tags: dict[str, str] = {}
    for k in _TAGS:
        value: str | None = getattr(args, k) or trace.metadata.get(k)
        if k == "condition":
            value = value or "baseline"
        if value:
            tags[k] = value
    missing = [k for k in _TAGS if k not in tags]
    if missing:
        raise ValueError(f"{name}: give --{' and --'.join(missing)} (not in the file)")
    if len(trace) < MIN_SAMPLES or trace.duration_s < MIN_SECONDS:
        raise ValueError(
            f"{name}: {len(trace)} samples over {trace.duration_s:.2f} s is too short "
            f"to analyse (at least {MIN_SAMPLES} samples over {MIN_SECONDS} s); not imported"
        )
    for warning in warnings_for(trace):
        print(f"warning: {name}: {warning}", file=sys.stderr)
    for same in store.same_recordings(trace):
        print(f"warning: {name} is the same recording as test {same}", file=sys.stderr)
    test = test_kind(trace.metadata, args.test)

    def analysed(tr: Trace) -> list[EffortResult]:
        signed, since = gyro_signed(tr.metadata), gyro_signed_from(tr.metadata)
        return analyze(tr.t, tr.force, tr.gyro, test=test, gyro_signed=signed, signed_from_s=since)

    context = context_from_args(args).over(TestContext.from_metadata(trace.metadata, source=name))
    results = analysed(trace)
    whole = [trace] if args.whole else split_efforts(trace, [r.to_dict() for r in results])
    for piece in whole:
        found = results if len(whole) == 1 else analysed(piece)
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
            test=test,
            context=context,
        )
        if "effort" in piece.metadata:
            what = f" (effort {piece.metadata['effort']})"
        else:
            what = f" ({len(found)} efforts in one test)" if len(found) > 1 else ""
        verdicts = "; ".join(verdict_line(r.to_dict()) for r in found) or "no effort found"
        print(f"imported {len(piece)} samples as test {test_id}{what}: {verdicts}")
