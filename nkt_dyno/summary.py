"""How a verdict and its break figures read, the same in every command, screen and report.

From force alone the engine puts the break at the last maximum before the
fall, so a force-only ``break_ratio`` is about 1.00 by construction; only a
gyro channel sees the limb yield below the peak (DESIGN §2, §3). Printing
that 1.00 would suggest a measured AFisomax/AFmax of a perfect hold, so a
break shows its ratio only when the gyro placed it, and always its drop::

    HOLD 172 N
    BREAK at 112 N · drop 26 %
    BREAK at 112 N · ratio 0.62 · drop 40 %
    INCONCLUSIVE · recording ended before the effort could be judged

Functions take one effort as a mapping: :meth:`EffortResult.to_dict
<nkt_dyno.engine.EffortResult.to_dict>` or the stored analysis JSON. Nothing
heavy is imported until a force is converted, so commands stay quick to load.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from calibration import Unit

__all__ = [
    "break_figures",
    "break_source",
    "effort_lines",
    "informative_ratio",
    "verdict_line",
]

Result = Mapping[str, Any]

GYRO_REASON = "(gyro)"
"""In the engine's reason for a gyro break; results before ``break_source`` have only this."""


def break_source(result: Result) -> str | None:
    """What placed the break: ``"force"``, ``"gyro"``, or ``None`` without a break.

    Results stored before the engine wrote ``break_source`` are force-only
    unless their reasons name the gyro rule.
    """
    if result.get("verdict") != "break":
        return None
    if "break_source" in result:
        source: str | None = result["break_source"]
        return source
    reasons = result.get("reasons") or ()
    return "gyro" if any(GYRO_REASON in str(r) for r in reasons) else "force"


def informative_ratio(result: Result | None) -> float | None:
    """``break_ratio`` when it measures AFisomax/AFmax; ``None`` for a force-only break.

    A hold keeps its 1.0: the muscle withstood everything applied.
    """
    if result is None or result.get("break_ratio") is None or break_source(result) == "force":
        return None
    return float(result["break_ratio"])


def break_figures(result: Result | None) -> str:
    """``"ratio 0.62 · drop 40 %"`` for a gyro break, ``"drop 26 %"`` for a force-only one.

    Empty for a hold, an inconclusive effort or no result: only a break has figures.
    """
    if result is None or result.get("verdict") != "break":
        return ""
    ratio = informative_ratio(result)
    drop = result.get("drop_pct")
    parts = [] if ratio is None else [f"ratio {ratio:.2f}"]
    if drop is not None:
        parts.append(f"drop {float(drop):.0f} %")
    return " · ".join(parts)


def verdict_line(result: Result | None, units: str | Unit = "N") -> str:
    """The verdict with the force withstood and, for a break, its figures.

    The force is the one compared between tests: at the break for a break,
    the peak for a hold. `units` is any name :func:`calibration.parse_unit`
    takes (``N``, ``kgf``, ``lbf``...), so a display's unit switch applies.
    ``"not analysed"`` when there is no result.
    """
    if result is None:
        return "not analysed"
    verdict = str(result.get("verdict", "inconclusive"))
    if verdict == "hold":
        force = _force(result.get("peak_n"), units)
        return f"HOLD {force}" if force else "HOLD"
    if verdict == "break":
        force = _force(result.get("break_force_n"), units)
        head = f"BREAK at {force}" if force else "BREAK"
        figures = break_figures(result)
        return f"{head} · {figures}" if figures else head
    reasons = result.get("reasons") or ()
    return f"{verdict.upper()} · {reasons[0]}" if reasons else verdict.upper()


def _force(newtons: float | None, units: str | Unit) -> str:
    """``"112 N"``, ``"11.4 kgf"``: whole newtons, tenths of the larger units."""
    if newtons is None:
        return ""
    from calibration import from_newtons, parse_unit

    unit = parse_unit(units)
    digits = 0 if unit.symbol == "N" else 1
    return f"{float(from_newtons(newtons, unit)):.{digits}f} {unit.symbol}"


def effort_lines(results: Sequence[Any] | None) -> list[str]:
    """One line per effort of a recording, ``effort 2 of 4: BREAK at 122 N · drop 35 %``.

    A recording may hold several efforts; a summary naming only the last
    would hide the others' verdicts. ``results`` are engine results (with
    ``to_dict``) or mappings; ``None`` (no engine) and no efforts say so.
    """
    if results is None:
        return ["not analysed: the engine is not installed"]
    if not results:
        return ["no effort found"]
    n = len(results)
    dicts = [r if isinstance(r, Mapping) else r.to_dict() for r in results]
    lines = []
    for i, d in enumerate(dicts, 1):
        gap = gap_note(d)
        lines.append(f"effort {i} of {n}: {verdict_line(d)}" + (f" · {gap}" if gap else ""))
    return lines


def gap_note(result: Result | None) -> str:
    """``"gap: <why>"`` for an effort flagged ``gap`` (a hole, a pause, a cut), else ""."""
    if result is None or "gap" not in (result.get("flags") or ()):
        return ""
    why = [
        r for r in result.get("reasons") or () if "hole" in r or "paused" in r or "ends there" in r
    ]
    return f"gap: {why[-1]}" if why else "gap in this effort"
