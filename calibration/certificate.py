"""A printable calibration certificate: one self-contained HTML page.

No scripts, no external files: styles are inline and the residual plot is an
SVG drawn here, so the page prints the same anywhere and can be archived next
to the record it describes.
"""

from __future__ import annotations

import math
from html import escape

from calibration._fit import Direction
from calibration._record import SCHEMA_VERSION, CalibrationRecord
from calibration._verify import Verification, tolerance_n

_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;color:#111;max-width:190mm;margin:12mm auto;
font-size:10.5pt;line-height:1.35}
h1{font-size:17pt;margin:0 0 2mm}h2{font-size:12pt;margin:6mm 0 2mm;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%}td,th{padding:1.2mm 2mm;border-bottom:1px solid #ddd;
text-align:left}th{background:#f1f1f1}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.meta td:first-child{width:45mm;color:#555}.pass{color:#0a6b2d;font-weight:bold}
.fail{color:#a40000;font-weight:bold}.muted{color:#666}.sig{margin-top:12mm;display:flex;gap:20mm}
.sig div{flex:1;border-top:1px solid #333;padding-top:1mm;color:#555}
@page{size:A4;margin:12mm}@media print{body{margin:0}}
"""


def render_certificate(record: CalibrationRecord, verification: Verification | None = None) -> str:
    """HTML text of the certificate for `record`, with an optional verification.

    Parameters
    ----------
    record : CalibrationRecord
        The calibration to document.
    verification : Verification, optional
        A check made with this calibration; its pass/fail is shown.

    Returns
    -------
    str
        A complete HTML5 document.

    Raises
    ------
    TypeError
        If `record` or `verification` has the wrong type.
    """
    if not isinstance(record, CalibrationRecord):
        raise TypeError(f"record: expected CalibrationRecord, got {type(record).__name__}")
    if verification is not None and not isinstance(verification, Verification):
        raise TypeError(f"verification: expected Verification, got {type(verification).__name__}")
    title = f"Calibration certificate — {record.device_model} {record.device_id}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        "<h1>Calibration certificate</h1>",
        f'<p class="muted">Record {record.fingerprint()} · schema version {SCHEMA_VERSION}</p>',
        _meta_table(record),
        "<h2>Fit</h2>",
        _fit_section(record),
        "<h2>Quality</h2>",
        _quality_table(record),
        "<h2>Residuals</h2>",
        _residual_svg(record),
        "<h2>Points</h2>",
        _points_table(record),
        "<h2>Verification</h2>",
        _verification_section(verification),
        '<div class="sig"><div>Calibrated by</div><div>Checked by</div><div>Date</div></div>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _rows(rows: list[tuple[str, str]], css: str = "meta") -> str:
    body = "".join(f"<tr><td>{escape(k)}</td><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{css}">{body}</table>'


def _meta_table(record: CalibrationRecord) -> str:
    created = record.created.strftime("%Y-%m-%d %H:%M UTC")
    device_side = (
        "yes: points also stored in the device"
        if record.device_side_calibration
        else "no: correction applied by nkt-dyno"
    )
    rows = [
        ("Device", escape(f"{record.device_model} — {record.device_id}")),
        ("Date", escape(created)),
        ("Operator", escape(record.operator) or '<span class="muted">not recorded</span>'),
        ("Local gravity", f"{record.gravity:.5f} m/s²"),
        ("Device-side calibration", device_side),
    ]
    if record.note:
        rows.append(("Note", escape(record.note)))
    return _rows(rows)


def _fit_section(record: CalibrationRecord) -> str:
    fit = record.fit
    c0, c1, c2 = fit.coefficients
    equation = f"F = {c0:.5g} N + {c1:.7g} · r"
    if fit.degree == 2:
        equation += f" {'+' if c2 >= 0 else '−'} {abs(c2):.4e} · r²"
    if fit.quadratic_p_value is None:
        why = "straight line (too few masses to test curvature)"
    elif fit.degree == 2:
        why = f"quadratic: curvature significant (p = {fit.quadratic_p_value:.2g})"
    else:
        why = f"straight line (quadratic not justified, p = {fit.quadratic_p_value:.2g})"
    rows = [
        ("Model", escape(why)),
        ("Correction", f"<code>{escape(equation)}</code> (r = raw reading)"),
        ("Gain", f"{c1:.6f}"),
        ("Offset", f"{c0:+.3f} N"),
        ("Calibrated range", f"{fit.raw_range[0]:.2f} … {fit.raw_range[1]:.2f} (raw)"),
    ]
    if fit.quadratic_effect_n is not None:
        rows.append(("Quadratic vs line", f"{fit.quadratic_effect_n:.3g} N at most"))
    return _rows(rows)


def _pct(value: float | None) -> str:
    return '<span class="muted">n/a</span>' if value is None else f"{value:.3f} % FS"


def _quality_table(record: CalibrationRecord) -> str:
    q = record.quality
    return _rows(
        [
            ("Full scale (FS)", f"{q.full_scale_n:.2f} N"),
            ("Non-linearity", _pct(q.nonlinearity_pct_fs)),
            ("Hysteresis", _pct(q.hysteresis_pct_fs)),
            ("Repeatability", _pct(q.repeatability_pct_fs)),
            ("Largest residual", _pct(q.max_residual_pct_fs)),
            ("RMS residual", f"{q.rms_residual_n:.3f} N"),
        ]
    )


def _points_table(record: CalibrationRecord) -> str:
    head = (
        "<tr><th>#</th><th>Series</th><th class=n>Mass (kg)</th><th class=n>Reference (N)</th>"
        "<th class=n>Raw</th><th class=n>SD</th><th class=n>Samples</th>"
        "<th class=n>Corrected (N)</th><th class=n>Residual (N)</th></tr>"
    )
    correction = record.correction()
    rows = []
    for i, (p, res) in enumerate(zip(record.points, record.quality.residuals_n, strict=True), 1):
        ref = p.mass_kg * record.gravity
        rows.append(
            f"<tr><td>{i}</td><td>{p.direction.value}</td><td class=n>{p.mass_kg:g}</td>"
            f"<td class=n>{ref:.3f}</td><td class=n>{p.raw:.3f}</td><td class=n>{p.raw_sd:.3f}</td>"
            f"<td class=n>{p.n_samples}</td><td class=n>{float(correction(p.raw)):.3f}</td>"
            f"<td class=n>{res:+.3f}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _verification_section(v: Verification | None) -> str:
    if v is None:
        return '<p class="muted">Not verified with an independent mass.</p>'
    verdict = '<span class="pass">PASS</span>' if v.passed else '<span class="fail">FAIL</span>'
    error_pct = "" if v.error_pct is None else f" ({v.error_pct:+.3f} %)"
    return _rows(
        [
            ("Mass", f"{v.mass_kg:g} kg → {v.reference_n:.3f} N (g = {v.gravity:.5f})"),
            ("Reading", f"{v.reading_n:.3f} N"),
            ("Error", f"{v.error_n:+.3f} N{error_pct}"),
            ("Tolerance", f"± {v.tolerance_n:.3f} N (1 % of reading, at least 0.5 N)"),
            ("Result", verdict),
        ]
    )


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    raw_step = (high - low) / count
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw_step)
    first = math.ceil(low / step) * step
    count_in = int((high - first) / step + 1e-9) + 1
    return [round(first + k * step, 12) + 0.0 for k in range(count_in)]


def _residual_svg(record: CalibrationRecord) -> str:
    """Residual (N) against reference force (N), with the default verification band."""
    width, height, left, right, top, bottom = 640, 260, 58, 16, 12, 40
    fs = record.quality.full_scale_n
    refs = [p.mass_kg * record.gravity for p in record.points]
    residuals = record.quality.residuals_n
    # Scaled to the residuals (at least +-0.05 N) so their pattern shows; the
    # tolerance band is clipped to the frame when it is wider.
    y_max = 1.25 * max(max(abs(r) for r in residuals), 0.05)
    x_lo, x_hi = -0.03 * fs, 1.03 * fs
    x_ticks, y_ticks = _ticks(0.0, fs), _ticks(-y_max, y_max)

    def sx(x: float) -> float:
        return left + (width - left - right) * (x - x_lo) / (x_hi - x_lo)

    def sy(y: float) -> float:
        return top + (height - top - bottom) * (y_max - y) / (2 * y_max)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-size="11" role="img" '
        'aria-label="Residuals of the fit against reference force">'
    ]
    band = [(f, tolerance_n(f)) for f in [x_lo + (x_hi - x_lo) * k / 100 for k in range(101)]]
    upper = " ".join(f"{sx(f):.1f},{sy(t):.1f}" for f, t in band)
    lower = " ".join(f"{sx(f):.1f},{sy(-t):.1f}" for f, t in reversed(band))
    out.append(
        f'<clipPath id="frame"><rect x="{left}" y="{top}" width="{width - left - right}" '
        f'height="{height - top - bottom}"/></clipPath>'
        f'<polygon points="{upper} {lower}" fill="#e6f2ea" stroke="#9cc7a8" '
        'clip-path="url(#frame)"/>'
    )
    for x in x_ticks:
        out.append(
            f'<line x1="{sx(x):.1f}" y1="{top}" x2="{sx(x):.1f}" y2="{height - bottom}" '
            'stroke="#cfcfcf" stroke-width="0.6"/>'
            f'<text x="{sx(x):.1f}" y="{height - bottom + 14}" text-anchor="middle">{x:g}</text>'
        )
    for y in y_ticks:
        out.append(
            f'<line x1="{left}" y1="{sy(y):.1f}" x2="{width - right}" y2="{sy(y):.1f}" '
            'stroke="#cfcfcf" stroke-width="0.6"/>'
            f'<text x="{left - 5}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:g}</text>'
        )
    out.append(
        f'<line x1="{left}" y1="{sy(0):.1f}" x2="{width - right}" y2="{sy(0):.1f}" stroke="#555"/>'
    )
    for p, ref, res in zip(record.points, refs, residuals, strict=True):
        x, y = sx(ref), sy(res)
        if p.direction is Direction.LOADING:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1f4e9c"/>')
        else:
            out.append(
                f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="none" '
                'stroke="#c25400" stroke-width="1.6"/>'
            )
    out.append(
        f'<rect x="{left}" y="{top}" width="{width - left - right}" '
        f'height="{height - top - bottom}" fill="none" stroke="#888"/>'
        f'<text x="{(left + width - right) / 2}" y="{height - 6}" text-anchor="middle">'
        "reference force (N)</text>"
        f'<text transform="translate(14 {(top + height - bottom) / 2}) rotate(-90)" '
        'text-anchor="middle">residual (N)</text>'
        f'<circle cx="{left + 12}" cy="{top + 12}" r="4" fill="#1f4e9c"/>'
        f'<text x="{left + 20}" y="{top + 16}">loading</text>'
        f'<rect x="{left + 78}" y="{top + 8}" width="8" height="8" fill="none" stroke="#c25400" '
        'stroke-width="1.6"/>'
        f'<text x="{left + 92}" y="{top + 16}">unloading</text>'
        f'<rect x="{left + 162}" y="{top + 8}" width="12" height="8" fill="#e6f2ea" '
        'stroke="#9cc7a8"/>'
        f'<text x="{left + 180}" y="{top + 16}">verification tolerance</text>'
        "</svg>"
    )
    return "\n".join(out)
