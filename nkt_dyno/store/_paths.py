"""Where the store lives: ``--db``, else ``$NKT_DYNO_DB``, else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "NKT_DYNO_DB"
FILE_NAME = "nkt-dyno.sqlite3"


def default_path() -> Path:
    """The store path when none is given: the environment variable, else platformdirs."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("nkt-dyno", appauthor=False)) / FILE_NAME


def resolve_path(path: str | os.PathLike[str] | None) -> Path:
    return Path(path).expanduser() if path is not None else default_path()
