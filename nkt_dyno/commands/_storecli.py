"""What the store's sub-commands share: ``--db``, opening the store, tables.

Kept free of heavy imports: the store (numpy, sqlite3) loads inside ``run``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nkt_dyno.store import Store

StoreCommand = Callable[["Store", argparse.Namespace], int]


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="store file (default: $NKT_DYNO_DB, else nkt-dyno.sqlite3 in the user data folder)",
    )


def with_store(command: StoreCommand) -> Callable[[argparse.Namespace], int]:
    """Run ``command(store, args)`` on the store ``--db`` names (errors go to the one path)."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        from nkt_dyno.store import Store

        with Store.open(args.db) as store:
            return command(store, args)

    return run


def local_time(stamp: str) -> str:
    """A stored UTC time as local 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *[["" if c is None else str(c) for c in r] for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
