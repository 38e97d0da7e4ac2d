"""``nkt-dyno session start|list``: one visit of a client, grouping its tests."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._storecli import add_db_argument, local_time, print_table, with_store

if TYPE_CHECKING:
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("session", help="start or list sessions")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    start = sub.add_parser("start", help="start a session for a client")
    start.add_argument("--client", required=True, help="client id or exact name")
    start.add_argument("--examiner", help="examiner's name (added if new)")
    start.add_argument("--notes", default="")
    add_db_argument(start)
    start.set_defaults(run=with_store(_start))
    listing = sub.add_parser("list", help="list sessions")
    listing.add_argument("--client", help="only this client's (id or exact name)")
    add_db_argument(listing)
    listing.set_defaults(run=with_store(_list, reading=True))


def _start(store: Store, args: argparse.Namespace) -> int:
    client = store.find_client(args.client)
    session = store.start_session(client.id, examiner=args.examiner, notes=args.notes)
    print(f"started session {session.id} for {client.name} (client {client.id})")
    return 0


def _list(store: Store, args: argparse.Namespace) -> int:
    client_id = store.find_client(args.client).id if args.client else None
    names = {c.id: c.name for c in store.clients()}
    rows = []
    for s in store.sessions(client_id):
        examiner = store.get_examiner(s.examiner_id).name if s.examiner_id else ""
        client = f"{names.get(s.client_id, '?')} ({s.client_id})"
        rows.append((s.id, local_time(s.started), client, examiner, len(store.tests(s.id))))
    print_table(("id", "started", "client", "examiner", "tests"), rows)
    return 0
