"""The test-context options, one set of names for ``record``, ``import`` and ``test edit``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nkt_dyno.context import TestContext

OPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("--fixation", "fixation", "KIND", "what held the device: handheld, belt or frame"),
    ("--joint-angle", "joint_angle_deg", "DEG", "joint angle in degrees"),
    ("--lever-arm", "lever_arm_m", "M", "metres from the joint axis to the pad centre"),
    ("--pain", "pain", "0-10", "pain during the test, 0 to 10"),
    ("--mmt-grade", "mmt_grade", "GRADE", "manual muscle testing grade, 0 to 5 (4+, 3-...)"),
    (
        "--patient-position",
        "patient_position",
        "POSITION",
        "how the patient lay or sat: supine, prone, side-lying, seated or standing",
    ),
)
"""Option, context field, value name, help."""


def add_context_arguments(parser: argparse.ArgumentParser) -> None:
    """The context options; each value is checked as the command line is read."""
    from nkt_dyno.context import PARSERS

    group = parser.add_argument_group("how the test was done (optional)")
    for option, field, metavar, text in OPTIONS:
        group.add_argument(
            option, dest=field, type=_checked(PARSERS[field]), metavar=metavar, help=text
        )


def context_from_args(args: argparse.Namespace) -> TestContext:
    from nkt_dyno.context import FIELDS, TestContext

    return TestContext(**{f: getattr(args, f, None) for f in FIELDS})


def _checked(parse: Callable[[str], object]) -> Callable[[str], object]:
    def check(text: str) -> object:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return check
