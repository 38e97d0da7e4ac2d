"""One wording of verdicts and break figures for every command, screen and report."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from nkt_dyno.engine import analyze
from nkt_dyno.summary import break_figures, break_source, informative_ratio, verdict_line

HOLD = {"verdict": "hold", "peak_n": 172.4, "break_ratio": 1.0, "break_source": None}
FORCE_BREAK = {
    "verdict": "break",
    "peak_n": 113.0,
    "break_force_n": 112.3,
    "break_ratio": 0.994,
    "break_source": "force",
    "drop_pct": 26.4,
}
GYRO_BREAK = {**FORCE_BREAK, "break_ratio": 0.62, "break_source": "gyro", "drop_pct": 40.0}
INCONCLUSIVE = {
    "verdict": "inconclusive",
    "peak_n": 80.0,
    "reasons": ["held under 0.3 s near the peak: too short to judge", "flag: too_short"],
}


@pytest.mark.parametrize(
    ("result", "line", "figures"),
    [
        (HOLD, "HOLD 172 N", ""),
        (FORCE_BREAK, "BREAK at 112 N · drop 26 %", "drop 26 %"),
        ({**FORCE_BREAK, "break_ratio": 0.62}, "BREAK at 112 N · drop 26 %", "drop 26 %"),
        (GYRO_BREAK, "BREAK at 112 N · ratio 0.62 · drop 40 %", "ratio 0.62 · drop 40 %"),
        (
            INCONCLUSIVE,
            "INCONCLUSIVE · held under 0.3 s near the peak: too short to judge",
            "",
        ),
        ({"verdict": "inconclusive"}, "INCONCLUSIVE", ""),
        ({"verdict": "break", "break_source": "force"}, "BREAK", ""),
        (
            {**GYRO_BREAK, "break_ratio": 1.0, "drop_pct": None},
            "BREAK at 112 N · ratio 1.00",
            "ratio 1.00",
        ),
        (None, "not analysed", ""),
    ],
)
def test_lines_and_figures(result: dict[str, Any] | None, line: str, figures: str) -> None:
    assert verdict_line(result) == line
    assert break_figures(result) == figures


@pytest.mark.parametrize(
    ("units", "hold", "brk"),
    [
        ("kgf", "HOLD 17.6 kgf", "BREAK at 11.5 kgf · drop 26 %"),
        ("lbf", "HOLD 38.8 lbf", "BREAK at 25.2 lbf · drop 26 %"),
        ("newton", "HOLD 172 N", "BREAK at 112 N · drop 26 %"),
    ],
)
def test_units_convert_the_force_only(units: str, hold: str, brk: str) -> None:
    assert (verdict_line(HOLD, units), verdict_line(FORCE_BREAK, units)) == (hold, brk)


def test_the_ratio_is_informative_unless_the_force_placed_the_break() -> None:
    assert informative_ratio(FORCE_BREAK) is None
    assert informative_ratio(GYRO_BREAK) == 0.62
    assert informative_ratio(HOLD) == 1.0


def test_results_from_before_break_source_read_it_from_the_reasons() -> None:
    old_force = {k: v for k, v in FORCE_BREAK.items() if k != "break_source"}
    old_gyro = {k: v for k, v in GYRO_BREAK.items() if k != "break_source"}
    old_gyro["reasons"] = ["the limb left rest (gyro) while the force was held: yield"]
    assert (break_source(old_force), break_source(old_gyro)) == ("force", "gyro")
    assert verdict_line(old_force) == "BREAK at 112 N · drop 26 %"
    assert verdict_line(old_gyro) == "BREAK at 112 N · ratio 0.62 · drop 40 %"
    assert break_source({k: v for k, v in HOLD.items() if k != "break_source"}) is None


def _knots(knots_t: list[float], knots_f: list[float]) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(0.0, knots_t[-1], 0.005)
    noise = np.random.default_rng(0).normal(0.0, 0.2, t.size)
    return t, np.interp(t, knots_t, knots_f) + noise


def test_the_engine_reasons_tell_an_old_gyro_break_from_a_force_one() -> None:
    """The fallback for stored results matches what the engine now writes."""
    t, f = _knots([0, 1, 3.5, 3.7, 4.5, 4.8, 6.5], [0, 0, 120, 80, 80, 0, 0])
    (force,) = analyze(t, f)
    t, f = _knots([0, 1, 2.5, 3.0, 3.2, 4.0, 4.3, 6], [0, 0, 100, 110, 75, 75, 0, 0])
    (gyro,) = analyze(t, f, np.where((t > 2.6) & (t < 4.0), 60.0, 0.0))
    for result, source in ((force, "force"), (gyro, "gyro")):
        d = result.to_dict()
        assert d["break_source"] == source
        old = {k: v for k, v in d.items() if k != "break_source"}
        assert break_source(old) == source and verdict_line(old) == verdict_line(d)
    assert "ratio" not in verdict_line(force.to_dict())
    assert verdict_line(gyro.to_dict()).startswith("BREAK at ")


def test_import_loads_nothing_heavy() -> None:
    code = (
        "import sys, nkt_dyno.summary\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'scipy', 'calibration'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
