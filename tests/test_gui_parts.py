"""The GUI's Qt-free parts: ring buffer, replay source, units, rise guidance, MDC,
verdict text, plot ranges."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from gui._compare import differences
from gui._guidance import Rise, classify_rise
from gui._ring import RingBuffer
from gui._scroll import XWindow, YSpan
from gui._sources import ReplaySource, SampleBlock
from gui._units import Unit, format_force, scale
from nkt_dyno.trace import Trace


def _trace(n: int = 1000, rate: float = 1000.0) -> Trace:
    t = np.arange(n) / rate
    return Trace(t=t, force=np.sin(t * 7.0), gyro=np.cos(t))


def _collect(source: ReplaySource) -> list[SampleBlock]:
    async def run() -> list[SampleBlock]:
        return [b async for b in source]

    return asyncio.run(run())


@pytest.mark.parametrize("chunk", [1, 7, 70, 299, 300, 301, 1000])
def test_ring_keeps_the_latest_samples_in_order(chunk: int) -> None:
    tr = _trace()
    ring = RingBuffer(300)
    for i in range(0, len(tr), chunk):
        ring.extend(tr.t[i : i + chunk], tr.force[i : i + chunk])
    t, f = ring.view()
    assert np.array_equal(t, tr.t[-300:]) and np.array_equal(f, tr.force[-300:])
    assert ring.written == len(tr) and ring.last() == (tr.t[-1], tr.force[-1])
    assert not t.flags.writeable


def test_ring_clear_and_empty() -> None:
    ring = RingBuffer(4)
    assert ring.last() is None and len(ring) == 0
    ring.extend(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    ring.clear()
    assert len(ring) == 0 and ring.view()[0].size == 0 and ring.written == 0
    with pytest.raises(ValueError, match="capacity"):
        RingBuffer(0)


@pytest.mark.parametrize("start_s", [None, 0.25, 0.999, 5.0])
def test_replay_delivers_every_sample_once_in_order(start_s: float | None) -> None:
    tr = _trace()
    blocks = _collect(ReplaySource(tr, None, start_s=start_s))
    assert np.array_equal(np.concatenate([b.t for b in blocks]), tr.t)
    assert np.array_equal(np.concatenate([b.gyro for b in blocks if b.gyro is not None]), tr.gyro)
    assert all(b.t.size for b in blocks)


def test_replay_paces_in_real_time() -> None:
    tr = _trace(500)  # 0.5 s of signal
    start = time.monotonic()
    blocks = _collect(ReplaySource(tr, 4.0, block_s=0.02))
    took = time.monotonic() - start
    assert 0.09 < took < 0.5  # 0.5 s at 4x is 0.125 s
    assert len(blocks) == pytest.approx(25, abs=2)


def test_replay_rejects_bad_speed() -> None:
    with pytest.raises(ValueError, match="speed"):
        ReplaySource(_trace(), 0.0)


def test_units_convert_exactly() -> None:
    assert format_force(9.80665, Unit.KGF) == "1.0"
    assert format_force(4.4482216152605 * 10, Unit.LBF) == "10.0"
    assert format_force(123.4, Unit.N) == "123"
    assert format_force(12.34, Unit.N) == "12.3"
    assert scale(Unit.N) == 1.0


@pytest.mark.parametrize(
    ("ttp", "rise"),
    [(0.4, Rise.TOO_FAST), (1.0, Rise.IN_RANGE), (2.2, Rise.IN_RANGE), (3.5, Rise.TOO_SLOW)],
)
def test_rise_guidance(ttp: float, rise: Rise) -> None:
    assert classify_rise(ttp) is rise


def test_differences_against_the_mdc() -> None:
    rows = differences(("pre", 200.0, 1.0), [("post", 260.0, 0.6), ("same", 220.0, None)], 40.0)
    assert rows[0].mdc_n == 40.0
    assert rows[0].delta_peak_pct == pytest.approx(30.0) and rows[0].beyond_mdc is True
    assert rows[0].delta_ratio == pytest.approx(-0.4)
    assert rows[1].beyond_mdc is False and rows[1].delta_ratio is None
    assert differences(("x", None, None), [("y", 10.0, 1.0)], None)[0].beyond_mdc is None


def test_x_window_pages_forward_and_y_span_only_grows() -> None:
    x = XWindow(width_s=10.0, lead_s=3.0)
    assert x.follow(0.1) and (x.lo, x.hi) == (0.0, 10.0)
    assert not x.follow(9.4)
    assert x.follow(9.6) and (x.lo, x.hi) == pytest.approx((2.6, 12.6))
    x.reset()
    assert x.follow(0.0) and x.hi == 10.0
    with pytest.raises(ValueError, match="lead_s"):
        XWindow(width_s=1.0, lead_s=2.0)
    y = YSpan()
    assert y.grow(0.0, 100.0, 10.0) and (y.lo, y.hi) == (0.0, 125.0)
    assert not y.grow(5.0, 120.0, 10.0)
    assert y.grow(-4.0, 50.0, 10.0) and y.lo < -4.0 and y.hi > 125.0
