"""``nkt-dyno examiner profile NAME``: how one examiner applies force, and how reproducibly."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from nkt_dyno.commands._storecli import (
    add_db_argument,
    local_time,
    print_table,
    printable,
    with_store,
)

if TYPE_CHECKING:
    from nkt_dyno.clinic import RiseStats
    from nkt_dyno.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("examiner", help="an examiner's force-application profile")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    profile = sub.add_parser("profile", help="start force, rise, consistency and trend")
    profile.add_argument("name", metavar="NAME", help="examiner's name (any case)")
    add_db_argument(profile)
    profile.set_defaults(run=with_store(_profile, reading=True))


def _profile(store: Store, args: argparse.Namespace) -> int:
    from nkt_dyno.clinic import SLOPE_CV_LIMIT_PCT, examiner_profile

    profile = examiner_profile(store, args.name)
    print(f"examiner {printable(profile.name)}: {profile.overall.trials} trials")
    rows = [_row("all", profile.overall)]
    rows += [_row(f"#{r.session_id} {local_time(r.started)}", r.stats) for r in profile.sessions]
    print_table(
        ("session", "trials", "start N", "start ratio", "slope N/s", "rise CV %", "peak s", "NMED"),
        rows,
    )
    for warning in profile.warnings:
        print(f"warning: {warning}")
    if not profile.warnings:
        print(f"rise consistent: rise-rate CV within {SLOPE_CV_LIMIT_PCT:.0f} %")
    return 0


def _row(label: str, s: RiseStats) -> tuple[object, ...]:
    return (
        label,
        s.trials,
        _f(s.start_force_n, 1),
        _f(s.start_ratio, 2),
        _f(s.rise_slope_n_per_s, 0),
        _f(s.slope_cv_pct, 0),
        _f(s.time_to_peak_s, 2),
        _f(s.nmed, 3),
    )


def _f(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
