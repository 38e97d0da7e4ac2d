"""Store benchmark: save time, history of a large store, file size per test.

Targets (DESIGN §5): save a test < 20 ms; open a store of 10,000 tests and
list one client's history < 1 s. With ``--server``, the same on a clinic's
PostgreSQL server, side by side (issue 16: save < 20 ms median over
loopback; one client's history in a 100,000-test server store < 100 ms).

    python bench/store.py [--tests 10000] [--saves 200] [--dir DIR]
        [--server postgresql://… [--server-tests 100000] [--workers 4]]

With ``--server`` it also times copying one client's history to a
workstation for offline use, and rooms saving at once: 1 process, then
``--workers`` processes, each saving to its own client, as the window saves
(the client's visit, then the test); total saves per second side by side.

The file stores are built in a temporary folder (or ``--dir``) and removed
after. ``--server`` names an empty scratch database that the bench fills
(schema, one site, tests) and leaves as it is. The large server store is
filled in bulk (COPY) with 1-s filler traces: listing a history reads no
trace, and 100,000 full 10-s traces would take 6 GB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from nkt_dyno.store import NewAnalysis, Store
from nkt_dyno.store._store import now
from nkt_dyno.trace import Trace

RATE_HZ = 1000
DURATION_S = 10.0
TESTS_PER_SESSION = 25
SESSIONS_PER_CLIENT = 4


def recording(seed: int) -> Trace:
    """A 10-s 1 kHz break test as a device delivers it: float32 kg readings in newtons."""
    rng = np.random.default_rng(seed)
    n = int(DURATION_S * RATE_HZ)
    t = 1000.0 + seed + np.arange(n) / RATE_HZ
    kg = np.interp(t - t[0], [0, 2, 3.5, 6, 6.3, 8, 8.5, 10], [0, 0, 15, 15, 9, 9, 0, 0])
    kg = (kg + 0.2 + rng.normal(0, 0.03, n)).astype(np.float32)
    return Trace(t=t, force=kg.astype(np.float64) * 9.80665, metadata={"sample_rate_hz": "1000"})


ANALYSIS = NewAnalysis(
    "bench",
    [{"verdict": "break", "peak_n": 147.1, "break_ratio": 0.61, "onset_s": 2.0, "reasons": []}],
)


def bench_save(folder: Path, saves: int) -> tuple[list[float], float]:
    """Save ``saves`` tests; return per-save times (s) and the file size per test (bytes)."""
    path = folder / "save.sqlite3"
    traces = [recording(i) for i in range(10)]
    times = []
    with Store.open(path) as store:
        sid = store.start_session(store.add_client("Bench").id).id
        for i in range(saves):
            trace = traces[i % len(traces)]
            start = time.perf_counter()
            store.save_test(
                sid, muscle="gluteus medius", side="L", condition="baseline", trace=trace,
                analysis=ANALYSIS,
            )  # fmt: skip
            times.append(time.perf_counter() - start)
    # Closing checkpoints the WAL into the main file, so its size is the whole store.
    return times, path.stat().st_size / saves


def build(path: Path, tests: int) -> None:
    traces = [recording(i) for i in range(20)]
    muscles = ["psoas", "gluteus medius", "tensor fasciae latae", "piriformis", "SCM"]
    conditions = ["baseline", "challenge", "retest"]
    per_client = TESTS_PER_SESSION * SESSIONS_PER_CLIENT
    start = time.perf_counter()
    with Store.open(path) as store:
        done = 0
        while done < tests:
            client = store.add_client(f"Client {done // per_client}").id
            for _ in range(SESSIONS_PER_CLIENT):
                sid = store.start_session(client, examiner="Bench").id
                for _ in range(min(TESTS_PER_SESSION, tests - done)):
                    store.save_test(
                        sid,
                        muscle=muscles[done % len(muscles)],
                        side="LR"[done % 2],
                        condition=conditions[done % len(conditions)],
                        trace=traces[done % len(traces)],
                        analysis=ANALYSIS,
                    )
                    done += 1
                if done % 500 == 0 or done == tests:
                    rate = done / (time.perf_counter() - start)
                    print(f"\r  building: {done}/{tests} tests ({rate:.0f}/s)", end="", flush=True)
                if done >= tests:
                    break
    print()


def bench_history(path: Path, repeats: int = 5) -> list[float]:
    """Open the store and list the history of a client in the middle; return times (s)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        with Store.open(path) as store:
            clients = store.clients()
            rows = store.history(clients[len(clients) // 2].id)
        times.append(time.perf_counter() - start)
        assert len(rows) > 0
    return times


def bench_save_server(url: str, saves: int) -> list[float]:
    """Save ``saves`` 10-s tests on the server; return per-save times (s)."""
    traces = [recording(i) for i in range(10)]
    times = []
    with Store.open(url) as store:
        sid = store.start_session(store.add_client("Bench").id).id
        for i in range(saves):
            start = time.perf_counter()
            store.save_test(
                sid, muscle="gluteus medius", side="L", condition="baseline",
                trace=traces[i % len(traces)], analysis=ANALYSIS,
            )  # fmt: skip
            times.append(time.perf_counter() - start)
    return times


def _room(url: str, client: int, saves: int, ready: Any, done: Any) -> None:
    """One room's process: connect, wait for the others, save ``saves`` tests for ``client``."""
    traces = [recording(i) for i in range(10)]
    with Store.open(url) as store:
        ready.wait()
        for i in range(saves):
            sid = store.visit_session(client)
            store.save_test(
                sid, muscle="gluteus medius", side="L", condition="baseline",
                trace=traces[i % len(traces)], analysis=ANALYSIS,
            )  # fmt: skip
        done.put(time.monotonic())


def bench_rooms(url: str, rooms: int, saves: int) -> float:
    """Saves per second, all rooms together, with ``rooms`` processes saving at once."""
    with Store.open(url) as store:
        clients = [store.add_client(f"Room {k}").id for k in range(rooms)]
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(rooms + 1)
    done = spawn.Queue()
    procs = [spawn.Process(target=_room, args=(url, c, saves, ready, done)) for c in clients]
    for proc in procs:
        proc.start()
    ready.wait(timeout=120)
    start = time.monotonic()
    ends = [done.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"a room's process failed (exit code {proc.exitcode})")
    return rooms * saves / (max(ends) - start)


def bench_copy_server(url: str, folder: Path) -> tuple[float, float, int]:
    """Copy the client of the timed saves for offline use, then refresh the copy.

    Returns the two times (s) and the traces copied the first time.
    """
    from nkt_dyno.store._mirror import follow, refresh
    from nkt_dyno.store._server import ServerStore

    local = folder / "workstation.sqlite3"
    with Store.open(url) as store:
        assert isinstance(store, ServerStore)
        client = max(c.id for c in store.clients() if c.name == "Bench")
        start = time.perf_counter()
        copied = follow(local, store, [client])
        first = time.perf_counter() - start
        start = time.perf_counter()
        refresh(local, store)
        again = time.perf_counter() - start
    return first, again, copied


def build_server(url: str, tests: int) -> None:
    """Fill the server store to ``tests`` tests in bulk: clients and sessions, then COPY."""
    import json

    from nkt_dyno.store._codec import CODEC, encode
    from nkt_dyno.store._server import ServerStore

    n = RATE_HZ  # 1-s filler traces
    t = encode(np.arange(n) / RATE_HZ)
    force = encode(recording(0).force[:n])
    efforts = json.dumps(ANALYSIS.efforts)
    per_client = TESTS_PER_SESSION * SESSIONS_PER_CLIENT
    start = time.perf_counter()
    with Store.open(url) as store:
        assert isinstance(store, ServerStore)
        pg = store._conn.pg
        have = len(store.test_ids())
        next_id = int(pg.execute("SELECT coalesce(max(id), 0) + 1 FROM tests").fetchone()[0])
        while have < tests:
            client = store.add_client(f"Client {have // per_client}").id
            sessions = [store.start_session(client).id for _ in range(SESSIONS_PER_CLIENT)]
            count = min(per_client, tests - have)
            ids = range(next_id, next_id + count)
            with pg.transaction():
                with pg.cursor().copy(
                    "COPY tests (id, session_id, recorded, muscle, side, condition) FROM STDIN"
                ) as copy:
                    for k, tid in enumerate(ids):
                        copy.write_row((tid, sessions[k // TESTS_PER_SESSION], now(),
                                        "psoas", "LR"[k % 2], "baseline"))  # fmt: skip
                with pg.cursor().copy(
                    "COPY traces (test_id, codec, n, t, force, metadata) FROM STDIN"
                ) as copy:
                    for tid in ids:
                        copy.write_row((tid, CODEC, n, t, force, "{}"))
                with pg.cursor().copy(
                    "COPY analyses (test_id, engine_version, created, verdict, peak_n, "
                    "break_ratio, efforts) FROM STDIN"
                ) as copy:
                    for tid in ids:
                        copy.write_row((tid, "bench", now(), "break", 147.1, 0.61, efforts))
            next_id += count
            have += count
            if have % 5000 == 0 or have == tests:
                rate = have / (time.perf_counter() - start)
                print(f"\r  building: {have}/{tests} tests ({rate:.0f}/s)", end="", flush=True)
        for table in ("tests", "analyses"):
            pg.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        pg.execute("ANALYZE")
    print()


def bench_history_server(url: str, repeats: int = 20) -> tuple[list[float], int]:
    """List the history of a client in the middle, on an open connection; times (s), rows."""
    times = []
    with Store.open(url) as store:
        clients = store.clients()
        middle = clients[len(clients) // 2].id
        for _ in range(repeats):
            start = time.perf_counter()
            rows = store.history(middle)
            times.append(time.perf_counter() - start)
    return times, len(rows)


def _server(url: str, saves: int, tests: int, workers: int) -> None:
    from nkt_dyno.store._server import ServerStore, display_url

    print(f"server {display_url(url)}:")
    with Store.open(url) as store:
        assert isinstance(store, ServerStore)
        if store.site is None:
            store.add_site("bench")
    roles = (("the owner", url), ("a therapist (row-level security)", _therapist(url)))
    build_server(url, tests)
    for who, where in roles:
        ms = sorted(1e3 * t for t in bench_save_server(where, saves))
        print(f"  save a {DURATION_S:.0f}-s {RATE_HZ} Hz test into it ({saves} saves), as {who}: "
              f"median {statistics.median(ms):.2f} ms, p90 {ms[int(0.9 * len(ms))]:.2f} ms, "
              f"max {ms[-1]:.2f} ms   (target < 20 ms)")  # fmt: skip
    for who, where in roles:
        hist, rows = bench_history_server(where)
        print(f"  one client's history ({rows} tests) in a {tests}-test store, as {who}: "
              f"median {statistics.median(1e3 * t for t in hist):.1f} ms, "
              f"max {1e3 * max(hist):.1f} ms   (target < 100 ms)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        first, again, copied = bench_copy_server(roles[1][1], Path(tmp))
    print(f"  copy one client's history ({copied} tests, with traces) to a workstation for "
          f"offline use, as a therapist: {1e3 * first:.0f} ms; refresh when nothing changed: "
          f"{1e3 * again:.0f} ms")  # fmt: skip
    per_room = max(1, saves // 2)
    one = bench_rooms(roles[1][1], 1, per_room)
    many = bench_rooms(roles[1][1], workers, per_room)
    print(f"  rooms saving at once, each to its own client ({per_room} saves each, visit + test, "
          f"as a therapist): 1 process {one:.0f} saves/s, {workers} processes {many:.0f} saves/s "
          f"together ({many / one:.2f}x)")  # fmt: skip


def _therapist(url: str) -> str:
    """A therapist's role granted the bench's site, and its URL (the owner's, another user)."""
    from urllib.parse import urlsplit, urlunsplit

    from nkt_dyno.store._server import ServerStore

    with Store.open(url) as store:
        assert isinstance(store, ServerStore) and store.site is not None
        store._conn.execute("DROP ROLE IF EXISTS nkt_bench_therapist")
        store._conn.execute("CREATE ROLE nkt_bench_therapist LOGIN IN ROLE nkt_therapist")
        store.grant_site("nkt_bench_therapist", store.site)
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"nkt_bench_therapist@{host}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=10_000, help="tests in the large store")
    parser.add_argument("--saves", type=int, default=200, help="saves to time")
    parser.add_argument("--dir", type=Path, help="folder for the stores (default: temporary)")
    parser.add_argument(
        "--server", metavar="URL", help="an empty scratch server database, as a postgresql:// URL"
    )
    parser.add_argument("--server-tests", type=int, default=100_000, help="tests on the server")
    parser.add_argument(
        "--workers", type=int, default=4, help="processes saving at once on the server"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        print(f"save a {DURATION_S:.0f}-s {RATE_HZ} Hz test ({args.saves} saves):")
        times, size = bench_save(folder, args.saves)
        ms = sorted(1e3 * t for t in times)
        print(f"  median {statistics.median(ms):.2f} ms, p90 {ms[int(0.9 * len(ms))]:.2f} ms, "
              f"max {ms[-1]:.2f} ms   (target < 20 ms)")  # fmt: skip
        print(f"  file size per test: {size / 1024:.1f} KiB "
              f"(raw samples: {DURATION_S * RATE_HZ * 16 / 1024:.1f} KiB)")  # fmt: skip
        print(f"store with {args.tests} tests:")
        big = folder / "big.sqlite3"
        build(big, args.tests)
        print(f"  file: {big.stat().st_size / 2**20:.0f} MiB")
        hist = [1e3 * t for t in bench_history(big)]
        print(f"  open + one client's history: median {statistics.median(hist):.1f} ms, "
              f"max {max(hist):.1f} ms   (target < 1000 ms)")  # fmt: skip
    if args.server:
        _server(args.server, args.saves, args.server_tests, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
