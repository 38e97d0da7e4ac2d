"""What the store's sub-commands share: ``--db``, opening the store, tables.

Kept free of heavy imports: the store (numpy, sqlite3) loads inside ``run``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import fail, printable

if TYPE_CHECKING:
    import sqlite3

    from nkt_dyno.store import Store

StoreCommand = Callable[["Store", argparse.Namespace], int]


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH|URL",
        help="store file, or a clinic server as postgresql://role@host/db "
        "(default: $NKT_DYNO_DB, else nkt-dyno.sqlite3 in the user data folder)",
    )


def with_store(
    command: StoreCommand, *, reading: bool = False, creating: bool = False
) -> Callable[[argparse.Namespace], int]:
    """Run ``command(store, args)``; report store and input errors as one clear line.

    Only a command ``creating`` (adding the first client or muscle) makes a
    new store, and says where: a mistyped ``--db`` must not silently become
    a new empty store. A command ``reading`` only can read a read-only store.
    """

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        import sqlite3

        from nkt_dyno.store import Store, StoreError
        from nkt_dyno.store._paths import is_server, resolve_path

        if is_server(args.db):
            from nkt_dyno.store._paths import server_url
            from nkt_dyno.store._workstation import copy_new_clients, open_workstation

            try:
                opened = open_workstation(server_url(args.db), create=not reading)
                if opened.notice:
                    print(f"nkt-dyno: {opened.notice}", file=sys.stderr)
                with opened.store as store:
                    status = command(store, args)
                    copy_new_clients(opened)
                    return status
            except (StoreError, ValueError) as exc:
                return fail(str(exc))
        path = resolve_path(args.db)
        new = creating and not path.exists()
        try:
            with Store.open(path, create=creating, write=not reading) as store:
                if new:
                    print(f"nkt-dyno: a new store was created at {path}", file=sys.stderr)
                return command(store, args)
        except (StoreError, ValueError) as exc:
            return fail(str(exc))
        except sqlite3.DatabaseError as exc:
            return fail(damaged(args.db, exc))

    return run


def damaged(db: str | None, exc: sqlite3.DatabaseError) -> str:
    """The sentence for a store SQLite cannot read: what, and how to get the data back."""
    import sqlite3

    from nkt_dyno.store import default_path

    path = db or default_path()
    if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return f"the store {path} could not be read: {exc}"
    return (
        f"the store {path} is damaged ({exc}); nothing was changed. Keep a copy of it; "
        f"`sqlite3 {path} .recover` rebuilds what can be read"
    )


def local_time(stamp: str) -> str:
    """A stored UTC time as local 'YYYY-MM-DD HH:MM'."""
    return dt.datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [
        [str(h) for h in headers],
        *[["" if c is None else printable(str(c)) for c in r] for r in rows],
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
