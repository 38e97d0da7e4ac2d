"""A throwaway PostgreSQL cluster for the tests: initdb into a temp folder, a Unix socket.

The server binaries come from ``$NKT_DYNO_PG_BIN``, else ``PATH``, else the
newest ``/usr/lib/postgresql/*/bin``. PostgreSQL refuses to run as root, so
under root the cluster belongs to (and runs as) the ``postgres`` user, else
``nobody``. The server listens on a socket in its own folder only (no TCP
port; ``tcp`` adds 127.0.0.1 on a free port, for a benchmark over loopback),
with ``trust`` authentication: the tests exercise roles and row-level
security, not passwords. ``fsync`` is off unless ``durable`` (a clean stop
still writes everything), which keeps a cluster's start to about a second;
a benchmark wants ``durable``, as a clinic's server is.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

PORT = 5432
"""Only names the socket file; the folder is private to this cluster."""


def find_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, or None where PostgreSQL is absent."""
    env = os.environ.get("NKT_DYNO_PG_BIN", "").strip()
    if env:
        return Path(env) if (Path(env) / "pg_ctl").exists() else None
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    folders = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2] or 0)
    )
    for folder in reversed(folders):
        if (Path(folder) / "pg_ctl").exists() and (Path(folder) / "initdb").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    """A loopback TCP port nobody listens on now (for a benchmark over loopback)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_user() -> str | None:
    """Who runs the server: ourselves, unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root with neither a postgres nor a nobody user")


class Cluster:
    """One cluster: :meth:`start`, :meth:`stop` (and start again), :meth:`remove`."""

    def __init__(self, bin_dir: Path, *, durable: bool = False, tcp: bool = False) -> None:
        self.bin = bin_dir
        self.durable = durable
        self.port = _free_port() if tcp else PORT
        self.tcp = tcp
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="nkt-dyno-pg-"))
        self.data = self.root / "data"
        self.socket = self.root
        self.log = self.root / "server.log"
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip

    def _run(self, tool: str, *args: str) -> None:
        argv = [str(self.bin / tool), *args]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed: {done.stderr.strip()}\n{log[-2000:]}")

    def start(self) -> None:
        listen = "127.0.0.1" if self.tcp else ""
        options = (
            f"-k {self.socket} -p {self.port} -c listen_addresses='{listen}' -c max_connections=60"
        )
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
                  "-l", str(self.log), "-o", options)  # fmt: skip

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, committed work is kept."""
        self._run("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", str(self.data))

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.running:
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres", user: str = "postgres") -> str:
        if self.tcp:
            return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"
        return f"postgresql://{user}@/{dbname}?host={self.socket}&port={self.port}"

    def create_database(self, name: str) -> str:
        """A new empty database; returns its superuser URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
