"""The store analyses a trace as its metadata says: test type and motion sign."""

from __future__ import annotations

import numpy as np

from nkt_dyno.store import analyse
from nkt_dyno.trace import Trace


def _yield_trace(meta: dict[str, str]) -> Trace:
    t = np.arange(0.0, 6.5, 0.005)
    f = np.interp(t, [0, 1, 3.5, 3.7, 4.5, 4.8, 6.5], [0, 0, 120, 80, 80, 0, 0])
    f = f + np.random.default_rng(0).normal(0.0, 0.2, t.size)
    return Trace(t, f, metadata=meta)


def test_break_test_by_default_and_make_test_from_metadata():
    (brk,) = analyse(_yield_trace({})).efforts
    assert brk["verdict"] == "break" and brk["test"] == "break"
    (made,) = analyse(_yield_trace({"test": "make"})).efforts
    assert made["verdict"] == "hold" and made["test"] == "make"
