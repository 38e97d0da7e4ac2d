"""Writing files that hold health data: private, whole, and never over someone else's.

Everything nkt-dyno writes may name a client or an operator, so files are
created 0600 and folders 0700 (a folder that exists already is the user's
and is left as it is). A file appears whole or not at all: it is written
under a temporary name and renamed, or linked when it must not replace an
existing file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path


def private_dir(path: str | os.PathLike[str]) -> Path:
    """``path`` as a folder, created 0700 (with its parents) if missing."""
    p = Path(path)
    p.mkdir(mode=0o700, parents=True, exist_ok=True)
    return p


def write_private(
    path: str | os.PathLike[str], text: str, *, encoding: str = "utf-8", replace: bool = True
) -> None:
    """Write ``text`` to ``path`` atomically, mode 0600.

    With ``replace=False`` an existing file is kept and :class:`FileExistsError` raised.
    """
    p = Path(path)
    # Errors name the file asked for, not the temporary file beside it.
    if p.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder", str(p))
    if not p.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(p))
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, p)
        else:
            os.link(tmp, p)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
