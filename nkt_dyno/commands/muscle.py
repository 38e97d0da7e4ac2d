"""``nkt-dyno muscle list|add``: the muscle catalogue and the store's own additions."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import fail
from nkt_dyno.commands._storecli import add_db_argument, print_table, printable, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("muscle", help="search or extend the muscle catalogue")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="list muscles, optionally matching a search")
    listing.add_argument("query", nargs="?", help="e.g. 'glute med' or 'TFL'")
    listing.add_argument("--positions", action="store_true", help="show test positions")
    add_db_argument(listing)
    listing.set_defaults(run=with_store(_list, reading=True))
    add = sub.add_parser("add", help="add a muscle to this store's catalogue")
    add.add_argument("name")
    add.add_argument("--region", required=True)
    add.add_argument("--position", default="", help="usual test position")
    add.add_argument("--alias", action="append", default=[], help="another name (repeatable)")
    add_db_argument(add)
    add.set_defaults(run=with_store(_add, creating=True))


def _list(store: Store, args: argparse.Namespace) -> int:
    muscles = store.find_muscles(args.query) if args.query else store.muscles()
    if not muscles:
        return fail(f"no muscle matches {args.query!r}")
    if args.positions:
        for m in muscles:
            print(printable(f"{m.name} ({m.region}): {m.position}"))
        return 0
    rows = [(m.name, m.region, ", ".join(m.aliases), "yes" if m.custom else "") for m in muscles]
    print_table(("muscle", "region", "also", "added here"), rows)
    return 0


def _add(store: Store, args: argparse.Namespace) -> int:
    muscle = store.add_muscle(args.name, args.region, position=args.position, aliases=args.alias)
    print(printable(f"added muscle {muscle.name!r}"))
    return 0
