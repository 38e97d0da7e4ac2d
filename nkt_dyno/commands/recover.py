"""``nkt-dyno recover``: list, save or write out recordings left in journals.

A recording whose ``-o`` file or store save failed, or whose program was
interrupted or killed, stays in a journal (:mod:`nkt_dyno.journal`) with its
tags. Without options this lists them; ``--save`` saves the tagged ones as
tests into the store they were meant for (or ``--db``), ``-o FOLDER`` writes
them as trace files. A journal goes once its recording is kept, or when
``--discard`` deletes it: a test the therapist chose not to save stays in
its journal until then (``--older-than DAYS`` limits it to old ones), so
nothing is lost by accident and nothing piles up for ever.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import fail, sentence
from nkt_dyno.commands._storecli import print_table

if TYPE_CHECKING:
    from nkt_dyno.journal import Unsaved


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("recover", help="list and save recordings that were not kept")
    p.add_argument(
        "journals", nargs="*", type=Path, help="journals to act on (default: every unsaved one)"
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--save", action="store_true", help="save them as tests with their tags")
    what.add_argument("-o", "--output", type=Path, metavar="FOLDER", help="write them as traces")
    what.add_argument("--discard", action="store_true", help="delete them: they are not wanted")
    p.add_argument(
        "--older-than",
        type=float,
        metavar="DAYS",
        help="act only on recordings made more than DAYS days ago",
    )
    p.add_argument(
        "--db",
        metavar="PATH",
        help="store to save into (default: the one each recording was meant for)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nkt_dyno.journal import Unsaved, folder, read_journal, unsaved

    if args.older_than is not None and not args.older_than >= 0:
        return fail(f"--older-than must be a number of days of 0 or more, not {args.older_than}")
    try:
        named = [Unsaved(p, read_journal(p)) for p in args.journals]
        found = named or unsaved()
    except (OSError, ValueError) as exc:
        return fail(sentence(exc) or str(exc))
    if args.older_than is not None:
        found = [item for item in found if _age_days(item) > args.older_than]
    if not found:
        print(f"no unsaved recordings (journals are kept in {folder()})")
        return 0
    if args.discard:
        return max(_discard(item) for item in found)
    if args.save:
        return max(_save(item, args.db) for item in found)
    if args.output is not None:
        return max(_write(item, args.output) for item in found)
    _list(found)
    return 0


def _list(found: list[Unsaved]) -> None:
    rows = [
        (
            item.path.name,
            item.tags.get("recorded", ""),
            len(item.trace),
            item.tags.get("client_name", item.tags.get("client", "")),
            item.tags.get("muscle", ""),
            item.tags.get("side", ""),
        )
        for item in found
    ]
    print_table(("journal", "recorded (UTC)", "samples", "client", "muscle", "side"), rows)
    print(
        f"(in {found[0].path.parent}) save them: `nkt-dyno recover --save`; "
        "write them out: `nkt-dyno recover -o FOLDER`; delete the unwanted: "
        "`nkt-dyno recover --discard JOURNAL…` (or `--discard --older-than DAYS`)"
    )


def _age_days(item: Unsaved) -> float:
    """Days since the recording was made (its ``recorded`` tag, else the file's time)."""
    import time
    from datetime import datetime

    stamp = item.tags.get("recorded", "")
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        when = item.path.stat().st_mtime
    return (time.time() - when) / 86400.0


def _discard(item: Unsaved) -> int:
    try:
        item.path.unlink()
    except OSError as exc:
        return fail(f"{item.path.name} could not be deleted: {exc.strerror or exc}")
    print(f"{item.path.name}: {len(item.trace)} samples discarded")
    return 0


def _write(item: Unsaved, where: Path) -> int:
    from nkt_dyno.journal import trace_of
    from nkt_dyno.trace import write_trace

    target = where / item.path.name
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if target.exists():
            return fail(f"{target} exists already; choose another folder")
        write_trace(target, trace_of(item))
    except OSError as exc:
        return fail(f"{item.path.name} could not be written to {where}: {exc.strerror or exc}")
    item.path.unlink()
    print(f"{item.path.name}: {len(item.trace)} samples written to {target}")
    return 0


def _save(item: Unsaved, db: str | None) -> int:
    from nkt_dyno.context import TestContext
    from nkt_dyno.journal import trace_of
    from nkt_dyno.store import Device, Store, StoreError, save_recording

    tags = item.tags
    missing = [k for k in ("client", "muscle", "side") if not tags.get(k)]
    if missing:
        return fail(
            f"{item.path.name} has no {', '.join(missing)} (it was recorded without --save); "
            "write it out with `nkt-dyno recover -o FOLDER` and import it"
        )
    try:
        with Store.open(db or tags.get("store"), create=False) as store:
            client = store.get_client(int(tags["client"]))
            if tags.get("client_name") and client.name != tags["client_name"]:
                return fail(
                    f"{item.path.name} is for {tags['client_name']!r}, but client "
                    f"{client.id} in {store.location} is someone else; give the right --db"
                )
            test_id = save_recording(
                store,
                trace_of(item),
                client=client.id,
                muscle=tags["muscle"],
                side=tags["side"],
                condition=tags.get("condition", "baseline"),
                examiner=tags.get("examiner") or None,
                device=Device(tags["device_id"], tags.get("model", ""), tags.get("firmware", ""))
                if tags.get("device_id")
                else None,
                challenge_target=tags.get("target") or None,
                notes=_notes(item),
                test=tags.get("test", "break"),
                recorded=tags.get("recorded"),
                context=TestContext.from_metadata(tags, source=item.path.name),
            )
    except (StoreError, ValueError) as exc:
        return fail(f"{item.path.name}: {exc}")
    item.path.unlink()
    print(f"{item.path.name}: {len(item.trace)} samples saved as test {test_id}")
    return 0


def _notes(item: Unsaved) -> str:
    tags, end = item.tags, float(item.trace.t[-1])
    notes = [tags["notes"]] if tags.get("notes") else []
    if tags.get("lost") == "yes":
        notes.insert(0, f"device lost at {end:.1f} s: the recording ends there")
    elif "sample_rate_hz" not in tags:
        notes.insert(0, f"recording interrupted at {end:.1f} s (recovered from its journal)")
    return "; ".join(notes)
