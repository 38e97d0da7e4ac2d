"""``nkt-dyno store``: which store the commands use, and what lies beside it.

``--db``, ``$NKT_DYNO_DB`` and the platform's data folder decide the store;
a user with several (a clinic's, a test one) must be able to ask which one
a command would open. Nothing is created or changed here.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("store", help="which store file the commands use")
    add_db_argument(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from nkt_dyno.devices._calibrations import FOLDER as CALIBRATIONS
    from nkt_dyno.journal import folder, unsaved
    from nkt_dyno.store import default_path
    from nkt_dyno.store._paths import resolve_path

    path = resolve_path(args.db)
    print(f"store: {path}")
    if path.exists():
        status = with_store(_describe, reading=True)(args)
    else:
        print("  (not created yet: `nkt-dyno client add NAME` creates it)")
        status = 0
    journals = folder()
    print(f"journals: {journals} ({len(unsaved())} unsaved)")
    print(f"calibration records: {default_path().parent / CALIBRATIONS}")
    return status


def _describe(store: Store, args: argparse.Namespace) -> int:
    clients = len(store.clients())
    print(f"  schema {store.schema_version}, {clients} clients, {len(store.test_ids())} tests")
    return 0
