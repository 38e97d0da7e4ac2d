"""Cutting a recording of several efforts into one trace per effort.

A test in the store is one effort: its verdict, its figures, its place in a
comparison. A file holding four efforts saved as one test would show one
verdict for four (the highest peak's), so ``import`` cuts it first. Each
cut falls in the middle of the rest between two efforts, so every piece
keeps some rest before its onset for the engine to measure the rest level.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from nkt_dyno.trace import SIGNED_FROM_KEY, Trace, gyro_signed, gyro_signed_from

REST_MARGIN = 0.1
"""Force within this fraction of the earlier effort's peak above the lowest reading is rest."""


def split_efforts(trace: Trace, results: list[Mapping[str, Any]]) -> list[Trace]:
    """One trace per effort of ``results`` (the engine's, for ``trace``), times from 0.

    Each piece's metadata says which effort it is (``effort: 2 of 4``) and
    where it started in the file (``cut_at_s``). Fewer than two efforts: the
    trace itself.
    """
    if len(results) < 2:
        return [trace]
    cuts = [_rest_middle(trace, a, b) for a, b in itertools.pairwise(results)]
    bounds = [0, *cuts, len(trace)]
    pieces = []
    for k, (lo, hi) in enumerate(itertools.pairwise(bounds), 1):
        meta = {
            **_piece_metadata(trace, lo, hi),
            "effort": f"{k} of {len(results)}",
            "cut_at_s": f"{trace.t[lo]:.3f}",
        }
        gyro = None if trace.gyro is None else trace.gyro[lo:hi]
        pieces.append(Trace(trace.t[lo:hi] - trace.t[lo], trace.force[lo:hi], gyro, meta))
    return pieces


def _piece_metadata(trace: Trace, lo: int, hi: int) -> dict[str, str]:
    """The metadata of samples ``[lo, hi)``: a gyro that became signed in the
    recording is signed from the piece's start, from a time within it, or not."""
    meta = {k: v for k, v in trace.metadata.items() if k != SIGNED_FROM_KEY}
    since = gyro_signed_from(trace.metadata)
    if since is None or gyro_signed(trace.metadata):
        return meta
    if since <= trace.t[lo]:
        meta["gyro"] = "signed" + meta.get("gyro", "unsigned").strip()[len("unsigned") :]
    elif since <= trace.t[hi - 1]:
        meta[SIGNED_FROM_KEY] = repr(since - float(trace.t[lo]))
    return meta


def _rest_middle(trace: Trace, before: Mapping[str, Any], after: Mapping[str, Any]) -> int:
    """Index of the middle of the rest between the end of ``before`` and the onset of ``after``."""
    end_s = max(v for v in (before.get("peak_s"), before.get("break_s"), 0.0) if v is not None)
    i0 = int(np.searchsorted(trace.t, end_s))
    i1 = int(np.searchsorted(trace.t, after["onset_s"]))
    if i1 - i0 < 2:
        return i1
    between = trace.force[i0:i1]
    rest = float(between.min())
    low = np.flatnonzero(between <= rest + REST_MARGIN * float(before.get("peak_n") or 0.0))
    return i0 + int(low[0] + low[-1]) // 2
