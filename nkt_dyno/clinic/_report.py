"""The session report: one self-contained HTML file (and, with Qt, a PDF).

Contents: who and what (client, examiner, devices, calibrations), the
protocol groups with their verdicts and change calls, the asymmetry table,
each test with its trace thumbnail and the items Conable & Rosner (2011) ask
every muscle-test report to state: procedure, instrument, duration, peak
force and timing of force application; then the examiner's profile and the
methods. Thumbnails are inline SVG; :func:`render_html` can instead refer to
them as images (``trace-<id>``) for renderers without SVG (Qt's text engine).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from nkt_dyno.clinic._balance import (
    CV_LIMIT_PCT,
    CV_WARN_PCT,
    Ratio,
    SideNoise,
    TrialSpread,
    ratios,
    side_asymmetries,
    sides_differ,
    trial_spreads,
)
from nkt_dyno.clinic._examiner import (
    SLOPE_CV_LIMIT_PCT,
    ExaminerProfile,
    UsualMax,
    examiner_limited,
    examiner_profile,
    usual_max,
)
from nkt_dyno.clinic._measures import Effort, effort_end_s, primary
from nkt_dyno.clinic._progress import Progress, Quantity, chart, progress, tracked
from nkt_dyno.clinic._protocol import GroupSummary, summarise_group
from nkt_dyno.clinic._reference import (
    NO_FACTS,
    NormsFacts,
    NormsResult,
    comparison_line,
    versus_norms,
)
from nkt_dyno.clinic._svg import HEIGHT, WIDTH, thumbnail
from nkt_dyno.clinic.reliability import FALLBACK_MDC_FRACTION
from nkt_dyno.derived import MIN_SAMPLES_PER_WINDOW, Measure, derived_measures
from nkt_dyno.store import (
    CalibrationRecord,
    Client,
    Device,
    MuscleTest,
    NotFoundError,
    Session,
    Store,
)
from nkt_dyno.summary import verdict_line
from nkt_dyno.trace import samples_sha256

Images = Literal["inline", "resource"]
_THUMB = 0.8
"""Thumbnail size as an image resource (PDF), relative to the inline SVG's: room for the text."""


@dataclass(frozen=True, slots=True)
class TestEntry:
    """One test as the report shows it."""

    test: MuscleTest
    effort: Effort | None
    svg: str
    recording_s: float
    effort_s: float | None
    position: str
    measures: tuple[Measure, ...] = ()
    body_mass_kg: float | None = None
    limited: str = ""
    """Why the examiner, not the patient, may have set this hold's limit (empty if not)."""
    sha256: str = ""
    """Of the samples (:func:`~nkt_dyno.trace.samples_sha256`): the printed test's recording."""
    norms: NormsResult | None = None
    """The comparison with a published reference, or why there is none."""


@dataclass(frozen=True, slots=True)
class SessionReport:
    """Everything the report prints, read from the store once."""

    client: Client
    session: Session
    examiner: str | None
    devices: tuple[Device, ...]
    calibrations: tuple[CalibrationRecord, ...]
    engine_versions: tuple[str, ...]
    tests: tuple[TestEntry, ...]
    groups: tuple[GroupSummary, ...]
    asymmetries: tuple[SideNoise, ...]
    profile: ExaminerProfile | None
    spreads: tuple[TrialSpread, ...] = ()
    ratios: tuple[Ratio, ...] = ()
    progress: tuple[tuple[Progress, str], ...] = ()
    """Each muscle and side tested at baseline in earlier sessions too, with its SVG chart."""
    norms: NormsFacts = NO_FACTS
    """The facts and reference table the tests were compared with."""


def build_report(
    store: Store, session_id: int, *, quantity: Quantity = "force", norms: NormsFacts = NO_FACTS
) -> SessionReport:
    """Collect one session's report from the store; progress charts show ``quantity``.

    ``norms`` can stand in for the client's sex and the tests' patient positions the
    store records, and names the reference table (default: the packaged one, or
    ``$NKT_DYNO_REFERENCES``); a test lacking a fact is not compared, and the header
    says which fact was missing.
    """
    session = store.get_session(session_id)
    tests = store.tests(session_id)
    examiner = None if session.examiner_id is None else store.get_examiner(session.examiner_id)
    device_ids = sorted({t.device_id for t in tests if t.device_id})
    calibration_ids = sorted({t.calibration_id for t in tests if t.calibration_id})
    versions = sorted({t.analysis.engine_version for t in tests if t.analysis})
    profile = None
    usual = (
        None
        if session.examiner_id is None
        else usual_max(store, session.examiner_id, until=session.started)
    )
    if examiner is not None:
        try:
            profile = examiner_profile(store, examiner.name)
        except NotFoundError:
            profile = None
    client = store.get_client(session.client_id)
    return SessionReport(
        client=client,
        session=session,
        examiner=None if examiner is None else examiner.name,
        devices=tuple(store.get_device(d) for d in device_ids),
        calibrations=tuple(store.get_calibration(c) for c in calibration_ids),
        engine_versions=tuple(versions),
        tests=tuple(_entry(store, t, client, usual, norms) for t in tests),
        groups=tuple(summarise_group(store, g.id) for g in store.protocol_groups(session_id)),
        asymmetries=tuple(side_asymmetries(store, session, tests)),
        profile=profile,
        spreads=tuple(trial_spreads(tests)),
        ratios=tuple(ratios(store, session, tests)),
        progress=tuple(
            (p, chart(p))
            for p in (
                progress(
                    store, session.client_id, m, side, quantity=quantity, until=session.started
                )
                for m, side in tracked(store, session.client_id, tests)
            )
            if p.visits
        ),
        norms=norms,
    )


def render_html(report: SessionReport, *, images: Images = "inline") -> str:
    """The report as one HTML document; ``images="resource"`` refers to ``trace-<id>``.

    Printed from a browser it fits A4 (``@page``), and no block (a test, a
    group, a table) is split across pages.
    """
    blocks = "\n".join(f"<div class='block'>{b}</div>" for b in html_blocks(report, images))
    return html_document(_title(report), blocks)


def html_blocks(report: SessionReport, images: Images = "inline") -> list[str]:
    """The report's parts in order, each kept whole on one page when printed.

    A section heading travels with the section's first part, so no heading
    ends a page alone.
    """
    calibrated = {c.id: _local(c.created)[:10] for c in report.calibrations}
    sections: list[tuple[str, list[str]]] = [
        (
            "Protocol groups",
            [_group(g) for g in report.groups]
            or ["<p class='muted'>No protocol groups in this session.</p>"],
        ),
        ("Repeated trials", [_spread_table(report.spreads)]),
        ("Left / right", [_asymmetry_table(report.asymmetries)]),
        ("Agonist / antagonist", [_ratio_table(report.ratios)]),
        (
            "Progress",
            [_progress(p, svg, i, images) for i, (p, svg) in enumerate(report.progress)]
            or ["<p class='muted'>No muscle was tested at baseline in an earlier session.</p>"],
        ),
        (
            "Tests",
            [_test(e, images, report.norms, calibrated) for e in report.tests]
            or ["<p class='muted'>No tests in this session.</p>"],
        ),
        ("Examiner", [_profile(report.profile)]),
        ("Methods", _METHODS + ([_REFERENCE_METHOD] if _compared(report) else [])),
    ]
    blocks = [f"<h1>{escape(_title(report))}</h1>" + _header(report)]
    for heading, parts in sections:
        blocks.append(f"<h2>{heading}</h2>" + parts[0])
        blocks.extend(parts[1:])
    return blocks


def _compared(report: SessionReport) -> bool:
    return any(e.norms and e.norms.comparison for e in report.tests)


def html_document(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        + body
        + "</body></html>\n"
    )


def _title(report: SessionReport) -> str:
    return f"Session report — {report.client.name}, {_local(report.session.started)}"


# -- collecting -----------------------------------------------------------------------


def _entry(
    store: Store,
    test: MuscleTest,
    client: Client,
    usual: UsualMax | None = None,
    norms: NormsFacts = NO_FACTS,
) -> TestEntry:
    trace = store.load_trace(test.id)
    effort = primary(test)
    label = f"test {test.id}: {test.muscle} {test.side}, {test.condition}"
    end = effort_end_s(trace.t, trace.force, effort) if effort else None
    onset = effort.get("onset_s") if effort else None
    try:
        position = store.resolve_muscle(test.muscle).position
    except ValueError:
        position = ""
    mass = store.body_mass_at(test.client_id, test.recorded)
    kg = None if mass is None else mass.kg
    return TestEntry(
        test,
        effort,
        thumbnail(trace.t, trace.force, effort, title=label),
        float(trace.t[-1] - trace.t[0]),
        None if end is None or onset is None else end - float(onset),
        _position(test, position),
        tuple(
            derived_measures(
                trace.t, trace.force, effort, lever_arm_m=test.context.lever_arm_m, body_mass_kg=kg
            )
        ),
        kg,
        examiner_limited(test, usual),
        samples_sha256(trace),
        versus_norms(test, client, kg, norms),
    )


# -- rendering ------------------------------------------------------------------------


def _header(r: SessionReport) -> str:
    about = [f"born {r.client.birth_year}" if r.client.birth_year else "", r.client.sex or ""]
    born = f" ({', '.join(a for a in about if a)})" if any(about) else ""
    rows = [
        ("Client", f"{escape(r.client.name)}{born}"),
        ("Session", f"#{r.session.id}, started {_local(r.session.started)}"),
        ("Examiner", escape(r.examiner or "not recorded")),
        ("Instrument", "; ".join(_device(d) for d in r.devices) or "not recorded"),
        ("Calibration", "; ".join(_calibration(c) for c in r.calibrations) or "none recorded"),
        ("Analysis", "nkt-dyno engine " + (", ".join(r.engine_versions) or "—")),
        ("Tests", f"{len(r.tests)} in this session"),
    ]
    lacking = [e.norms.missing for e in r.tests if e.norms and e.norms.missing]
    if lacking:
        facts = escape(", ".join(sorted({m for found in lacking for m in found})))
        n = len(lacking)
        which = "none" if n == len(r.tests) else f"{n} test{'s' if n > 1 else ''} not"
        rows.append(
            (
                "References",
                f"<span class='muted'>{which} compared with published values "
                f"(not recorded: {facts})</span>",
            )
        )
    if r.session.notes:
        rows.append(("Notes", escape(r.session.notes)))
    return _table(["", ""], [[f"<b>{k}</b>", v] for k, v in rows], cls="facts", head=False)


def _group(g: GroupSummary) -> str:
    rows = []
    for role, steps, changes in (
        ("baseline", g.baseline, (None,) * len(g.baseline)),
        ("challenge", g.challenges, g.challenge_changes),
        ("retest", g.post, (g.change,) * len(g.post)),
    ):
        for step, change in zip(steps, changes, strict=True):
            label = role if step.target_label is None else f"{role}: {step.target_label}"
            call = "—" if change is None else _call(change.changed, change.text)
            rows.append([f"#{step.test.id}", escape(label), escape(step.text), call])
    noise = g.noise.note if g.noise else "no baseline force: no change can be called"
    return (
        f"<p class='summary'>{escape(g.line())}</p>"
        + _table(["test", "step", "result", "vs baseline"], rows, cls="steps")
        + f"<p class='note'>Noise: {escape(noise)}.</p>"
    )


def _asymmetry_table(items: Sequence[SideNoise]) -> str:
    if not items:
        return "<p class='muted'>No muscle was tested on both sides at baseline.</p>"
    rows = []
    for item in items:
        a = item.result
        basis = "ICC" if item.left.method == item.right.method == "icc" else "fallback"
        rows.append(
            [
                escape(a.muscle),
                f"{a.left_n:.0f} N",
                f"{a.right_n:.0f} N",
                f"{a.diff_pct:+.0f} %",
                f"{a.symmetry_index:+.0f} %",
                f"{a.lsi_pct:.0f} %",
                f"{a.mdc_n:.0f} N ({basis})",
                _call(a.flagged, "beyond MDC" if a.flagged else "within MDC", warn=True),
            ]
        )
    return _table(
        ["muscle", "left", "right", "L−R", "SI", "LSI", "MDC95", "flag"],
        rows,
        cls="steps",
    ) + (
        "<p class='note'>L−R: difference relative to the stronger side; SI: symmetry index, "
        "(L − R) / mean; LSI: limb symmetry index, weaker ÷ stronger side. Healthy sides "
        "differ by up to 23–40 % (Bohannon 1999); a difference "
        "is flagged only when it exceeds the larger side's MDC95.</p>"
    )


def _spread_table(items: Sequence[TrialSpread]) -> str:
    if not items:
        return "<p class='muted'>No muscle was tested twice under one condition.</p>"
    rows = [
        [
            escape(f"{s.muscle} {s.side}"),
            escape(s.condition),
            escape(", ".join(f"{f:.0f}" for f in s.forces_n)) + " N",
            f"{s.mean_n:.0f} N",
            _call(bool(s.warning), f"{s.cv_pct:.1f} %", warn=True),
            escape(s.warning) or "—",
        ]
        for s in items
    ]
    return _table(["muscle", "condition", "trials", "mean", "CV", "note"], rows, cls="steps") + (
        f"<p class='note'>CV = SD ÷ mean of the trials' forces; above {CV_WARN_PCT:.0f} % the "
        f"trials are variable, above {CV_LIMIT_PCT:.0f} % too variable to interpret.</p>"
    )


def _ratio_table(items: Sequence[Ratio]) -> str:
    if not items:
        return (
            "<p class='muted'>No agonist/antagonist pair (knee H/Q, hip ER/IR, hip ABD/ADD) "
            "was tested on one side at baseline.</p>"
        )
    rows = []
    for r in items:
        other = next(
            (o for o in items if o.pair == r.pair and {o.side, r.side} == {"L", "R"}), None
        )
        versus = "—"
        if other is not None:
            differ = sides_differ(r, other)
            versus = _call(differ, "sides differ beyond MDC" if differ else "within MDC", warn=True)
        high = "∞" if r.high == float("inf") else f"{r.high:.2f}"
        rows.append(
            [
                escape(r.pair),
                r.side,
                escape(f"{r.agonist} {r.agonist_n:.0f} N ÷ {r.antagonist} {r.antagonist_n:.0f} N"),
                f"{r.ratio:.2f}",
                f"{r.low:.2f}–{high}",
                versus,
            ]
        )
    return _table(["ratio", "side", "forces", "ratio", "MDC band", "L vs R"], rows, cls="steps") + (
        "<p class='note'>Baseline means of the same side. The band moves each force by its MDC95; "
        "left and right differ only when their bands do not overlap. Isokinetic cut-offs do not "
        "apply to handheld tests.</p>"
    )


def _progress(p: Progress, svg: str, index: int, images: Images) -> str:
    image = (
        svg
        if images == "inline"
        else f"<img src='progress-{index}' width='{_THUMB * 520:.0f}' "
        f"height='{_THUMB * 150:.0f}' alt='progress {index}'>"
    )
    words = {"reference": "reference", "up": "stronger beyond MDC", "down": "weaker beyond MDC"}
    calls = "; ".join(
        f"{_local(v.started)[:10]}: {v.value:.1f} {p.unit} ({v.trials} trial"
        f"{'s' if v.trials > 1 else ''}, {'/'.join(v.verdicts) or 'no verdict'}) "
        + _call(v.change in ("up", "down"), words.get(v.change, "within MDC"))
        for v in p.visits
    )
    skipped = (
        f" {p.skipped} session(s) left out: no lever arm or body mass for this measure."
        if p.skipped
        else ""
    )
    band = "" if p.mdc is None else f"Band: first session ± MDC95 {p.mdc:.1f} {p.unit}. "
    return (
        f"<p class='summary'>{escape(p.label)}</p><div>{image}</div>"
        f"<p class='note'>{calls}.</p><p class='note'>{escape(band + p.note)}.{skipped}</p>"
    )


def _test(
    e: TestEntry,
    images: Images,
    norms: NormsFacts = NO_FACTS,
    calibrated: Mapping[str, str] | None = None,
) -> str:
    t, eff = e.test, e.effort or {}
    image = (
        e.svg
        if images == "inline"
        else f"<img src='trace-{t.id}' width='{_THUMB * WIDTH:.0f}' "
        f"height='{_THUMB * HEIGHT:.0f}' alt='trace {t.id}'>"
    )
    procedure = f"{t.muscle} {t.side}, {t.condition}"
    if t.challenge_target:
        procedure += f" (challenge: {t.challenge_target})"
    procedure += (
        "; make test, the patient pushing against the device"
        if t.test == "make"
        else "; break test, examiner-applied pressure"
    )
    items = [
        ("Result", escape(verdict_line(e.effort))),
        ("Procedure", escape(procedure)),
        ("Position", escape(e.position or "not recorded")),
        ("Instrument", escape(_instrument(t, calibrated or {}))),
        ("Duration", _duration(e)),
        ("Recording", escape(t.recording_line(listed=GAPS_LISTED))),
        ("Peak force", _n(eff.get("peak_n"), " N above rest")),
        ("Set-up", escape(_setup(e))),
        # Nothing normalised: the set-up line already says what is missing.
        *(
            [("Normalised", _measures(e.measures[:4], 2))]
            if any(m.value is not None for m in e.measures[:4])
            else []
        ),
        ("Timing", escape(_timing(eff))),
        ("Rate of force", _measures(e.measures[4:], 0)),
        *([("Examiner", f"<span class='flag'>⚠ {escape(e.limited)}</span>")] if e.limited else []),
        *_reference(e.norms, norms),
    ]
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in items)
    return (
        "<table class='test' width='100%'><tr>"
        f"<td class='thumb' width='34%'><div class='caption'>#{t.id} · {_local(t.recorded)}</div>"
        f"<div>{image}</div><div class='digest'>SHA-256 {e.sha256[:16]}…</div></td>"
        f"<td width='66%'><table class='items' width='100%'>{cells}</table></td></tr></table>"
    )


def _reference(result: NormsResult | None, norms: NormsFacts) -> list[tuple[str, str]]:
    """The comparison with a reference; a short muted reason where the facts existed but
    none matched; nothing where the facts were not recorded (the header says so once)."""
    if result is None or result.missing:
        return []
    if result.comparison is None:
        why = escape(result.reason)
        return [("Reference", f"<span class='muted'>no published reference ({why})</span>")]
    return [("Reference", escape(comparison_line(result.comparison, norms.table)))]


GAPS_LISTED = 3
"""Gaps a test's block spells out; the rest are counted (the replay command lists all)."""


def _position(test: MuscleTest, catalogue: str) -> str:
    """The patient position recorded, with the position notes; else the notes, else how the
    catalogue describes the muscle's test."""
    recorded = test.context.patient_position
    if recorded is None:
        return test.position_notes or catalogue
    return f"{recorded}; {test.position_notes}" if test.position_notes else recorded


def _setup(e: TestEntry) -> str:
    """The test's context, naming what the normalised measures would need (the patient
    position has its own line)."""
    context = dataclasses.replace(e.test.context, patient_position=None)
    parts = [context.line() or "fixation and angle not recorded"]
    if context.lever_arm_m is None:
        parts.append("no lever arm recorded")
    if e.body_mass_kg is None:
        parts.append("no body mass on or before the test day")
    else:
        parts.append(f"body mass {e.body_mass_kg:g} kg")
    return "; ".join(parts)


def _measures(measures: Sequence[Measure], digits: int) -> str:
    """Given measures in a row; withheld ones grouped under their shared reason."""
    given = [
        f"{escape(m.label)} {m.value:.{digits}f} {escape(m.unit)}"
        for m in measures
        if m.value is not None
    ]
    reasons: dict[str, list[str]] = {}
    for m in measures:
        if m.value is None:
            reasons.setdefault(m.why, []).append(m.label)
    withheld = [
        f"<span class='muted'>{escape(', '.join(labels))}: {escape(why)}</span>"
        for why, labels in reasons.items()
    ]
    return " · ".join(given + withheld) or "—"


def _profile(p: ExaminerProfile | None) -> str:
    if p is None:
        return "<p class='muted'>No examiner recorded for this session.</p>"
    o = p.overall
    rows = [
        [
            "all sessions",
            str(o.trials),
            _n(o.start_force_n, " N"),
            _n(o.start_ratio, "", 2),
            _n(o.rise_slope_n_per_s, " N/s"),
            _n(o.slope_cv_pct, " %"),
            _n(o.time_to_peak_s, " s", 2),
            _n(o.nmed, "", 3),
        ]
    ]
    for row in p.sessions[-6:]:
        st = row.stats
        rows.append(
            [
                f"#{row.session_id}, {_day(row.started)}",
                str(st.trials),
                _n(st.start_force_n, " N"),
                _n(st.start_ratio, "", 2),
                _n(st.rise_slope_n_per_s, " N/s"),
                _n(st.slope_cv_pct, " %"),
                _n(st.time_to_peak_s, " s", 2),
                _n(st.nmed, "", 3),
            ]
        )
    warnings = "".join(f"<p class='warn'>⚠ {escape(w)}</p>" for w in p.warnings)
    usual = ""
    if p.usual_max is not None:
        usual = (
            f"<p class='note'>Usual maximum with the device in hand: {p.usual_max.force_n:.0f} N "
            f"(90th percentile of {p.usual_max.tests} handheld holds); a hold reaching 90 % of it "
            "may be examiner-limited.</p>"
        )
    return (
        f"<p><b>{escape(p.name)}</b>: how this examiner applies force (Bittmann et al. 2020).</p>"
        + _table(
            [
                "session",
                "trials",
                "start force",
                "start ratio",
                "rise slope",
                "rise-rate CV",
                "time to peak",
                "NMED",
            ],
            rows,
            cls="steps",
        )
        + (warnings or f"<p class='note'>Rise-rate CV within {SLOPE_CV_LIMIT_PCT:.0f} %.</p>")
        + usual
    )


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, cls: str, head: bool = True
) -> str:
    top = "<tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr>" if head else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    width = " width='100%'" if head else ""
    return f"<table class='{cls}'{width} cellspacing='0' cellpadding='3'>{top}{body}</table>"


def _call(flag: bool, text: str, *, warn: bool = False) -> str:
    """A change call in bold when beyond the MDC; red for an asymmetry flag."""
    cls = ("flag" if warn else "yes") if flag else "no"
    return f"<span class='{cls}'>{escape(text)}</span>"


def _device(d: Device) -> str:
    firmware = f", firmware {escape(d.firmware)}" if d.firmware else ""
    return f"{escape(d.model)} ({escape(d.id)}{firmware})"


def _calibration(c: CalibrationRecord) -> str:
    record = c.record
    quality = record.get("quality") or {}
    fit = record.get("fit") or {}
    bits = [f"{escape(c.id)}, {_local(c.created)[:10]}"]
    if fit.get("degree") is not None:
        bits.append("linear fit" if fit["degree"] == 1 else f"degree-{fit['degree']} fit")
    if quality.get("full_scale_n") is not None:
        bits.append(f"to {float(quality['full_scale_n']):.0f} N")
    if quality.get("max_residual_pct_fs") is not None:
        bits.append(f"max error {float(quality['max_residual_pct_fs']):.2f} % FS")
    return ", ".join(bits)


def _instrument(t: MuscleTest, calibrated: Mapping[str, str]) -> str:
    """Device, fixation and the calibration record used (with its date, from ``calibrated``)."""
    device = t.device_id or "device not recorded"
    calibration = ", uncalibrated"
    if t.calibration_id:
        day = calibrated.get(t.calibration_id)
        calibration = f", calibration {t.calibration_id}" + (f" of {day}" if day else "")
    fixed = {"belt": "belt-fixed", "frame": "frame-mounted"}
    held = fixed.get(t.context.fixation or "", "handheld")
    return f"{held} dynamometer {device}{calibration}"


def _duration(e: TestEntry) -> str:
    effort = "—" if e.effort_s is None else f"{e.effort_s:.1f} s"
    hold = (e.effort or {}).get("hold_s")
    tail = "" if hold is None else f", within 10 % of peak for {float(hold):.1f} s"
    return f"effort {effort}{tail} (recording {e.recording_s:.1f} s)"


def _timing(eff: Effort) -> str:
    if eff.get("onset_s") is None:
        return "—"
    onset = float(eff["onset_s"])
    parts = [f"onset at {onset:.2f} s"]
    if eff.get("start_force_n") is not None:
        parts.append(f"start force {float(eff['start_force_n']):.0f} N")
    if eff.get("time_to_peak_s") is not None:
        parts.append(f"time to peak {float(eff['time_to_peak_s']):.2f} s")
    if eff.get("rise_slope_n_per_s") is not None:
        parts.append(f"rise {float(eff['rise_slope_n_per_s']):.0f} N/s")
    if eff.get("break_s") is not None:
        parts.append(f"break {float(eff['break_s']) - onset:.2f} s after onset")
    return ", ".join(parts)


def _n(value: object, unit: str, digits: int = 0) -> str:
    return "—" if value is None else f"{float(value):.{digits}f}{unit}"  # type: ignore[arg-type]


def _day(stamp: str) -> str:
    """A day that wraps between words in a narrow column (``8 Apr 2025``), never inside one."""
    day = dt.datetime.fromisoformat(stamp).astimezone()
    return f"{day.day} {day.strftime('%b %Y')}"


def _local(stamp: str) -> str:
    return dt.datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


_METHODS_HTML = f"""
<p class='method'><b>Force compared.</b> The force a muscle withstood: the force at the break for a
break, the peak for a hold (N above rest). Verdicts and figures come from the streaming engine,
the same code live and offline.</p>
<p class='method'><b>Change vs noise.</b> From the baseline trials of the same client, muscle, side
and examiner (this and earlier sessions): SEM = SD·√(1 − ICC(2,1)), MDC95 = 1.96·√2·SEM
(Weir 2005). ICC(2,1), absolute agreement, counts drifts between trial positions (fatigue,
learning) as error, as a pre/post comparison must; ICC(3,1) is computed for comparison. It needs
≥ 2 sessions with ≥ 2 baseline trials; otherwise MDC95 = {100 * FALLBACK_MDC_FRACTION:.0f} % of
the baseline force, within the 15–30 % published for handheld dynamometry. A difference is a
change only beyond the MDC95.</p>
<p class='method'><b>Asymmetry.</b> Signed difference (L − R) relative to the stronger side, and
symmetry index (L − R) / mean (Robinson et al. 1987); flagged only beyond the MDC95.</p>
<p class='method'><b>Examiner.</b> Start force and start/peak ratio at onset, rise slope (10–90 % of
peak), time to peak; rise-rate CV = CV of slope ÷ peak between trials (warning above
{SLOPE_CV_LIMIT_PCT:.0f} %); NMED = mean over trial pairs of the RMS gap between their rises,
each from onset to 95 % of peak, resampled to 101 points and divided by its peak (after
Bittmann et al. 2020, Diagnostics 10:996).</p>
<p class='method'><b>Derived measures.</b> Torque = peak force × lever arm (joint axis to pad
centre); N/kg and %BW = peak ÷ body mass (÷ g = 9.81 m/s² for %BW), with the latest weighing on or
before the test day. RFD 0–50/100/200 ms = force gained from onset over the window; RFD 20–80 % =
60 % of the peak ÷ the time from 20 % to 80 % of it; impulse = area above rest from onset to the
effort's end. A time window is measured only when it spans at least {MIN_SAMPLES_PER_WINDOW}
sample intervals with no gap (onset is known to about one interval, so the slope is within
10 %): 0–50 ms needs 200 samples/s, 0–100 ms 100/s, 0–200 ms 50/s. Otherwise the report says
why.</p>
<p class='method'><b>Reporting items</b> per test follow Conable &amp; Rosner (2011, J Chiropr Med
10:157–165): procedure, instrument, duration, peak force, timing of force application; each also
names its calibration record and, under its thumbnail, the SHA-256 of its samples (time, force,
any gyro column, as little-endian 64-bit floats), which the store and the exports hold exactly.</p>
"""
_METHODS = [p.strip() + "</p>" for p in _METHODS_HTML.split("</p>") if p.strip()]
"""One block per paragraph: a page may end between them."""
_REFERENCE_METHOD = """<p class='method'><b>Reference values.</b> A test is compared with a
published reference only where muscle, patient position, make/break method, sex and age all match
what the source states; percent of predicted = this test ÷ the reference mean (or the source's
equation for this age, sex and body mass); z = the difference ÷ the source's SD.</p>"""
"""Printed only when a test was compared; otherwise the header says why none was."""

_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 9.5pt; color: #1a1a1a;
       max-width: 820px; margin: 24px auto; }
@media print { body { max-width: none; margin: 0; } }
.block { break-inside: avoid; page-break-inside: avoid; }
h1 { font-size: 15pt; margin: 0 0 6px 0; }
h2 { font-size: 12pt; margin: 14px 0 4px 0; border-bottom: 1px solid #999;
     break-after: avoid; page-break-after: avoid; }
table { border-collapse: collapse; }
table.facts td { padding: 1px 12px 1px 0; }
table.steps { margin: 4px 0; width: 100%; }
table.steps th, table.steps td { border: 1px solid #c8c8c8; padding: 2px 6px; text-align: left; }
table.steps th { background-color: #eef1f4; white-space: nowrap; }
table.test { margin: 4px 0 6px 0; width: 100%; border-top: 1px solid #dddddd; }
table.test td { vertical-align: top; }
table.items th { text-align: left; vertical-align: top; padding: 1px 8px 1px 0; color: #444;
                 font-weight: normal; white-space: nowrap; }
table.items { font-size: 8pt; }
table.items td { padding: 1px 0; }
.caption { color: #555; font-size: 8.5pt; }
.digest { color: #777; font-size: 7pt; }
.summary { font-weight: bold; margin: 8px 0 4px 0; }
.note { color: #333; font-size: 8.5pt; }
.method { color: #333; font-size: 8pt; margin: 3px 0; }
.muted { color: #777; }
.yes { color: #1a4f8a; font-weight: bold; }
.flag { color: #b03a2e; font-weight: bold; }
.no { color: #555555; }
.warn { color: #b03a2e; }
"""
