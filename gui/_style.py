"""Colours and fonts shared by the screens: one place to keep them consistent."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

FORCE_PEN = "#1f4e79"
ONSET_COLOUR = "#2e7d32"
PEAK_COLOUR = "#1565c0"
BREAK_COLOUR = "#c62828"
WINDOW_BRUSH = "#e8f1e9"
"""Opaque pale green: a translucent band would be blended pixel by pixel every frame."""
WINDOW_BRUSH_EDGE = "#b9d8bd"
"""The band's colour in its legend: a shade darker, so the swatch shows on a grey panel."""
GAP_BRUSH = "#e0e0e0"
"""Opaque light grey: a stretch of the recording without samples."""
GAP_BRUSH_EDGE = "#9e9e9e"
"""The gap band's colour in its legend."""
NOTICE_COLOUR = "#e65100"
"""Text saying a test has a gap or was cut short by its device."""
OVERLAY_COLOURS = ("#1f4e79", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f")

BANNER: dict[str, tuple[str, str]] = {
    # key: (background, text colour)
    "ready": ("#eceff1", "#37474f"),
    "running": ("#1565c0", "#ffffff"),
    "blinded": ("#455a64", "#ffffff"),
    "hold": ("#2e7d32", "#ffffff"),
    "break": ("#c62828", "#ffffff"),
    "inconclusive": ("#f9a825", "#212121"),
    "none": ("#eceff1", "#37474f"),
}


def font(point_size: int, *, bold: bool = False, mono: bool = False) -> QFont:
    """The system's own font at a size; digits in the fixed font do not jitter."""
    f = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont) if mono else QFont()
    f.setPointSize(point_size)
    f.setBold(bold)
    return f
