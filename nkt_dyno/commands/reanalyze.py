"""``nkt-dyno reanalyze [--all]``: analyse stored traces with this engine version.

Results of earlier engine versions are kept beside the new ones, so a
verdict that changes with an engine update stays traceable.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("reanalyze", help="analyse stored tests with this engine")
    parser.add_argument(
        "--all",
        action="store_true",
        help="also re-run tests this engine version already analysed",
    )
    add_db_argument(parser)
    parser.set_defaults(run=with_store(_run))


def _run(store: Store, args: argparse.Namespace) -> int:
    from nkt_dyno.store import analyse, engine_version

    version = engine_version()
    ids = store.test_ids() if args.all else store.tests_without_analysis(version)
    for test_id in ids:
        store.add_analysis(test_id, analyse(store.load_trace(test_id)))
    print(f"analysed {len(ids)} test(s) with engine {version}")
    return 0
