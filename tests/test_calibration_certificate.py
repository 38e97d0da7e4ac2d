import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from calibration import (
    STANDARD_GRAVITY,
    CalibrationPoint,
    CalibrationRecord,
    calibrate,
    calibration_sequence,
    render_certificate,
    verify,
)


def make_record(**kwargs: object) -> CalibrationRecord:
    def raw(m: float, unloading: bool) -> float:
        return 1.07 * m * STANDARD_GRAVITY + 3.0 + (0.4 if unloading and m == 10 else 0.0)

    points = [
        CalibrationPoint(m, raw(m, d.value == "unloading"), d, 0.12, 160)
        for m, d in calibration_sequence([0.0, 5.0, 10.0, 20.0])
    ]
    args: dict[str, object] = {
        "device_id": "C4:7F:51:00:12:34",
        "device_model": "Tindeq Progressor",
        "operator": "Dr <Smith> & Co",
        "created": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    }
    args.update(kwargs)
    return calibrate(points, **args)  # type: ignore[arg-type]


class _Checker(HTMLParser):
    """Collects start tags and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker


def test_certificate_shows_the_figures() -> None:
    record = make_record()
    html = render_certificate(record)
    page = parse(html)
    text = " ".join(page.text)
    assert html.startswith("<!DOCTYPE html>")
    assert "Tindeq Progressor — C4:7F:51:00:12:34" in text
    assert "2026-03-01 09:30 UTC" in text
    assert record.fingerprint() in text
    q = record.quality
    assert f"{q.nonlinearity_pct_fs:.3f} % FS" in text
    assert q.hysteresis_pct_fs is not None
    assert f"{q.hysteresis_pct_fs:.3f} % FS" in text
    assert "Repeatability n/a" in re.sub(r"\s+", " ", text)
    assert f"{record.fit.gain:.6f}" in text
    assert "Not verified" in text
    # meta 5, fit 6 (curvature tested), quality 6, points header + one row each
    assert page.tags.count("tr") == 5 + 6 + 6 + 1 + len(record.points)


def test_certificate_escapes_user_text() -> None:
    html = render_certificate(make_record(note="<script>alert(1)</script>"))
    assert "Dr &lt;Smith&gt; &amp; Co" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_residual_plot_has_one_marker_per_point() -> None:
    record = make_record()
    svg = render_certificate(record).split("<svg", 1)[1].split("</svg>", 1)[0]
    markers = len(re.findall(r'<circle cx="[0-9.]+" cy="[0-9.]+" r="4"', svg))
    squares = len(re.findall(r'<rect x="[0-9.]+" y="[0-9.]+" width="8" height="8"', svg))
    # Four loading points + one legend circle; three unloading + one legend square.
    assert (markers, squares) == (5, 4)
    assert "reference force (N)" in svg and "residual (N)" in svg


@pytest.mark.parametrize(("reading", "verdict"), [(98.3, "PASS"), (100.0, "FAIL")])
def test_verification_verdict(reading: float, verdict: str) -> None:
    html = render_certificate(make_record(), verify(reading, 10.0))
    assert f">{verdict}</span>" in html
    assert "10 kg → 98.066 N" in html


def test_device_side_note() -> None:
    assert "points also stored in the device" in render_certificate(
        make_record(device_side_calibration=True)
    )
    assert "correction applied by nkt-dyno" in render_certificate(make_record())


def test_rejects_wrong_types() -> None:
    with pytest.raises(TypeError, match="record"):
        render_certificate("not a record")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="verification"):
        render_certificate(make_record(), verification=1.0)  # type: ignore[arg-type]
