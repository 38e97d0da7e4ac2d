"""The ``nkt-dyno`` command line.

Each sub-command lives in ``nkt_dyno.commands.<name>`` and exposes
``register(subparsers)``; those modules import only argparse-level code at
import time, so ``nkt-dyno --help`` stays fast (numpy, scipy and Qt are
imported inside the command that needs them).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from nkt_dyno import __version__
from nkt_dyno.commands._errors import fail, sentence

COMMANDS: tuple[str, ...] = (
    "demo",
    "scan",
    "record",
    "recover",
    "tare",
    "calibrate",
    "verify",
    "analyze",
    "gui",
    "client",
    "session",
    "test",
    "protocol",
    "history",
    "replay",
    "reanalyze",
    "export",
    "import_",
    "muscle",
    "examiner",
    "report",
    "store",
)
"""Sub-command modules, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nkt-dyno",
        description="Objective manual muscle testing with a handheld dynamometer.",
    )
    parser.add_argument("--version", action="version", version=f"nkt-dyno {__version__}")
    parser.add_argument(
        "--db",
        dest="main_db",
        metavar="PATH",
        help="store file, for every command (also accepted after the command)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"nkt_dyno.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if getattr(args, "db", None) is None:
        args.db = args.main_db
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        message = sentence(exc, radio=_uses_radio(args))
        if message is None:
            raise
        return fail(message)


def _uses_radio(args: argparse.Namespace) -> bool:
    """Whether the command talks to Bluetooth (a real device, or a scan)."""
    device = getattr(args, "device", None)
    return args.command == "scan" or (device is not None and not device.startswith("sim:"))


if __name__ == "__main__":
    sys.exit(main())
