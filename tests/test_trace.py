"""Trace CSV: the contract of DESIGN §2, lossless round trips, clear refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nkt_dyno.trace import (
    Trace,
    TraceFormatError,
    TraceWriter,
    parse_trace,
    read_trace,
    write_trace,
)

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


def test_reads_the_design_example() -> None:
    text = (
        "# nkt-dyno trace v1\n# sample_rate_hz: 80\n# device: Tindeq Progressor 1234\n"
        "# muscle: gluteus medius\n# side: L\ntime_s,force_n\n0.0000,0.12\n0.0125,0.50\n"
    )
    tr = parse_trace(text)
    assert tr.t.tolist() == [0.0, 0.0125]
    assert tr.force.tolist() == [0.12, 0.5]
    assert tr.gyro is None
    assert tr.metadata == {
        "sample_rate_hz": "80",
        "device": "Tindeq Progressor 1234",
        "muscle": "gluteus medius",
        "side": "L",
    }


def test_semicolon_decimal_comma_gyro_and_no_metadata() -> None:
    tr = parse_trace("time_s;force_n;gyro_dps\n0,0;1,5;-2,25\n0,5;2;3\n")
    assert tr.force.tolist() == [1.5, 2.0]
    assert tr.gyro is not None and tr.gyro.tolist() == [-2.25, 3.0]


def test_column_order_and_case_are_free() -> None:
    tr = parse_trace("Force_N,Time_s\n1.0,0.0\n2.0,0.1\n")
    assert tr.t.tolist() == [0.0, 0.1] and tr.force.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no header"),
        ("# only comments\n", "no header"),
        ("time_s,weight\n0,1\n", "needs columns"),
        ("time_s,force_n\n", "no samples"),
        ("time_s,force_n\n0,1\n0.1,abc\n", ":3: not a number"),
        ("time_s,force_n\n0,1\n0.1\n", "1 values, the header has 2"),
        ("time_s,force_n\n0,1\n0.1,nan\n", "must be a finite number"),
        ("time_s,force_n\n0,1\n0.1,inf\n", "must be a finite number"),
        ("time_s,force_n\n0,1\n0.2,1\n0.1,1\n", "time does not increase at sample 3"),
        ("time_s,force_n\n0,1\n0,1\n", "time does not increase"),
    ],
)
def test_refuses_with_a_specific_message(text: str, message: str) -> None:
    with pytest.raises(TraceFormatError, match=message):
        parse_trace(text, source="x.csv")


def test_binary_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "b.csv"
    p.write_bytes(b"\x00\x81garbage")
    with pytest.raises(TraceFormatError, match="not a text"):
        read_trace(p)
    # what Excel calls "Unicode text" is UTF-16, and the message says how to fix it
    p.write_text("time_s,force_n\n0,1\n", encoding="utf-16")
    with pytest.raises(TraceFormatError, match=r"UTF-16.*save it as 'CSV UTF-8'"):
        read_trace(p)


def test_a_non_finite_value_names_its_line(tmp_path: Path) -> None:
    p = tmp_path / "nan.csv"
    p.write_text("time_s,force_n\n0.0,1\n0.1,nan\n0.2,3\n", encoding="utf-8")
    with pytest.raises(TraceFormatError, match=r"nan.csv:3: force_n is nan: every value"):
        read_trace(p)
    p.write_text("time_s,force_n\n0.0,1\n0.1,2\n0.1,3\n", encoding="utf-8")
    with pytest.raises(TraceFormatError, match=r"at sample 3: 0\.1 s then 0\.1 s"):
        read_trace(p)


@settings(max_examples=60, deadline=None)
@given(
    steps=hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(1e-6, 0.25)),
    data=st.data(),
)
def test_write_read_round_trip_is_bit_exact(tmp_path_factory, steps, data) -> None:  # type: ignore[no-untyped-def]
    t = np.cumsum(steps)
    force = data.draw(hnp.arrays(np.float64, t.size, elements=st.floats(-1e4, 1e4)))
    gyro = data.draw(st.none() | hnp.arrays(np.float64, t.size, elements=st.floats(-2e3, 2e3)))
    p = tmp_path_factory.mktemp("rt") / "t.csv"
    write_trace(p, Trace(t, force, gyro, {"device": "sim", "muscle": "psoas"}))
    back = read_trace(p)
    assert np.array_equal(back.t, t) and np.array_equal(back.force, force)
    assert (back.gyro is None) == (gyro is None)
    if gyro is not None:
        assert np.array_equal(back.gyro, gyro)
    assert back.metadata == {"device": "sim", "muscle": "psoas"}


def test_trace_rejects_bad_arrays() -> None:
    with pytest.raises(TraceFormatError, match="force has 1 samples"):
        Trace(np.array([0.0, 1.0]), np.array([1.0]))
    with pytest.raises(TraceFormatError, match=r"force sample 2 is nan"):
        Trace(np.array([0.0, 1.0]), np.array([1.0, np.nan]))


def test_failed_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    bad = Trace(np.array([0.0]), np.array([1.0]), metadata={"a:b": "x"})
    with pytest.raises(TraceFormatError, match="not writable"):
        write_trace(target, bad)
    assert list(tmp_path.iterdir()) == []


def test_writer_keeps_every_block_even_without_close(tmp_path: Path) -> None:
    p = tmp_path / "rec.csv"
    w = TraceWriter(p, {"device": "sim"}, gyro=True)
    w.write_block([0.0, 0.1], [1.0, 2.0], [0.0, 0.5])
    w.write_block([0.2], [3.0], [1.0])
    # Not closed: a crash here must still leave a readable file.
    tr = read_trace(p)
    assert tr.force.tolist() == [1.0, 2.0, 3.0] and w.samples_written == 3
    with pytest.raises(TraceFormatError, match="before"):
        w.write_block([0.2], [1.0], [0.0])
    with pytest.raises(TraceFormatError, match="pass gyro"):
        w.write_block([0.3], [1.0])
    w.close()
    assert read_trace(p).gyro is not None


def test_real_recordings_parse() -> None:
    files = sorted(REAL.glob("*.csv")) if REAL.is_dir() else []
    if not files:
        pytest.skip("shared real recordings not present beside the repository")
    for f in files:
        tr = read_trace(f)
        assert len(tr) > 1000
        assert tr.metadata["sample_rate_hz"] == "200"
        assert 0.004 < float(np.median(np.diff(tr.t))) < 0.006


def test_test_kind_and_gyro_sign_from_metadata():
    from nkt_dyno.trace import TraceFormatError, gyro_signed, test_kind

    assert test_kind({}) == "break"
    assert test_kind({"test": " Make "}) == "make"
    assert test_kind({"test": "make"}, "break") == "break"
    with pytest.raises(TraceFormatError, match="not a test type"):
        test_kind({"test": "hold"})
    assert gyro_signed({}) and gyro_signed({"gyro": "signed"})
    assert not gyro_signed({"gyro": "Unsigned"})


def test_a_gyro_signed_mid_recording_says_when_in_its_metadata():
    from nkt_dyno.trace import (
        SIGNED_FROM_KEY,
        TraceFormatError,
        gyro_metadata,
        gyro_signed,
        gyro_signed_from,
        signed_switch,
    )

    blocks = [(np.array([0.0, 0.1]), False), (np.empty(0), True), (np.array([0.2, 0.3]), True)]
    assert signed_switch(blocks) == pytest.approx(0.15)
    assert signed_switch(blocks[2:]) is None  # signed from the start
    assert signed_switch(blocks[:1]) is None  # never
    meta = gyro_metadata(True, 0.15, "from the 3-axis IMU")
    assert meta == {"gyro": "unsigned, from the 3-axis IMU", SIGNED_FROM_KEY: "0.15"}
    assert not gyro_signed(meta) and gyro_signed_from(meta) == 0.15
    assert gyro_metadata(True, None) == {"gyro": "signed"}
    assert gyro_metadata(False, None) == {"gyro": "unsigned"}
    assert gyro_signed_from({}) is None
    for bad in ("soon", "nan", "inf"):
        with pytest.raises(TraceFormatError, match="not a time"):
            gyro_signed_from({SIGNED_FROM_KEY: bad})


def test_gaps_from_spacing_and_driver_marks_and_the_typical_rate() -> None:
    from nkt_dyno.trace import Gap, find_gaps, measured_rate

    t = np.concatenate([np.arange(80) / 80, 2.0 + np.arange(80) / 80])  # a 1-s hole after 1 s
    assert measured_rate(t) == pytest.approx(80.0)
    (hole,) = find_gaps(t)
    assert hole == Gap(79 / 80, 2.0 - 79 / 80, round((2.0 - 79 / 80) * 80) - 1)
    # One lost packet hardly shows in time; the driver's mark says where it was.
    assert [g.start_s for g in find_gaps(t, marked=[40])] == [39 / 80, 79 / 80]
    assert find_gaps(t[:1]) == ()
