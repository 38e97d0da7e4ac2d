"""The Qt binding keeps Python's reference counts straight.

PySide6 6.12 built for immortal singletons (CPython 3.12+) returns ``None``
and ``True`` without a reference on 3.11; pyqtgraph's thousands of calls a
second then abort the interpreter. pyproject excludes that combination; this
test catches it (or a new binding with the same fault) on any machine.
"""

from __future__ import annotations

import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtCore = pytest.importorskip("PySide6.QtCore")


class _Emitter(QtCore.QObject):
    fired = QtCore.Signal(bool)


def test_signals_and_void_calls_keep_singleton_refcounts(qapp: object) -> None:
    emitter = _Emitter()
    seen: list[bool] = []
    emitter.fired.connect(seen.append)
    none0, true0 = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(2000):
        emitter.fired.emit(True)
        emitter.blockSignals(False)
    seen.clear()
    # A faulty binding loses one reference per call: thousands here.
    assert abs(sys.getrefcount(True) - true0) < 50
    assert abs(sys.getrefcount(None) - none0) < 50
