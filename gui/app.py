"""Start the application: a QApplication, a qasync event loop, the main window.

qasync rather than QtAsyncio: bleak's Linux backend needs a full asyncio loop
(file descriptors, subprocess-free D-Bus), which qasync runs inside Qt's.
``nkt-dyno gui`` and the ``nkt-dyno-gui`` launcher (which runs it) come here.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication

from gui._script import run_calibration, run_protocol, run_tests
from gui._window import MainWindow
from nkt_dyno.store import Store


def _open_store(args: argparse.Namespace, scratch: Path) -> tuple[Store, str | None]:
    """The store ``--db`` names, and the line saying which it is (None: the file's path).

    A simulated or scripted run without ``--db`` gets a scratch store: simulated
    tests and their demo client must never land among the therapist's real clients
    unless asked for. A clinic's server that does not answer leaves this
    workstation's own file in use, and the line says so.
    """
    from nkt_dyno.store._paths import is_server, server_url

    if args.db is None and (args.simulate or args.exit_after is not None):
        return Store.open(scratch / "demo.db"), "store: a scratch store (removed on exit)"
    if is_server(args.db):
        from nkt_dyno.store._workstation import open_workstation, status_line

        opened = open_workstation(server_url(args.db))
        return opened.store, status_line(opened)
    return Store.open(args.db), None


def _offline_store(
    args: argparse.Namespace, store: Store
) -> Callable[[], tuple[Store, Callable[[], str]]] | None:
    """For a server store: what opens this workstation's file if the server goes away."""
    from nkt_dyno.store._paths import is_server, server_url

    if not is_server(args.db):
        return None
    from nkt_dyno.store._server import ServerStore

    if not isinstance(store, ServerStore):
        return None  # the server was away from the start: the file is in use already

    def fall_back() -> tuple[Store, Callable[[], str]]:
        from nkt_dyno.store._workstation import offline_line, open_offline

        url = server_url(args.db)
        local = open_offline(url).store
        return local, lambda: offline_line(local)

    return fall_back


async def _script(window: MainWindow, args: argparse.Namespace) -> None:
    if args.replay:
        if args.exit_after is not None:  # scripted: the whole replay before the screenshot
            window.replay.speed.setCurrentText("instant")
        window.replay.open_file(args.replay)
    if args.simulate and args.show == "protocol":
        await run_protocol(
            window,
            args.simulate,
            args.scenario,
            args.seed,
            muscle=args.muscle,
            side=args.side,
            challenges=args.challenge or ["TFL"],
        )
    elif args.simulate:
        cases = [c.strip() for c in (args.scenario or "break").split(",") if c.strip()]
        saved = await run_tests(window, args.simulate, cases, args.seed)
        if args.show == "session" and saved:
            window.tabs.setCurrentWidget(window.session)
            window.session.select(saved)
        elif args.show == "replay" and saved:
            window.replay.speed.setCurrentText("instant")
            window.replay_test(saved[-1])
    if args.show == "replay":
        window.tabs.setCurrentWidget(window.replay)
    if args.calibrate:
        await run_calibration(window, args.calibrate, args.masses, args.sim_error)


async def _main(args: argparse.Namespace, app: QApplication) -> int:
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    with tempfile.TemporaryDirectory(prefix="nkt-dyno-") as scratch:
        store, status = _open_store(args, Path(scratch))
        # a scratch store's tests are journalled beside it, never among the user's journals
        in_scratch = Path(store.reference).parent == Path(scratch).resolve()
        journals = Path(scratch) / "journal" if in_scratch else None
        window = MainWindow(journals=journals)
        window.attach_store(store, status)
        window.offline = _offline_store(args, store)
        window.show()
        try:
            script = asyncio.ensure_future(_script(window, args))
            if args.exit_after is None:
                await closed.wait()
            else:
                await asyncio.sleep(args.exit_after)
                if script.done() and script.exception() is not None:
                    raise script.exception()  # type: ignore[misc]
                if args.screenshot:
                    window.grab().save(args.screenshot)
                    print(f"screenshot saved to {args.screenshot}")
            script.cancel()
        finally:
            window.shutdown()
            await window.calibration.shutdown()
            await window.link.close()
            window.close()
            store.close()
    return 0


def run_app(args: argparse.Namespace) -> int:
    """Run the application with parsed options; returns the exit status."""
    import qasync

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("nkt-dyno")
    return int(qasync.run(_main(args, app)))
