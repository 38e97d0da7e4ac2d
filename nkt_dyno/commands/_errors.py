"""The one error path: an expected failure becomes one sentence on stderr, never a traceback.

Commands raise; :func:`nkt_dyno.cli.main` turns what a user can fix (a bad
value, an output that exists, a missing radio, closed input) into a sentence
and exit status 1. Anything else is a bug and keeps its traceback. The error
types of heavy packages are matched only once those packages are loaded, so
this module stays light to import.
"""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path

PREFIX = "nkt-dyno: error: "

_LOADED_ERRORS = (
    ("nkt_dyno.store", "StoreError"),
    ("calibration", "CalibrationError"),
    ("firmware_protocol", "ProtocolError"),
    ("nkt_dyno.clinic", "QtUnavailableError"),
    ("nkt_dyno.devices.virtual", "VirtualRadioError"),
)
"""Expected failures of packages a command may have loaded: (module, class)."""

NO_RADIO = (
    "Bluetooth is not available (no adapter, or no Bluetooth service running): "
    "switch Bluetooth on, or try a simulated device such as sim:progressor"
)


class UserError(Exception):
    """A failure the user can fix, already worded as one sentence."""


def fail(message: str) -> int:
    """Print one error sentence on stderr; the exit status of a failed command."""
    print(f"{PREFIX}{printable(message)}", file=sys.stderr)
    return 1


_CONTROL = dict.fromkeys(c for c in [*range(0x20), *range(0x7F, 0xA0)] if c != 0x0A)


def printable(text: str) -> str:
    """``text`` without control characters: a name must not drive the terminal (ANSI escapes)."""
    return text.translate(_CONTROL)


def check_input_file(name: str) -> None:
    """Raise the OS error the one path words well for a missing file or a folder.

    Without opening it: a pipe would block, and the reader refuses it itself.
    """
    path = Path(name)
    if not path.exists():
        raise FileNotFoundError(errno.ENOENT, "no such file", name)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", name)


def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    """An argparse type: a number above zero (seconds, a window)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


def sentence(exc: BaseException, *, radio: bool = False) -> str | None:
    """How to tell the user about ``exc``; None when it is a bug, not their problem.

    ``radio``: the command was talking to Bluetooth, so an OS error without a
    file name (D-Bus socket missing, adapter gone) means there is no radio.
    """
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, EOFError):
        return "no answer to the prompt (input closed): pass --yes to run without prompts"
    if isinstance(exc, TimeoutError):  # before OSError, its base class
        return str(exc) or "the device did not answer in time"
    if isinstance(exc, OSError):
        return _os_sentence(exc, radio=radio)
    if radio and _is_bleak_error(exc):
        return f"{NO_RADIO} ({exc})" if str(exc) else NO_RADIO
    if isinstance(exc, KeyError | IndexError):
        return None
    if isinstance(exc, (ValueError, LookupError, *_loaded_errors())):
        return str(exc) or type(exc).__name__
    return None


def _os_sentence(exc: OSError, *, radio: bool) -> str:
    name = exc.filename
    if name is None:
        if radio:
            return NO_RADIO
        return exc.strerror or str(exc)
    path = Path(str(name))
    if isinstance(exc, FileExistsError):
        return f"{path} already exists: choose another name, or remove it first"
    if isinstance(exc, IsADirectoryError):
        return f"{path} is a folder: give a file name"
    if isinstance(exc, NotADirectoryError):
        return f"{path}: part of this path is a file, not a folder"
    if isinstance(exc, FileNotFoundError):
        if not path.parent.exists():
            return f"the folder {path.parent} does not exist: create it first, or choose another"
        return f"{path} does not exist"
    if isinstance(exc, PermissionError):
        return f"{path}: permission denied"
    if exc.errno == errno.ENOSPC:
        return f"{path}: the disk is full"
    return f"{path}: {exc.strerror or exc}"


def _is_bleak_error(exc: BaseException) -> bool:
    module = sys.modules.get("bleak.exc")
    return module is not None and isinstance(exc, module.BleakError)


def _loaded_errors() -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    for module_name, class_name in _LOADED_ERRORS:
        module = sys.modules.get(module_name)
        if module is not None and hasattr(module, class_name):
            found.append(getattr(module, class_name))
    return tuple(found)
