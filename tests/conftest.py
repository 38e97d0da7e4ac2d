"""Fixtures every test shares: a private home, and the PostgreSQL server.

Every test runs with its own user data and config folders, so nothing a test
does reaches the real store, journals or settings of the person running the
suite (and nothing of theirs changes a test). The PostgreSQL fixtures give one
throwaway server per test run and one new database per test; they live here
(not in a helper module) so that every module shares the one session-scoped
server. A test asking for ``pg_url`` is skipped, with the reason, where no
PostgreSQL server binaries or no psycopg are installed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pgserver import Cluster, find_bin

_names = itertools.count(1)


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """User data, config, cache and state folders of this test alone; no store named."""
    home = tmp_path_factory.mktemp("home")
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(home / var.lower()))
    for var in ("NKT_DYNO_DB", "NKT_DYNO_LOCAL_DB"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """A running server for the whole run; stopped and deleted afterwards."""
    bin_dir = find_bin()
    if bin_dir is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl): install the postgresql "
            "package or set NKT_DYNO_PG_BIN to run the server tests"
        )
    try:
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401
    except ImportError:
        pytest.skip('the server extra is not installed: pip install -e ".[server]"')
    cluster = Cluster(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> Iterator[str]:
    """A new database on the test server, as a superuser URL; the server is running."""
    if not pg_cluster.running:
        pg_cluster.start()
    yield pg_cluster.create_database(f"t{next(_names)}")
    if not pg_cluster.running:
        pg_cluster.start()


def server_store_url(url: str, site: str = "main") -> str:
    """Set up the nkt-dyno schema and one site in the database at ``url``; return ``url``.

    With a single site, every connection saves its new clients there.
    """
    from nkt_dyno.store import Store
    from nkt_dyno.store._server import ServerStore

    with Store.open(url) as store:
        assert isinstance(store, ServerStore)
        store.add_site(site)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store on each backend: a new SQLite file's path, or a new server database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite3")
    return server_store_url(request.getfixturevalue("pg_url"))
