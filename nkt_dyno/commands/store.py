"""``nkt-dyno store``: which store the commands use, and what lies beside it.

``--db``, ``$NKT_DYNO_DB`` and the platform's data folder decide the store;
a user with several (a clinic's, a test one) must be able to ask which one
a command would open. For a clinic's server it also says whether the server
answers, for which site this workstation saves, and how many tests wait in
the workstation's own file for upload. Nothing is created or changed here.

``nkt-dyno store push --to postgresql://…`` uploads a store file to the
clinic's server; run again after an interruption, it adds only what is
missing. ``store site NAME`` and ``store grant ROLE SITE`` are the
administrator's: sites are declared, and each therapist's role granted the
sites whose clients it may see.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._errors import fail
from nkt_dyno.commands._storecli import add_db_argument, with_store

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from nkt_dyno.store import Store
    from nkt_dyno.store._server import ServerStore


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("store", help="which store the commands use; upload to a server")
    add_db_argument(p)
    p.set_defaults(run=run)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    push = actions.add_parser(
        "push", help="upload a store file (--db) to the clinic's server; safe to repeat"
    )
    push.add_argument("--to", required=True, metavar="URL", help="postgresql://role@host/db")
    push.add_argument("--site", help="the site its clients belong to (default: $NKT_DYNO_SITE)")
    push.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH", help="the store file")
    push.set_defaults(run=run_push)
    site = actions.add_parser("site", help="declare a site (clinic) on the server; admins only")
    site.add_argument("name")
    site.add_argument("--db", default=argparse.SUPPRESS, metavar="URL", help="the server")
    site.set_defaults(run=run_site)
    grant = actions.add_parser(
        "grant", help="let a database role work with a site's clients; admins only"
    )
    grant.add_argument("role", help="the therapist's database role")
    grant.add_argument("site")
    grant.add_argument("--db", default=argparse.SUPPRESS, metavar="URL", help="the server")
    grant.set_defaults(run=run_grant)


def run(args: argparse.Namespace) -> int:
    from nkt_dyno.devices._calibrations import FOLDER as CALIBRATIONS
    from nkt_dyno.journal import folder, unsaved
    from nkt_dyno.store import default_path
    from nkt_dyno.store._paths import is_server, resolve_path

    if is_server(args.db):
        status = _describe_server(args.db)
    else:
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


def _describe_server(db: str | None) -> int:
    """The server, its state and site, and what waits for it in this workstation's file."""
    from nkt_dyno.store import ServerUnreachableError, Store, StoreError, default_path
    from nkt_dyno.store._paths import server_url
    from nkt_dyno.store._store import require_server_packages

    try:
        require_server_packages()
    except StoreError as exc:
        return fail(str(exc))
    from nkt_dyno.store._server import ServerStore, display_url

    url = server_url(db)
    print(f"store: server {display_url(url)}")
    local = default_path()
    server_uid = None
    try:
        with Store.open(url) as store:
            assert isinstance(store, ServerStore)
            print(f"  connected; site {store.site or '(none chosen: set $NKT_DYNO_SITE)'}")
            _describe(store, argparse.Namespace())
            server_uid = store.server_uid()
    except ServerUnreachableError as exc:
        print(f"  not reachable: {exc}")
    except StoreError as exc:
        return fail(str(exc))
    if local.exists():
        print(f"local store: {local} ({_waiting(local, server_uid)})")
    else:
        print(f"local store: {local} (none yet)")
    print(f"history copy: {_copy_words(local)}")
    return 0


def _copy_words(local: Path) -> str:
    """What the copy of the server's history beside the workstation's file holds, and its age."""
    from nkt_dyno.store import Store
    from nkt_dyno.store._mirror import SYNCED, local_minute, mirror_path

    path = mirror_path(local)
    if not path.exists():
        return f"{path} (none yet: made when a client is opened while connected)"
    with Store.open(path, create=False, write=False) as copy:
        clients, tests = len(copy.clients()), len(copy.test_ids())
        row = copy._conn.execute("SELECT value FROM settings WHERE key = ?", (SYNCED,)).fetchone()
    when = local_minute(row[0]) if row else "never"
    return f"{path} ({clients} clients, {tests} tests; history as of {when})"


def _waiting(local: Path, server_uid: str | None) -> str:
    from nkt_dyno.store import Store
    from nkt_dyno.store._push import pending

    with Store.open(local, create=False) as store:
        if server_uid is None:
            return f"{len(store.test_ids())} tests; which wait for upload shows once connected"
        return f"{pending(store, server_uid)} tests waiting for upload"


def run_push(args: argparse.Namespace) -> int:
    from nkt_dyno.store import Store, StoreError
    from nkt_dyno.store._paths import is_server, resolve_path
    from nkt_dyno.store._push import push
    from nkt_dyno.store._store import require_server_packages

    if not is_server(args.to):
        return fail(f"--to must be a server, postgresql://role@host/db; got {args.to!r}")
    if args.db is not None and is_server(args.db):  # None: this workstation's file
        return fail("--db must name the store file to upload, not a server")
    path = resolve_path(args.db)
    try:
        require_server_packages()
        from nkt_dyno.store._server import ServerStore, display_url

        with Store.open(path, create=False) as local, Store.open(args.to) as server:
            assert isinstance(server, ServerStore)
            if args.site:
                server.use_site(args.site)
            done = push(local, server, since=0)
    except (StoreError, ValueError) as exc:
        return fail(str(exc))
    print(
        f"{done.uploaded} tests uploaded to {display_url(args.to)} "
        f"({done.already_there} were there already)"
    )
    return 0


def _on_server(args: argparse.Namespace, doing: str, act: Callable[[ServerStore], None]) -> int:
    """Run an administrator's action on the server that ``--db`` names."""
    from nkt_dyno.store import Store, StoreError
    from nkt_dyno.store._paths import is_server
    from nkt_dyno.store._store import require_server_packages

    if not is_server(args.db):
        return fail(f"{doing} needs the server: give --db postgresql://role@host/db")
    try:
        require_server_packages()
        from nkt_dyno.store._server import ServerStore

        with Store.open(args.db) as store:
            assert isinstance(store, ServerStore)
            act(store)
    except StoreError as exc:
        return fail(str(exc))
    return 0


def run_site(args: argparse.Namespace) -> int:
    status = _on_server(args, "adding a site", lambda s: s.add_site(args.name))
    if status == 0:
        print(f"site {args.name} is declared")
    return status


def run_grant(args: argparse.Namespace) -> int:
    status = _on_server(args, "granting a site", lambda s: s.grant_site(args.role, args.site))
    if status == 0:
        print(f"role {args.role} may now work with the clients of site {args.site}")
    return status
