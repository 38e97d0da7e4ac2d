"""Nothing lost, nothing half-written: kills, read-only places, full disks, two processes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from nkt_dyno.store import NewAnalysis, Store, StoreWriteError
from nkt_dyno.trace import Trace

TESTS_DIR = str(Path(__file__).parent)


def seed_trace(seed: int, n: int = 10_000) -> Trace:
    """A 10-s 1 kHz recording determined by ``seed`` (so a child's saves can be checked)."""
    rng = np.random.default_rng(seed)
    return Trace(t=seed + np.arange(n) / 1000.0, force=rng.normal(100.0, 5.0, n))


def saver_script(db: Path, first_seed: int, count: int | None = None) -> str:
    """Python code that saves seeded tests in a loop, printing each id once committed."""
    loop = "itertools.count(first)" if count is None else f"range(first, first + {count})"
    return textwrap.dedent(
        f"""
        import itertools, sys
        sys.path.insert(0, {TESTS_DIR!r})
        from test_store_reliability import seed_trace
        from nkt_dyno.store import NewAnalysis, Store
        first = {first_seed}
        with Store.open({str(db)!r}) as store:
            session = store.sessions()[0].id
            for seed in {loop}:
                test_id = store.save_test(
                    session, muscle="psoas", side="L", condition="baseline",
                    trace=seed_trace(seed), notes=f"seed={{seed}}",
                    analysis=NewAnalysis("test", [{{"verdict": "hold", "peak_n": float(seed)}}]),
                )
                print(test_id, flush=True)
        """
    )


def new_store(path: Path) -> None:
    with Store.open(path) as store:
        store.start_session(store.add_client("Kill Test").id)


def save_until_refused(path: str) -> None:
    """Save tests until the store refuses, printing "saved" for each and then the error.

    Run inside a child process whose disk or file size is limited.
    """
    with Store.open(path) as store:
        try:
            for seed in range(100):
                store.save_test(
                    1,
                    muscle="psoas",
                    side="L",
                    condition="baseline",
                    trace=seed_trace(seed),
                    notes=f"seed={seed}",
                    analysis=NewAnalysis("test", [{"peak_n": seed}]),
                )
                print("saved", flush=True)
        except StoreWriteError as exc:
            print(exc)


def check_every_test_whole(store: Store) -> int:
    """Each saved test has its trace and analysis, exactly as its seed says; returns count."""
    ids = store.test_ids()
    for test_id in ids:
        test = store.get_test(test_id)
        seed = int(test.notes.removeprefix("seed="))
        assert test.analysis is not None and test.analysis.peak_n == seed
        expected = seed_trace(seed)
        got = store.load_trace(test_id)
        assert got.t.tobytes() == expected.t.tobytes()
        assert got.force.tobytes() == expected.force.tobytes()
    return len(ids)


def test_kill_during_saves_keeps_every_committed_test(tmp_path: Path) -> None:
    db = tmp_path / "kill.sqlite3"
    new_store(db)
    rng = random.Random(5)
    reported: list[int] = []
    for round_no in range(4):
        script = saver_script(db, first_seed=1000 * round_no)
        with subprocess.Popen(
            [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout is not None
            first = proc.stdout.readline()
            assert first, "the saver did not start"
            time.sleep(rng.uniform(0.02, 0.25))
            proc.send_signal(signal.SIGKILL)
            rest = proc.stdout.read()
            assert proc.wait() == -signal.SIGKILL
        reported += [int(x) for x in (first + rest).split()]
    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        assert set(reported) <= set(store.test_ids())
        assert check_every_test_whole(store) >= len(reported) >= 4


def unprivileged() -> list[str]:
    """Command prefix under which permission bits apply (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return []
    # In a new user namespace without a uid map, root's capabilities stop applying to
    # the machine's files: the owner bits decide, as for any user.
    probe = subprocess.run(["unshare", "--user", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip("running as root and user namespaces are unavailable")
    return ["unshare", "--user"]


def test_read_only_location_gives_a_clear_error_and_saves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "store.sqlite3"
    new_store(db)
    with Store.open(db) as store:
        store.save_test(1, muscle="psoas", side="L", condition="baseline", trace=seed_trace(1))
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {TESTS_DIR!r})
        from test_store_reliability import seed_trace
        from nkt_dyno.store import Store, StoreError
        for path in ({str(db)!r}, {str(folder / "new.sqlite3")!r}):
            try:
                with Store.open(path) as store:
                    store.save_test(1, muscle="psoas", side="L", condition="baseline",
                                    trace=seed_trace(2))
            except StoreError as exc:
                print(type(exc).__name__, exc)
        """
    )
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        done = subprocess.run(
            [*unprivileged(), sys.executable, "-c", script], capture_output=True, text=True
        )
    finally:
        folder.chmod(0o755)
        db.chmod(0o600)
    assert done.returncode == 0, done.stderr
    existing, new = done.stdout.splitlines()
    assert existing.startswith(f"StoreWriteError {db}: ")
    assert "read-only" in existing or "cannot be written" in existing
    assert new == f"StoreWriteError cannot create the store at {folder / 'new.sqlite3'}: " + (
        "Permission denied"
    )
    with Store.open(db) as store:
        assert store.test_ids() == [1]
        assert store.integrity_check() == "ok"


def test_full_store_gives_a_clear_error_and_no_partial_test(tmp_path: Path) -> None:
    db = tmp_path / "full.sqlite3"
    new_store(db)
    with Store.open(db) as store:
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        # SQLite's own size cap stands in for a full disk: writes fail with SQLITE_FULL.
        store._conn.execute(f"PRAGMA max_page_count = {pages + 60}")
        saved = []
        with pytest.raises(StoreWriteError, match=r"the disk is full.*nothing was written"):
            for seed in range(100):
                saved.append(
                    store.save_test(
                        1,
                        muscle="psoas",
                        side="L",
                        condition="baseline",
                        trace=seed_trace(seed),
                        notes=f"seed={seed}",
                        analysis=NewAnalysis("test", [{"verdict": "hold", "peak_n": seed}]),
                    )
                )
        assert 1 <= len(saved) < 100
        assert store.test_ids() == saved
    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        assert check_every_test_whole(store) == len(saved)


def test_full_disk_gives_a_clear_error_and_no_partial_test(tmp_path: Path) -> None:
    """A real full file system: a 1 MiB tmpfs mounted in a private mount namespace."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    namespaces = ["unshare", "--user", "--map-root-user", "--mount"]
    if subprocess.run([*namespaces, "true"], capture_output=True).returncode != 0:
        pytest.skip("user and mount namespaces are unavailable")
    db = mount / "store.sqlite3"
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {TESTS_DIR!r})
        from test_store_reliability import check_every_test_whole, new_store, save_until_refused
        from nkt_dyno.store import Store
        new_store({str(db)!r})
        save_until_refused({str(db)!r})
        with Store.open({str(db)!r}) as store:
            print(store.integrity_check(), check_every_test_whole(store))
        """
    )
    shell = f'mount -t tmpfs -o size=1m tmpfs {mount} && exec "$0" -c "$1"'
    done = subprocess.run(
        [*namespaces, "sh", "-c", shell, sys.executable, script],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    *saved, error, check = done.stdout.splitlines()
    assert saved and error == (
        f"{db}: saving the test failed: the disk is full (or the store reached its size "
        "limit); nothing was written"
    )
    assert check == f"ok {len(saved)}"


def test_file_size_limit_of_the_os_gives_a_clear_error(tmp_path: Path) -> None:
    """The operating system refuses to grow the files (as on a full disk)."""
    db = tmp_path / "fsize.sqlite3"
    new_store(db)
    limit = db.stat().st_size + 400_000
    script = textwrap.dedent(
        f"""
        import resource, signal, sys
        sys.path.insert(0, {TESTS_DIR!r})
        from test_store_reliability import save_until_refused
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
        save_until_refused({str(db)!r})
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    *saved, error = done.stdout.splitlines()
    assert saved and error.startswith(f"{db}: saving the test failed: ")
    assert "nothing was written" in error
    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        assert check_every_test_whole(store) == len(saved)


def test_two_processes_read_and_write_at_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite3"
    new_store(db)
    with (
        subprocess.Popen(
            [sys.executable, "-c", saver_script(db, first_seed=5000, count=25)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as other,
        Store.open(db, timeout_s=20.0) as store,
    ):
        for seed in range(25):
            store.save_test(
                1,
                muscle="psoas",
                side="L",
                condition="baseline",
                trace=seed_trace(seed),
                notes=f"seed={seed}",
                analysis=NewAnalysis("test", [{"verdict": "hold", "peak_n": seed}]),
            )
            assert len(store.history(1)) >= seed + 1
        out, err = other.communicate(timeout=60)
        assert other.returncode == 0, err
        assert len(out.split()) == 25
        assert store.integrity_check() == "ok"
        assert check_every_test_whole(store) == 50
