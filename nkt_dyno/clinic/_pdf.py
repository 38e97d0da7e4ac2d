"""PDF and PNG of the report through Qt's text engine, imported only when asked for.

Qt (the ``gui`` extra) is optional: the core must work without it, so the
import happens inside the functions and a missing Qt is a clear
:class:`QtUnavailableError`. Qt's rich text has no inline SVG, so the
thumbnails are rendered to images with QtSvg and handed over as resources.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from nkt_dyno.clinic._report import SessionReport, render_html

_DPI = 150


class QtUnavailableError(RuntimeError):
    """PDF output needs PySide6 (``pip install 'nkt-dyno[gui]'``)."""


def write_pdf(report: SessionReport, path: str | os.PathLike[str]) -> Path:
    """Write the report as an A4 PDF at ``path``; return the path."""
    qt = _qt()
    _application(qt)
    document = _document(qt, report)
    writer = qt.QtGui.QPdfWriter(str(path))
    writer.setPageSize(qt.QtGui.QPageSize(qt.QtGui.QPageSize.PageSizeId.A4))
    writer.setResolution(_DPI)
    writer.setTitle(f"Session report {report.client.name}")
    document.print_(writer)
    return Path(path)


def write_png(report: SessionReport, path: str | os.PathLike[str], *, width: int = 900) -> Path:
    """A picture of the whole report (``width`` pixels wide), as Qt lays it out."""
    qt = _qt()
    _application(qt)
    document = _document(qt, report)
    document.setTextWidth(width)
    size = document.size().toSize()
    image = qt.QtGui.QImage(size, qt.QtGui.QImage.Format.Format_RGB32)
    image.fill(qt.QtGui.QColor("white"))
    painter = qt.QtGui.QPainter(image)
    document.drawContents(painter)
    painter.end()
    image.save(str(path))
    return Path(path)


def _document(qt: Any, report: SessionReport) -> Any:
    document = qt.QtGui.QTextDocument()
    for entry in report.tests:
        document.addResource(
            qt.QtGui.QTextDocument.ResourceType.ImageResource,
            qt.QtCore.QUrl(f"trace-{entry.test.id}"),
            _svg_image(qt, entry.svg),
        )
    document.setHtml(render_html(report, images="resource"))
    return document


def _svg_image(qt: Any, svg: str) -> Any:
    renderer = qt.QtSvg.QSvgRenderer(qt.QtCore.QByteArray(svg.encode()))
    scale = 2
    size = renderer.defaultSize() * scale
    image = qt.QtGui.QImage(size, qt.QtGui.QImage.Format.Format_ARGB32)
    image.fill(qt.QtGui.QColor("white"))
    image.setDevicePixelRatio(scale)
    painter = qt.QtGui.QPainter(image)
    renderer.render(painter, qt.QtCore.QRectF(0, 0, size.width() / scale, size.height() / scale))
    painter.end()
    return image


_APPLICATION: list[Any] = []
"""The QApplication made here, kept alive for the process."""


def _application(qt: Any) -> None:
    """Text layout needs a Qt application (fonts); make one, headless, if none runs.

    A widgets ``QApplication`` rather than a bare ``QGuiApplication``, so that
    the GUI, which may run later in the same process, can use it too.
    """
    if qt.QtGui.QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _APPLICATION.append(qt.QtWidgets.QApplication([]))


def _qt() -> Any:
    """The Qt modules used here, as one namespace."""
    try:
        from PySide6 import QtCore, QtGui, QtSvg, QtWidgets
    except ImportError as exc:
        raise QtUnavailableError(
            "PDF output needs Qt (PySide6), which is not installed: "
            "install it with `pip install 'nkt-dyno[gui]'`, or open the HTML report "
            "in a browser and print it to PDF"
        ) from exc
    return SimpleNamespace(QtCore=QtCore, QtGui=QtGui, QtSvg=QtSvg, QtWidgets=QtWidgets)
