"""Simulated protocol steps: a chosen case at a chosen force for each role.

``--scenario baseline=break@110,challenge=hold@170,retest=hold@165`` lets a
simulated run show a real effect: a muscle that yields at baseline and holds
after treatment. A bare ``hold`` applies to every role; a role left out
keeps its default; a value that is not a case is a trace file to replay.
Kept apart from ``nkt_dyno.clinic`` so the analysis side never loads the simulator.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from nkt_dyno.devices.simulator import Scenario, from_trace

__all__ = [
    "DEFAULT_SCENARIOS",
    "ROLES",
    "TRIAL_SPREAD",
    "parse_scenarios",
    "step_scenario",
]

ROLES = ("baseline", "challenge", "retest")

DEFAULT_SCENARIOS: Mapping[str, str] = {
    "baseline": "break@110",
    "challenge": "hold@170",
    "retest": "hold@165",
}
"""A muscle that yields at 110 N, holds when challenged and after release."""

TRIAL_SPREAD = 0.03
"""Relative SD of a step's target force from trial to trial (a real muscle is not a constant)."""

_LEAD_S = 0.8


def parse_scenarios(spec: str | None) -> dict[str, str]:
    """Per-role scenarios from ``role=case[@N],...`` or one ``case[@N]`` for all roles."""
    if not spec:
        return dict(DEFAULT_SCENARIOS)
    if "=" not in spec:
        return dict.fromkeys(ROLES, spec.strip())
    out = dict(DEFAULT_SCENARIOS)
    for item in spec.split(","):
        role, sep, value = (part.strip() for part in item.partition("="))
        if not sep or role not in ROLES or not value:
            raise ValueError(
                f"scenario item {item!r} must read role=case[@N] with a role from "
                f"{', '.join(ROLES)}"
            )
        out[role] = value
    return out


def step_scenario(spec: str, seed: int) -> Scenario:
    """A one-effort scenario: ``case`` or ``case@N`` (peak about N newtons) or a trace file.

    A synthetic case is cut to start 0.8 s before its onset (shorter runs)
    and, with ``@N``, its effort above the rest level is scaled so its peak
    is N times a seeded factor of spread :data:`TRIAL_SPREAD`.
    """
    from nkt_dyno.engine.synthetic import CASES, generate

    case, _, force = spec.partition("@")
    if case not in CASES:
        if force:
            raise ValueError(f"scenario {spec!r}: '@N' needs a synthetic case ({', '.join(CASES)})")
        return from_trace(case)
    trace = generate(case, seed, rate_hz=1000.0)
    t, f = np.asarray(trace.t, dtype=np.float64), np.asarray(trace.force, dtype=np.float64)
    keep = t >= trace.truth.onset_s - _LEAD_S
    t, f = t[keep] - t[keep][0], f[keep]
    if force:
        target = _newtons(force, spec) * (1.0 + TRIAL_SPREAD * np.random.default_rng(seed).normal())
        rest = float(np.median(f[t < _LEAD_S / 2.0]))
        f = rest + (f - rest) * (target / trace.truth.peak_n)
    return Scenario(t, f, rest_s=1.0, label=spec)


def _newtons(text: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0.0:
        raise ValueError(f"scenario {spec!r}: the force after '@' must be a positive number of N")
    return value
