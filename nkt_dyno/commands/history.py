"""``nkt-dyno history --client X [--muscle M]``: a client's tests as a table.

The last column names the calibration each test was measured with (its
fingerprint, as ``calibrate`` prints it), so a reading can be traced back.
A challenge test shows the muscle touched; the therapist's own call shows
only when some test has one (the GUI's tagging panel records it). A
workstation whose server is away shows the copy of the server's history it
keeps, saying how old it is, and marks where each test comes from.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._storecli import add_db_argument, local_time, print_table, with_store
from nkt_dyno.summary import break_figures

if TYPE_CHECKING:
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("history", help="list a client's tests")
    parser.add_argument("--client", required=True, help="client id or exact name")
    parser.add_argument("--muscle", help="only this muscle (name, alias or shorthand)")
    add_db_argument(parser)
    parser.set_defaults(run=with_store(_run, reading=True))


def _run(store: Store, args: argparse.Namespace) -> int:
    from nkt_dyno.store._mirror import OfflineStore

    client = store.find_client(args.client)
    tests = store.history(client.id, args.muscle)
    offline = store if isinstance(store, OfflineStore) else None
    if offline is not None:
        print(f"server not reachable: {offline.as_of()}, and this workstation's own tests")
    if not tests:
        print("no tests")
        return 0
    therapist = any(t.therapist_verdict for t in tests)
    rows = []
    for t in tests:
        a = t.analysis
        row: list[object] = [
            local_time(t.recorded),
            t.id,
            t.muscle,
            t.side,
            t.condition,
            t.challenge_target or "",
            a.verdict if a else "-",
        ]
        if therapist:
            row.append(t.therapist_verdict or "")
        row += [
            "-" if a is None or a.peak_n is None else f"{a.peak_n:.1f}",
            break_figures(None if a is None else a.primary) or "-",
            t.calibration_id or "-",
        ]
        if offline is not None:
            row.append(offline.source(t))
        rows.append(row)
    headers = ["date", "test", "muscle", "side", "condition", "target", "verdict"]
    if therapist:
        headers.append("therapist")
    headers += ["peak N", "break", "calibration"]
    if offline is not None:
        headers.append("from")
    print_table(headers, rows)
    if offline is not None and any(t.id < 0 for t in tests):
        print("(a negative test number is the server's test of that number, read-only here)")
    return 0
