"""Input is bounded: wrong units, absurd forces, endless or blocking files, one huge line.

Each refusal is a sentence that says what was seen and how to fix it, and
comes fast: before the engine could allocate for a 2000-s or 12-day trace.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from test_store_core import make_trace

from nkt_dyno.cli import main
from nkt_dyno.store import ImportFormatError, Store, read_import
from nkt_dyno.trace import (
    Trace,
    TraceFormatError,
    read_trace,
    warnings_for,
    write_trace,
)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _hold(rate_hz: float, seconds: float, scale: float = 1.0) -> Trace:
    t = np.arange(int(rate_hz * seconds)) / rate_hz
    force = 5.0 + 120.0 * np.clip(np.sin(np.pi * t / seconds), 0, None)
    return Trace(t * scale, force)


@pytest.mark.parametrize(("scale", "unit"), [(1e6, "microseconds"), (1e3, "milliseconds")])
def test_a_time_column_in_other_units_is_refused_fast(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scale: float, unit: str
) -> None:
    path = tmp_path / "us.csv"
    write_trace(path, _hold(1000.0, 10.0, scale))
    started = time.monotonic()
    with pytest.raises(TraceFormatError, match=r"median .* s apart.*divide by 1000") as info:
        read_trace(path)
    assert unit in str(info.value)
    assert time.monotonic() - started < 1.0
    code, _, err = run(capsys, "analyze", str(path))
    assert code != 0 and "looks like milliseconds or microseconds" in err
    assert "Traceback" not in err


def test_absurd_forces_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("time_s,force_n\n" + "".join(f"{i / 80},1e300\n" for i in range(40)))
    with pytest.raises(TraceFormatError, match=r"force of 1e\+300 N, beyond any dynamometer"):
        read_trace(path)


@pytest.mark.parametrize("reader", [read_trace, read_import])
def test_pipes_and_devices_are_refused_without_reading(tmp_path: Path, reader: object) -> None:
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        started = time.monotonic()
        with pytest.raises((TraceFormatError, ImportFormatError), match="pipe or device"):
            reader(path)  # type: ignore[operator]
        assert time.monotonic() - started < 1.0


def test_one_huge_line_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "line.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("time_s,force_n\n")
        fh.write("1," * (10 * 2**20))  # 20 MiB without a line end
    tracemalloc.start()
    try:
        with pytest.raises(TraceFormatError, match=r":2: line longer than 64 KiB"):
            read_trace(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_a_long_trace_streams_in_flat_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    write_trace(path, _hold(1000.0, 200.0))  # 200,000 samples
    tracemalloc.start()
    try:
        trace = read_trace(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(trace) == 200_000
    assert peak < 12 * 8 * 200_000  # a few copies of the columns, not lists of floats


def test_an_inverted_trace_is_warned_and_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hold = _hold(80.0, 4.0)
    assert warnings_for(hold) == []
    path = tmp_path / "inverted.csv"
    write_trace(path, Trace(hold.t, -hold.force, metadata={"muscle": "psoas", "side": "L"}))
    db = tmp_path / "store.sqlite3"
    with Store.open(db) as store:
        store.add_client("Maria Example")
    code, out, err = run(capsys, "import", str(path), "--client", "1", "--db", str(db))
    assert code == 0 and "imported 320 samples" in out
    assert "looks inverted" in err


def test_imports_refuse_too_short_traces_and_warn_on_duplicates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "store.sqlite3"
    with Store.open(db) as store:
        store.add_client("Maria Example")
    short = tmp_path / "short.csv"
    short.write_text("# muscle: psoas\n# side: L\ntime_s,force_n\n0,1\n")
    code, _, err = run(capsys, "import", str(short), "--client", "1", "--db", str(db))
    assert code == 1 and "too short to analyse" in err
    with Store.open(db) as store:
        assert store.test_ids() == []

    path = tmp_path / "t.csv"
    trace = make_trace(5)
    write_trace(path, Trace(trace.t, trace.force, metadata={"muscle": "psoas", "side": "L"}))
    code, _, err = run(capsys, "import", str(path), "--client", "1", "--db", str(db))
    assert code == 0 and "same recording" not in err
    code, _, err = run(capsys, "import", str(path), "--client", "1", "--db", str(db))
    assert code == 0 and "is the same recording as test 1" in err


def test_analyze_and_import_take_tindeq_exports_and_several_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hold = _hold(80.0, 4.0)
    tindeq = tmp_path / "tindeq.csv"
    pairs = zip(hold.t.tolist(), (hold.force / 9.80665).tolist(), strict=True)
    rows = "".join(f"{t!r},{kg!r}\n" for t, kg in pairs)
    tindeq.write_text("time,weight\n" + rows, encoding="utf-8")
    ours = tmp_path / "ours.csv"
    write_trace(ours, make_trace(4))
    broken = tmp_path / "broken.csv"
    broken.write_text("time_s,force_n\n0,1\n0.1,x\n", encoding="utf-8")

    code, out, _ = run(capsys, "analyze", "--json", str(tindeq))
    assert code == 0 and out and all(f'"file": "{tindeq}"' in line for line in out.splitlines())

    db = tmp_path / "store.sqlite3"
    with Store.open(db) as store:
        store.add_client("Maria Example")
    argv = ["import", str(tindeq), str(broken), str(ours), "--client", "1", "--muscle", "psoas"]
    code, out, err = run(capsys, *argv, "--side", "L", "--db", str(db))
    assert code == 1
    assert "[1/3]" in err and "[3/3]" in err and f"{broken}:3: not a number" in err
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("imported 320 samples as test 1")
    assert lines[1].startswith(f"imported {len(make_trace(4))} samples as test 2")
