"""``nkt-dyno gui``: the desktop application, and its scripted mode for demos and checks.

Only argparse here: Qt, pyqtgraph and the application load inside :func:`run`,
so ``nkt-dyno --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from nkt_dyno.commands._choices import SIDES
from nkt_dyno.commands._errors import UserError
from nkt_dyno.commands._storecli import add_db_argument
from nkt_dyno.commands.calibrate import add_sim_error_argument, parse_masses

SIMULATED_DEVICES = ("progressor", "cts500", "forceboard", "whc06", "activ5", "openprofile")
SCREENS = ("live", "protocol", "session", "replay", "calibration")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``nkt-dyno gui`` (and so of the ``nkt-dyno-gui`` launcher)."""
    add_db_argument(p)
    p.add_argument(
        "--simulate",
        choices=SIMULATED_DEVICES,
        help="connect to a simulated device of this kind on the virtual radio and run a test "
        "(its tests go to a scratch store that is deleted on exit, unless --db is given)",
    )
    p.add_argument(
        "--scenario",
        help="synthetic case(s) the simulated device plays, comma-separated, one test each "
        "(hold, break, ...; default break); with two or more the tests are saved and compared. "
        "With --show protocol: role=case[@N],... as for 'protocol run'",
    )
    p.add_argument("--seed", type=int, default=3, help="seed of the synthetic efforts")
    p.add_argument("--show", choices=SCREENS, default="live", help="screen shown at the end")
    p.add_argument(
        "--muscle", default="gluteus medius", help="muscle of a scripted protocol (--show protocol)"
    )
    p.add_argument("--side", choices=SIDES, default="L", help="side of a scripted protocol")
    p.add_argument(
        "--challenge",
        action="append",
        metavar="MUSCLE",
        help="touched muscle of a scripted protocol's challenge, repeatable (default TFL)",
    )
    p.add_argument("--replay", metavar="TRACE", help="open a trace CSV in the replay screen")
    p.add_argument(
        "--calibrate",
        metavar="DEVICE",
        help="run the calibration wizard on DEVICE (e.g. sim:progressor), answering each "
        "prompt once the reading is still, then verify with the middle mass",
    )
    p.add_argument(
        "--masses",
        type=parse_masses,
        default=[0.0, 5.0, 10.0, 20.0],
        help="masses for --calibrate, kg, comma separated (default 0,5,10,20)",
    )
    add_sim_error_argument(p)
    p.add_argument("--screenshot", metavar="PNG", help="save the window to this file on exit")
    p.add_argument(
        "--exit-after", type=float, metavar="S", help="quit after this many seconds (scripted mode)"
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("gui", help="open the desktop application")
    add_arguments(p)
    p.set_defaults(run=run)


def launch() -> int:
    """The ``nkt-dyno-gui`` launcher: ``nkt-dyno gui`` with the same options and errors.

    It lives here, not in the Qt package, so that without Qt installed it can
    still start and say how to install it.
    """
    from nkt_dyno.cli import main

    return main(["gui", *sys.argv[1:]])


def check(args: argparse.Namespace) -> None:
    """Refuse options that would be ignored, before Qt loads (UserError)."""
    if args.show == "session" and not args.simulate:
        raise UserError(
            "--show session needs --simulate: it shows the tests a simulated device has just "
            "recorded (open the Session tab in the window to see stored sessions)"
        )


def run(args: argparse.Namespace) -> int:
    check(args)
    try:
        import PySide6  # noqa: F401  (the optional Qt binding; only its absence matters here)
    except ImportError:
        print(
            "nkt-dyno: error: the desktop application needs Qt: "
            "install it with `pip install 'nkt-dyno[gui]'`",
            file=sys.stderr,
        )
        return 1
    from gui.app import run_app

    return run_app(args)
