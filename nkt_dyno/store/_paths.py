"""Where the store lives: ``--db``, else ``$NKT_DYNO_DB``, else the user data dir.

Either may name a PostgreSQL server (``postgresql://…``) instead of a file; the
workstation then keeps a local file too, for work saved while the server is away.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_VAR = "NKT_DYNO_DB"
FILE_NAME = "nkt-dyno.sqlite3"
LOCAL_VAR = "NKT_DYNO_LOCAL_DB"
SERVER_SCHEMES = ("postgresql://", "postgres://")
_CONNINFO_WORD = re.compile(r"\s*(host|hostaddr|port|dbname|user|service|sslmode)\s*=")


def is_server(ref: str | os.PathLike[str] | None) -> bool:
    """Whether ``--db`` (or ``$NKT_DYNO_DB`` when None) names a PostgreSQL server, not a file.

    Both libpq forms count: a ``postgresql://`` URL and ``key=value`` words
    (``service=clinic``, ``host=db dbname=nkt``), which must never become a file name.
    """
    if ref is None:
        ref = os.environ.get(ENV_VAR, "").strip()
    return isinstance(ref, str) and (
        ref.startswith(SERVER_SCHEMES) or _CONNINFO_WORD.match(ref) is not None
    )


def server_url(ref: str | None) -> str:
    """The server connection string that ``--db`` or ``$NKT_DYNO_DB`` gives."""
    return ref if ref is not None else os.environ.get(ENV_VAR, "").strip()


def default_path() -> Path:
    """The store file when none is given: ``$NKT_DYNO_DB``, else platformdirs.

    With ``$NKT_DYNO_DB`` naming a server this is the workstation's own file, where
    work waits while the server is away (``$NKT_DYNO_LOCAL_DB`` may move it).
    """
    env = os.environ.get(ENV_VAR, "").strip()
    if env and not is_server(env):
        return Path(env).expanduser()
    local = os.environ.get(LOCAL_VAR, "").strip()
    if local:
        return Path(local).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("nkt-dyno", appauthor=False)) / FILE_NAME


def resolve_path(path: str | os.PathLike[str] | None) -> Path:
    return Path(path).expanduser() if path is not None else default_path()
