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
from pathlib import Path

from PySide6.QtWidgets import QApplication

from gui._script import run_calibration, run_protocol, run_tests
from gui._window import MainWindow
from nkt_dyno.store import Store


def _open_store(args: argparse.Namespace, scratch: Path) -> Store:
    """The store ``--db`` names; a simulated or scripted run without one gets a scratch store.

    Simulated tests and their demo client must never land among the therapist's
    real clients unless asked for with ``--db``.
    """
    if args.db is None and (args.simulate or args.exit_after is not None):
        return Store.open(scratch / "demo.db")
    return Store.open(args.db)


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
        store = _open_store(args, Path(scratch))
        # a scratch store's tests are journalled beside it, never among the user's journals
        journals = Path(scratch) / "journal" if store.path.parent == Path(scratch) else None
        window = MainWindow(store, journals=journals)
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
