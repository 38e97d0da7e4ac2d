"""The store's API against real SQLite files: rows, traces, analyses, muscles, schema."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nkt_dyno.store as store_pkg
from nkt_dyno.commands import _choices
from nkt_dyno.store import (
    NewAnalysis,
    NotFoundError,
    SchemaTooNewError,
    Store,
    default_path,
)
from nkt_dyno.store._codec import decode, encode
from nkt_dyno.store._schema import MIGRATIONS, SCHEMA_VERSION
from nkt_dyno.trace import Trace


def make_trace(seed: int, n: int = 2000, *, gyro: bool = False) -> Trace:
    """A break-test-like recording at 1 kHz with noise, deterministic per seed."""
    rng = np.random.default_rng(seed)
    t = 100.0 + seed + np.arange(n) / 1000.0
    shape = np.clip(np.sin(np.linspace(0, np.pi, n)) * 150.0, 0, None)
    force = shape + rng.normal(0.0, 0.4, n)
    g = rng.normal(0.0, 2.0, n) if gyro else None
    return Trace(t=t, force=force, gyro=g, metadata={"sample_rate_hz": "1000", "seed": str(seed)})


def hold(peak: float = 150.0, version: str = "1.0") -> NewAnalysis:
    return NewAnalysis(version, [{"verdict": "hold", "peak_n": peak, "break_ratio": 1.0}])


@pytest.fixture
def store(any_db: str):
    """A new store on each backend (conftest's ``any_db``)."""
    with Store.open(any_db) as s:
        yield s


def session_for(store: Store, name: str = "Client A") -> int:
    return store.start_session(store.add_client(name).id, examiner="Examiner").id


def assert_same_trace(a: Trace, b: Trace) -> None:
    assert a.t.tobytes() == b.t.tobytes()
    assert a.force.tobytes() == b.force.tobytes()
    assert (a.gyro is None) == (b.gyro is None)
    if a.gyro is not None and b.gyro is not None:
        assert a.gyro.tobytes() == b.gyro.tobytes()
    assert dict(a.metadata) == dict(b.metadata)


# -- codec ---------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 300), elements=st.floats(allow_nan=True)))
def test_codec_round_trips_every_bit_pattern(values: np.ndarray) -> None:
    assert decode(encode(values), values.size).tobytes() == values.tobytes()


def test_codec_keeps_nan_payloads_and_negative_zero() -> None:
    bits = np.array([0x7FF8_0000_0000_0001, 0x8000_0000_0000_0000, 1], dtype="<u8")
    values = bits.view("<f8")
    assert decode(encode(values), 3).view("<u8").tolist() == bits.tolist()


def test_codec_is_compact_for_a_uniform_time_axis() -> None:
    t = 5000.0 + np.arange(10_000) / 1000.0
    assert len(encode(t)) < t.nbytes / 20


# -- rows ----------------------------------------------------------------------


def test_save_and_get_test_round_trips_trace_and_tags(store: Store) -> None:
    sid = session_for(store)
    store.add_device("PRG-1", "Tindeq Progressor", "1.2.3")
    store.add_calibration("cal-1", "PRG-1", {"gain": 1.01, "offset": -0.2})
    trace = make_trace(1, gyro=True)
    tid = store.save_test(
        sid,
        muscle="glute med",
        side="L",
        condition="challenge",
        trace=trace,
        challenge_target="TFL",
        position_notes="supine, 30 deg abduction",
        device_id="PRG-1",
        calibration_id="cal-1",
        therapist_verdict="break",
        notes="felt weak",
        analysis=hold(),
    )
    test = store.get_test(tid)
    assert test.muscle == "gluteus medius"
    assert test.challenge_target == "tensor fasciae latae"
    assert (test.side, test.condition, test.therapist_verdict) == ("L", "challenge", "break")
    assert (test.device_id, test.calibration_id, test.n_samples) == ("PRG-1", "cal-1", 2000)
    assert test.analysis is not None and test.analysis.verdict == "hold"
    assert store.get_calibration("cal-1").record == {"gain": 1.01, "offset": -0.2}
    assert_same_trace(store.load_trace(tid), trace)


def test_traces_come_back_bit_for_bit_with_signed_zeros_and_extremes(store: Store) -> None:
    bits = np.array(
        [
            0x8000_0000_0000_0000,
            1,
            0x0010_0000_0000_0000,
            0x7FEF_FFFF_FFFF_FFFF,
            0xFFEF_FFFF_FFFF_FFFF,
        ],
        dtype="<u8",
    )  # -0.0, the smallest subnormal, the smallest normal, the largest, the most negative
    odd = bits.view("<f8")
    t = np.arange(odd.size, dtype=np.float64)
    trace = Trace(t=t, force=odd, gyro=odd[::-1].copy(), metadata={"unit": "N"})
    tid = store.save_test(
        session_for(store), muscle="psoas", side="L", condition="baseline", trace=trace
    )
    back = store.load_trace(tid)
    assert back.force.view("<u8").tolist() == bits.tolist()
    assert back.gyro is not None and back.gyro.view("<u8").tolist() == bits[::-1].tolist()
    assert store.same_recordings(trace) == [tid]


def test_history_filters_by_client_and_muscle_in_recorded_order(store: Store) -> None:
    a, b = session_for(store, "A"), session_for(store, "B")
    ids = []
    for i, muscle in enumerate(["psoas", "gluteus medius", "psoas"]):
        ids.append(
            store.save_test(a, muscle=muscle, side="R", condition="baseline", trace=make_trace(i))
        )
    store.save_test(b, muscle="psoas", side="R", condition="baseline", trace=make_trace(9))
    client_a = store.get_session(a).client_id
    assert [t.id for t in store.history(client_a)] == ids
    assert [t.id for t in store.history(client_a, "PSOAS")] == [ids[0], ids[2]]
    assert store.history(client_a, "gmed")[0].analysis is None


def test_reanalysis_adds_results_and_keeps_old_ones(store: Store) -> None:
    tid = store.save_test(
        session_for(store), muscle="SCM", side="both", condition="retest", trace=make_trace(2)
    )
    store.add_analysis(tid, hold(100.0, "1.0"))
    brk = [
        {"verdict": "hold", "peak_n": 20.0, "break_ratio": 1.0},
        {"verdict": "break", "peak_n": 90.0, "break_ratio": 0.6},
    ]
    store.add_analysis(tid, NewAnalysis("2.0", brk))
    assert [a.engine_version for a in store.analyses(tid)] == ["1.0", "2.0"]
    latest = store.get_test(tid).analysis
    assert latest is not None
    assert (latest.verdict, latest.peak_n, latest.break_ratio) == ("break", 90.0, 0.6)
    assert store.tests_without_analysis("3.0") == [tid]
    assert store.tests_without_analysis("2.0") == []


def test_invalid_tags_and_references_are_refused_before_writing(store: Store) -> None:
    sid = session_for(store)
    tr = make_trace(3)
    with pytest.raises(ValueError, match="side must be one of"):
        store.save_test(sid, muscle="psoas", side="left", condition="baseline", trace=tr)
    with pytest.raises(ValueError, match="condition must be one of"):
        store.save_test(sid, muscle="psoas", side="L", condition="after", trace=tr)
    with pytest.raises(ValueError, match="unknown muscle"):
        store.save_test(sid, muscle="flux capacitor", side="L", condition="baseline", trace=tr)
    with pytest.raises(ValueError, match="ambiguous"):
        store.save_test(sid, muscle="glute", side="L", condition="baseline", trace=tr)
    with pytest.raises(NotFoundError, match="session"):
        store.save_test(999, muscle="psoas", side="L", condition="baseline", trace=tr)
    with pytest.raises(NotFoundError, match="device"):
        store.save_test(
            sid, muscle="psoas", side="L", condition="baseline", trace=tr, device_id="nope"
        )
    assert store.test_ids() == []


def test_find_client_by_id_or_name(store: Store) -> None:
    a = store.add_client("Same Name", birth_year=1980)
    b = store.add_client("Same Name")
    c = store.add_client("Other")
    assert store.find_client(str(c.id)) == c
    assert store.find_client("other") == c
    with pytest.raises(NotFoundError, match=f"{a.id}, {b.id}"):
        store.find_client("same name")
    with pytest.raises(NotFoundError):
        store.find_client("nobody")


def test_therapist_verdict_can_be_set_later(store: Store) -> None:
    tid = store.save_test(
        session_for(store), muscle="QL", side="R", condition="baseline", trace=make_trace(4)
    )
    store.set_therapist_verdict(tid, "hold")
    assert store.get_test(tid).therapist_verdict == "hold"
    with pytest.raises(ValueError):
        store.set_therapist_verdict(tid, "strong")


# -- muscles -------------------------------------------------------------------


def test_catalogue_has_the_commonly_tested_muscles(store: Store) -> None:
    muscles = store.muscles()
    assert len(muscles) >= 40
    assert all(m.region and m.position for m in muscles)
    names = {m.name for m in muscles}
    for name in ("psoas", "gluteus medius", "tensor fasciae latae", "diaphragm", "masseter"):
        assert name in names


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("glute med", "gluteus medius"),
        ("TFL", "tensor fasciae latae"),
        ("pec major sternal", "pectoralis major sternal"),
        ("scm", "sternocleidomastoid"),
        ("infraspin", "infraspinatus"),
        ("Quadratus-Lumborum", "quadratus lumborum"),
    ],
)
def test_muscle_search_by_shorthand_and_alias(store: Store, query: str, expected: str) -> None:
    assert store.resolve_muscle(query).name == expected


def test_users_can_add_muscles_kept_in_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with Store.open(path) as s:
        s.add_muscle("flexor hallucis longus", "foot", position="toe flexed", aliases=["FHL"])
        with pytest.raises(ValueError, match="already"):
            s.add_muscle("Psoas", "hip")
    with Store.open(path) as s:
        found = s.resolve_muscle("fhl")
        assert found.custom and found.region == "foot"
        sid = session_for(s)
        tid = s.save_test(sid, muscle="FHL", side="L", condition="baseline", trace=make_trace(5))
        assert s.get_test(tid).muscle == "flexor hallucis longus"


# -- file, schema, migrations --------------------------------------------------


def test_store_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "store.sqlite3"
    with Store.open(path) as s:
        s.save_test(
            session_for(s), muscle="psoas", side="L", condition="baseline", trace=make_trace(6)
        )
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(f.exists() for f in files)
        for f in files:
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        assert s.integrity_check() == "ok"


def test_default_path_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NKT_DYNO_DB", str(tmp_path / "env.sqlite3"))
    assert default_path() == tmp_path / "env.sqlite3"
    with Store.open() as s:
        assert s.path == tmp_path / "env.sqlite3"
    monkeypatch.delenv("NKT_DYNO_DB")
    assert default_path().name == "nkt-dyno.sqlite3"
    assert "nkt-dyno" in default_path().parts


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite3"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="upgrade nkt-dyno"):
        Store.open(path)
    assert path.read_bytes() == before


def test_migration_from_a_version_1_file_keeps_its_tests(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO clients (name, created) VALUES ('Old', '2020-01-01T00:00:00+00:00')")
    conn.execute(
        "INSERT INTO sessions (client_id, started) VALUES (1, '2020-01-01T00:00:00+00:00')"
    )
    conn.execute(
        "INSERT INTO tests (session_id, recorded, muscle, side, condition) "
        "VALUES (1, '2020-01-01T00:01:00+00:00', 'psoas', 'L', 'baseline')"
    )
    trace = make_trace(7)
    conn.execute(
        "INSERT INTO traces VALUES (1, ?, ?, ?, ?, NULL, ?)",
        (
            "f64le-xor-planes-zlib",
            len(trace),
            encode(trace.t),
            encode(trace.force),
            json.dumps(dict(trace.metadata)),
        ),
    )
    conn.commit()
    conn.close()
    with Store.open(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert [t.muscle for t in s.history(1, "psoas")] == ["psoas"]
        assert_same_trace(s.load_trace(1), trace)
        s.add_muscle("plantaris", "lower leg")
        assert s.integrity_check() == "ok"


# -- package -------------------------------------------------------------------


def test_all_matches_the_public_names() -> None:
    public = {n for n in vars(store_pkg) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(store_pkg, n)).__name__ == "module"}
    assert set(store_pkg.__all__) == public - modules


def test_cli_vocabularies_match_the_store() -> None:
    assert _choices.SIDES == store_pkg.SIDES
    assert _choices.CONDITIONS == store_pkg.CONDITIONS


def test_opening_a_store_does_not_import_the_engine(tmp_path: Path) -> None:
    code = (
        "import sys; from nkt_dyno.store import Store; "
        f"Store.open({str(tmp_path / 'x.sqlite3')!r}).close(); "
        "print('nkt_dyno.engine' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "False"


def test_a_server_without_the_server_packages_is_one_sentence_and_files_still_work(
    tmp_path: Path,
) -> None:
    script = (
        "import sys\n"
        "sys.modules['psycopg'] = sys.modules['sqlalchemy'] = None\n"
        "from nkt_dyno.cli import main\n"
        f"assert main(['client', 'add', 'Jo', '--db', {str(tmp_path / 'x.sqlite3')!r}]) == 0\n"
        "assert main(['store', '--db', 'postgresql://ana@/clinic']) == 1\n"
        "assert main(['store', 'push', '--to', 'postgresql://ana@/clinic']) == 1\n"
        "sys.exit(main(['client', 'list', '--db', 'postgresql://ana@/clinic']))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith("nkt-dyno: error: a server store needs the optional server packages")
    assert last.endswith('(psycopg is missing): pip install "nkt-dyno[server]"')
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("ref", "server"),
    [
        ("postgresql://ana@db/nkt", True),
        ("postgres://db/nkt", True),
        ("service=clinic", True),
        ("host=/run/postgresql dbname=nkt", True),
        ("clinic.sqlite3", False),
        ("/data/host=1/store.db", False),
    ],
)
def test_a_server_is_told_from_a_file_in_both_libpq_forms(ref: str, server: bool) -> None:
    from nkt_dyno.store._paths import is_server

    assert is_server(ref) is server
