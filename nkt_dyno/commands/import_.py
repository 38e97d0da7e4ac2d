"""``nkt-dyno import FILE...``: a trace recorded elsewhere, validated, analysed and saved.

Accepts our trace CSV and the Tindeq app's export. Tags missing from the
command line are taken from the file's metadata (``# muscle: ...``). A trace
too short to analyse is refused (it would break every report of its
session); an exact duplicate of a stored recording and an inverted trace are
imported with a warning.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store

_TAGS = ("muscle", "side", "condition")
MIN_SAMPLES = 10
MIN_SECONDS = 0.5
"""Shorter traces hold no muscle test: no rest level, no rise, nothing to analyse."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from nkt_dyno.commands._choices import CONDITIONS, SIDES

    parser = subparsers.add_parser("import", help="import a trace CSV (ours or Tindeq's)")
    parser.add_argument("files", nargs="+", metavar="FILE.csv", help="one or more traces")
    parser.add_argument("--client", required=True, help="client id or exact name")
    parser.add_argument("--muscle", help="default: the file's '# muscle:' line")
    parser.add_argument("--side", choices=SIDES, help="default: the file's '# side:' line")
    parser.add_argument("--condition", choices=CONDITIONS, help="default: baseline")
    parser.add_argument("--session", type=int, metavar="ID", help="default: today's session")
    parser.add_argument("--examiner", help="examiner's name, for a new session")
    parser.add_argument("--notes", default="")
    add_db_argument(parser)
    parser.set_defaults(run=with_store(_run))


def _run(store: Store, args: argparse.Namespace) -> int:
    """Import each file; one that is refused is reported and the others still imported."""
    from nkt_dyno.commands._storecli import fail
    from nkt_dyno.store import StoreError

    status = 0
    for number, name in enumerate(args.files, 1):
        if len(args.files) > 1:
            print(f"[{number}/{len(args.files)}] {name}", file=sys.stderr, flush=True)
        try:
            _import(store, args, name)
        except (ValueError, StoreError) as exc:
            status = fail(str(exc))
    return status


def _import(store: Store, args: argparse.Namespace, name: str) -> None:
    from nkt_dyno.store import read_import, save_recording
    from nkt_dyno.trace import warnings_for

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
    test_id = save_recording(
        store,
        trace,
        client=args.client,
        muscle=tags["muscle"],
        side=tags["side"],
        condition=tags["condition"],
        session_id=args.session,
        examiner=args.examiner,
        notes=args.notes,
    )
    print(f"imported {len(trace)} samples as test {test_id}")
