"""The clinical workflow: test → challenge → retest, change vs noise, examiner, report.

Single tests become evidence here: a protocol group links one muscle's
baseline, challenges and retests; :mod:`~nkt_dyno.clinic.reliability` says
whether a difference exceeds the client's and examiner's own noise; the
examiner profile and the session report make the tester visible. Qt is only
imported by :func:`write_pdf` / :func:`write_png`, the radio only by
:mod:`nkt_dyno.clinic.simulation`.
"""

from nkt_dyno.clinic._asymmetry import Asymmetry, asymmetry
from nkt_dyno.clinic._balance import (
    CV_LIMIT_PCT,
    CV_WARN_PCT,
    PAIRS,
    Pair,
    Ratio,
    SideNoise,
    TrialSpread,
    ratio_band,
    ratios,
    side_asymmetries,
    sides_differ,
    trial_spreads,
)
from nkt_dyno.clinic._examiner import (
    NMED_POINTS,
    SLOPE_CV_LIMIT_PCT,
    ExaminerProfile,
    RiseStats,
    SessionRise,
    UsualMax,
    examiner_limited,
    examiner_profile,
    nmed,
    rise_curve,
    rise_stats,
    usual_max,
)
from nkt_dyno.clinic._measures import withstood_n
from nkt_dyno.clinic._pdf import QtUnavailableError, write_page_pngs, write_pdf, write_png
from nkt_dyno.clinic._progress import Progress, Visit, progress, tracked
from nkt_dyno.clinic._protocol import GroupSummary, Step, summarise_group
from nkt_dyno.clinic._records import baseline_trials, noise_for
from nkt_dyno.clinic._reference import NormsFacts, NormsResult, comparison_line, versus_norms
from nkt_dyno.clinic._report import SessionReport, build_report, render_html
from nkt_dyno.clinic._runner import (
    Captured,
    GroupWriter,
    PlannedStep,
    ProtocolRequest,
    capture,
    plan,
    run_protocol,
    store_device,
)
from nkt_dyno.clinic.reliability import Change, Noise, call_change, estimate_noise, icc

__all__ = [
    "CV_LIMIT_PCT",
    "CV_WARN_PCT",
    "NMED_POINTS",
    "PAIRS",
    "SLOPE_CV_LIMIT_PCT",
    "Asymmetry",
    "Captured",
    "Change",
    "ExaminerProfile",
    "GroupSummary",
    "GroupWriter",
    "Noise",
    "NormsFacts",
    "NormsResult",
    "Pair",
    "PlannedStep",
    "Progress",
    "ProtocolRequest",
    "QtUnavailableError",
    "Ratio",
    "RiseStats",
    "SessionReport",
    "SessionRise",
    "SideNoise",
    "Step",
    "TrialSpread",
    "UsualMax",
    "Visit",
    "asymmetry",
    "baseline_trials",
    "build_report",
    "call_change",
    "capture",
    "comparison_line",
    "estimate_noise",
    "examiner_limited",
    "examiner_profile",
    "icc",
    "nmed",
    "noise_for",
    "plan",
    "progress",
    "ratio_band",
    "ratios",
    "render_html",
    "rise_curve",
    "rise_stats",
    "run_protocol",
    "side_asymmetries",
    "sides_differ",
    "store_device",
    "summarise_group",
    "tracked",
    "trial_spreads",
    "usual_max",
    "versus_norms",
    "withstood_n",
    "write_page_pngs",
    "write_pdf",
    "write_png",
]
