"""Every labelled source the engine is scored on, in one shape: recordings of efforts.

A :class:`Recording` is what a detector reads (time, force, optional motion,
the test type) plus what is known to be in it: one :class:`TrueEffort` per
real effort. Sources differ in how much they know:

``own``
    the engine's own synthetic corpus (``nkt_dyno.engine.synthetic``), one
    effort per trace: every figure is known.
``mechanical``
    the mechanical hold-out (``bench/_mechanical.py``), one effort per trace;
    its motion channel is mounted with a random sign, so it is scored as a
    channel of unknown sign.
``sessions``
    the independent break-test sessions (``bench/_sessions.py``, written from
    published descriptions without the detector at hand): several efforts per
    recording, touches, two-step releases, yields stopped at once, make tests.
``real``, ``real-efforts``
    the real recordings in ``../shared/data`` (voluntary holds, make tests in
    nature): only the number of efforts and that none is a yield are known;
    a peak is checked against the recording's own maximum above the rest that
    precedes the effort.

A fall that begins after a sustained plateau is ambiguous from force alone
(DESIGN §3: a late yield, the examiner easing off and a release in steps look
alike), so there force-only ``inconclusive`` is accepted beside the truth:
for late yields, for holds released in steps after a plateau (the sessions'
``hold_step_release``), and for the real recordings, whose README says that
``inconclusive`` is the most a force-only engine may say of them. With a
motion channel only the truth is accepted. The report counts how many
efforts were called ``inconclusive`` so that this allowance stays visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
LATE_DWELL_S = 0.5
"""A yield after at least this long at the top is a late yield (ambiguous from force)."""


@dataclass(frozen=True)
class TrueEffort:
    """What is known of one real effort; ``None`` where the source does not say."""

    verdict: str
    late: bool = False
    """Ambiguous from force alone: a fall after a sustained plateau (see above)."""
    onset_s: float | None = None
    end_s: float | None = None
    peak_n: float | None = None
    break_s: float | None = None
    yield_s: float | None = None
    cut: bool = False
    """The recording cuts the effort off: ``inconclusive`` is accepted too."""

    def accepted(self, gyro: bool) -> frozenset[str]:
        """Verdicts counted right, force-only or with a signed motion channel."""
        ok = {self.verdict}
        if self.late and not gyro:
            ok.add("inconclusive")
        if self.cut:
            ok.add("inconclusive")
        return frozenset(ok)


@dataclass(frozen=True)
class Recording:
    """One recording of a source with its truth."""

    source: str
    name: str
    t: np.ndarray
    force: np.ndarray
    gyro: np.ndarray | None
    gyro_signed: bool
    test: str
    efforts: tuple[TrueEffort, ...]
    timed: bool
    """Effort times are known, so found efforts are matched by time, not by order."""


def _one_effort(
    source: str, name: str, tr: Any, gyro: np.ndarray | None, signed: bool
) -> Recording:
    """A single-effort trace of a synthetic corpus, its truth read from ``tr.truth``."""
    tu = tr.truth
    late = tu.verdict == "break" and _dwell(tu) >= LATE_DWELL_S
    eff = TrueEffort(
        tu.verdict, late, tu.onset_s, float(tr.t[-1]), tu.peak_n, tu.break_s, tu.yield_s
    )
    return Recording(source, name, tr.t, tr.force, gyro, signed, "break", (eff,), True)


def own(n: int, seed: int, gyro: bool) -> list[Recording]:
    """The engine's own synthetic corpus, one effort per trace; its motion is signed."""
    from nkt_dyno.engine.synthetic import corpus

    return [
        _one_effort("own", f"{seed}:{i}:{tr.truth.case}", tr, tr.gyro, True)
        for i, tr in enumerate(corpus(n, seed, gyro=gyro))
    ]


def _dwell(tu: object) -> float:
    """Time at the top before a yield: from first reaching 95 % of the top to the fall."""
    brk, plateau = getattr(tu, "break_s", None), getattr(tu, "plateau_s", None)
    return 0.0 if brk is None or plateau is None else float(brk - plateau)


def mechanical(n: int, seed: int, gyro: bool) -> list[Recording]:
    """The mechanical hold-out: motion mounted with a random sign (unsigned channel)."""
    from _mechanical import holdout_corpus

    return [
        _one_effort(
            "mechanical",
            f"{tr.seed}:{tr.index}:{tr.truth.case}",
            tr,
            tr.gyro if gyro else None,
            False,
        )
        for tr in holdout_corpus(n, seed)
    ]


def _stepped(t: np.ndarray, clean: np.ndarray, e: Any) -> bool:
    """A hold let go in steps after a sustained plateau, from its noise-free force.

    After the last moment the force was within 10 % of its peak (at least
    ``LATE_DWELL_S`` after first reaching the plateau), the force keeps a
    level between 20 and 85 % of the peak for at least 0.15 s before rest.
    """
    plateau, onset, end = e.plateau_s, e.onset_s, e.end_s
    if plateau is None:
        return False
    inside = (t >= onset) & (t <= end)
    tt, ff = t[inside], clean[inside] - clean[inside][0]
    peak = float(ff.max())
    top = np.flatnonzero(ff >= 0.9 * peak)
    if tt.size < 3 or tt[top[-1]] - plateau < LATE_DWELL_S:
        return False
    tail_t, tail_f = tt[top[-1] :], ff[top[-1] :]
    if tail_t.size < 3:
        return False
    slope = np.gradient(tail_f, tail_t)
    level = (tail_f > 0.2 * peak) & (tail_f < 0.85 * peak) & (np.abs(slope) < 0.5 * peak)
    return float(np.sum(np.diff(tail_t)[level[1:]])) >= 0.15


def sessions(n: int, seed: int, gyro: bool) -> list[Recording]:
    """The independent multi-effort break-test sessions.

    A hold let go in steps after a sustained plateau is marked ambiguous from
    force alone (:func:`_stepped`), like a late yield.
    """
    from _sessions import _build

    out = []
    for i in range(n):
        built = _build(seed, i)
        s = built.session
        effs = tuple(
            TrueEffort(
                e.verdict,
                e.test == "break"
                and (e.late or (e.verdict == "hold" and _stepped(s.t, built.clean_force, e))),
                e.onset_s,
                e.end_s,
                e.peak_n,
                e.break_s,
                e.yield_s,
                cut=e.end_s >= float(s.t[-1]) - 1e-9,
            )
            for e in s.efforts
        )
        test = s.efforts[0].test if s.efforts else "break"
        g = s.gyro if gyro else None
        out.append(
            Recording("sessions", s.name, s.t, s.force, g, s.gyro_sign_known, test, effs, True)
        )
    return out


_EXPECTED = re.compile(r"^#\s*expected:\s*(\d+)\s+effort", re.IGNORECASE)


def real(folder: str) -> list[Recording]:
    """Real recordings of ``../shared/data/<folder>``: holds only, counts from the headers.

    The single-hold folder states no count: one effort each (its README).
    An effort the recording ends inside may be ``inconclusive``.
    """
    from nkt_dyno.trace import read_trace

    root = SHARED / folder
    out: list[Recording] = []
    for path in sorted(root.glob("*.csv")):
        count = 1
        for line in path.read_text().splitlines()[:20]:
            if m := _EXPECTED.match(line):
                count = int(m.group(1))
        tr = read_trace(path)
        cut_last = "endloaded" in path.stem or "noRest" in path.stem or "underload" in path.stem
        effs = tuple(
            TrueEffort("hold", late=True, cut=cut_last and i == count - 1) for i in range(count)
        )
        out.append(Recording(folder, path.stem, tr.t, tr.force, None, False, "break", effs, False))
    return out


def have_real() -> bool:
    """The shared recordings are present (a user's clone has none)."""
    return (SHARED / "real-efforts").is_dir() and (SHARED / "real").is_dir()
