"""PDF and PNG of the report through Qt's text engine, imported only when asked for.

Qt (the ``gui`` extra) is optional: the core must work without it, so the
import happens inside the functions and a missing Qt is a clear
:class:`QtUnavailableError`. Qt's rich text has no inline SVG, so the
thumbnails are rendered to images with QtSvg and handed over as resources.

Qt's own pagination ignores ``break-inside: avoid`` and splits a test across
pages, so the PDF is laid out block by block (:func:`html_blocks`): each
block is measured at the page's width, in the PDF's own resolution, and
starts a new page when it does not fit on the current one.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal, Protocol, get_args

from nkt_dyno.clinic._report import SessionReport, html_blocks, html_document, render_html

Paper = Literal["A4", "Letter"]
PAPERS: tuple[str, ...] = get_args(Paper)
_DPI = 150
MARGIN_MM = 12.0
BLOCK_GAP_MM = 1.5


class QtUnavailableError(RuntimeError):
    """PDF output needs PySide6 (``pip install 'nkt-dyno[gui]'``)."""


def write_pdf(report: SessionReport, path: str | os.PathLike[str], *, paper: Paper = "A4") -> Path:
    """Write the report as a PDF at ``path`` on A4 or Letter paper, no block split across
    pages; return the path."""
    qt = _qt()
    writer = _writer(qt, report, str(path), paper)
    _paint_pages(qt, report, writer, _PdfPages(qt, writer))
    return Path(path)


def write_page_pngs(
    report: SessionReport, folder: str | os.PathLike[str], *, paper: Paper = "A4"
) -> list[Path]:
    """Each page of the report's PDF as ``page-N.png`` in ``folder`` (150 dpi, margins
    included), laid out and paginated exactly as :func:`write_pdf` lays it out; return them.

    Needs nothing beyond Qt: a picture of a printed page without a PDF renderer.
    """
    qt = _qt()
    buffer = qt.QtCore.QBuffer()
    buffer.open(qt.QtCore.QIODevice.OpenModeFlag.WriteOnly)
    writer = _writer(qt, report, buffer, paper)  # measures the blocks as the PDF does
    pages = _ImagePages(qt, writer, Path(folder))
    _paint_pages(qt, report, writer, pages)
    return pages.paths


def _writer(qt: Any, report: SessionReport, target: Any, paper: str) -> Any:
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)}, got {paper!r}")
    _application(qt)
    gui = qt.QtGui
    writer = gui.QPdfWriter(target)
    writer.setPageSize(gui.QPageSize(getattr(gui.QPageSize.PageSizeId, paper)))
    writer.setPageMargins(
        qt.QtCore.QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
        gui.QPageLayout.Unit.Millimeter,
    )
    writer.setResolution(_DPI)
    writer.setTitle(f"Session report {report.client.name}")
    return writer


def _paint_pages(qt: Any, report: SessionReport, writer: Any, pages: _Pages) -> None:
    """Lay the report's blocks out at the page width of ``writer`` and paint them on
    ``pages``, each block starting a new page where it does not fit."""
    area = writer.pageLayout().paintRectPixels(_DPI)
    width, height = float(area.width()), float(area.height())
    images = _thumbnails(qt, report)
    documents = []
    for block in html_blocks(report, images="resource"):
        document = _document(qt, images, html_document("", block), device=writer)
        document.setTextWidth(width)
        documents.append(document)
    places = paginate(
        [float(d.size().height()) for d in documents], height, BLOCK_GAP_MM / 25.4 * _DPI
    )
    try:
        page = 0
        for document, (first, y) in zip(documents, places, strict=True):
            while page < first:
                pages.new_page()
                page += 1
            page += _draw(qt, pages, document, y, width, height)
    finally:
        pages.end()


class _Pages(Protocol):
    """Where the pages are painted: the current page's painter, and turning the page."""

    painter: Any

    def new_page(self) -> None: ...

    def end(self) -> None: ...


class _PdfPages:
    def __init__(self, qt: Any, writer: Any) -> None:
        self.writer = writer
        self.painter = qt.QtGui.QPainter(writer)

    def new_page(self) -> None:
        self.writer.newPage()

    def end(self) -> None:
        self.painter.end()


class _ImagePages:
    """One white page image at the writer's resolution per page, saved as it is turned."""

    def __init__(self, qt: Any, writer: Any, folder: Path) -> None:
        self.qt, self.folder = qt, folder
        layout = writer.pageLayout()
        self.size = layout.fullRectPixels(_DPI).size()
        self.margin = layout.paintRectPixels(_DPI).topLeft()
        self.paths: list[Path] = []
        self.painter: Any = None
        self.image: Any = None
        folder.mkdir(parents=True, exist_ok=True)
        self._begin()

    def _begin(self) -> None:
        gui = self.qt.QtGui
        self.image = gui.QImage(self.size, gui.QImage.Format.Format_RGB32)
        dots_per_metre = round(_DPI / 0.0254)
        self.image.setDotsPerMeterX(dots_per_metre)
        self.image.setDotsPerMeterY(dots_per_metre)
        self.image.fill(gui.QColor("white"))
        self.painter = gui.QPainter(self.image)
        self.painter.translate(float(self.margin.x()), float(self.margin.y()))

    def new_page(self) -> None:
        self.end()
        self._begin()

    def end(self) -> None:
        self.painter.end()
        path = self.folder / f"page-{len(self.paths) + 1}.png"
        self.image.save(str(path))
        self.paths.append(path)


def paginate(heights: Sequence[float], page: float, gap: float) -> list[tuple[int, float]]:
    """Where each block starts (page number from 0, height on it): a block that does not fit
    in what is left of a page starts the next one; one taller than a page starts a page and
    runs on over the following ones."""
    places: list[tuple[int, float]] = []
    number, y = 0, 0.0
    for h in heights:
        if y > 0 and y + h > page:
            number, y = number + 1, 0.0
        places.append((number, y))
        extra, y = divmod(y + h, page) if y + h > page else (0.0, y + h)
        number += int(extra)
        y += gap
    return places


def _draw(qt: Any, pages: _Pages, document: Any, y: float, w: float, h: float) -> int:
    """Draw ``document`` from ``y``, over the next pages if taller than what is left.

    Returns the number of pages it went on to.
    """
    total = float(document.size().height())
    shown, turned = 0.0, 0
    while True:
        room = h - y
        painter = pages.painter
        painter.save()
        painter.translate(0.0, y - shown)
        document.drawContents(painter, qt.QtCore.QRectF(0.0, shown, w, room))
        painter.restore()
        if total - shown <= room:
            return turned
        shown += room
        pages.new_page()
        turned, y = turned + 1, 0.0


def write_png(report: SessionReport, path: str | os.PathLike[str], *, width: int = 900) -> Path:
    """A picture of the whole report (``width`` pixels wide), as Qt lays it out."""
    qt = _qt()
    _application(qt)
    document = _document(qt, _thumbnails(qt, report), render_html(report, images="resource"))
    document.setTextWidth(width)
    # A full-width table's outer border may round a pixel past the text width.
    size = qt.QtCore.QSize(width, math.ceil(document.size().height()))
    image = qt.QtGui.QImage(size, qt.QtGui.QImage.Format.Format_RGB32)
    image.fill(qt.QtGui.QColor("white"))
    painter = qt.QtGui.QPainter(image)
    document.drawContents(painter)
    painter.end()
    image.save(str(path))
    return Path(path)


def _thumbnails(qt: Any, report: SessionReport) -> dict[str, Any]:
    """Each thumbnail and progress chart as an image, by the name the HTML refers to it by."""
    images = {f"trace-{e.test.id}": _svg_image(qt, e.svg) for e in report.tests}
    for i, (_, svg) in enumerate(report.progress):
        images[f"progress-{i}"] = _svg_image(qt, svg)
    return images


def _document(qt: Any, images: Mapping[str, Any], html: str, *, device: Any = None) -> Any:
    """A text document of ``html`` with ``images`` as resources, laid out for ``device``."""
    document = qt.QtGui.QTextDocument()
    document.setDocumentMargin(0)
    if device is not None:
        document.documentLayout().setPaintDevice(device)
    for name, image in images.items():
        document.addResource(
            qt.QtGui.QTextDocument.ResourceType.ImageResource, qt.QtCore.QUrl(name), image
        )
    document.setHtml(html)
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
