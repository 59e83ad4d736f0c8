"""PDF output with reportlab: single labels (4x6 in, A6), A4 sheets of A6 labels, and
A4/Letter documents."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import BinaryIO, Literal

from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

from labels.layout import Bars, Layout, Rule, Text, layout_label
from labels.models import Label

LabelMedia = Literal["4x6", "a6", "a4-sheet"]
LABEL_MEDIA: tuple[LabelMedia, ...] = ("4x6", "a6", "a4-sheet")
PDF_MODULE_MM = 0.5  # GS1 X-dimension; a laser or a 203/300 dpi printer can hold it

# Label size (mm) per medium; an A4 sheet holds 2 x 2 A6 labels edge to edge.
_LABEL_MM = {
    "4x6": (4 * inch / mm, 6 * inch / mm),
    "a6": (A6[0] / mm, A6[1] / mm),
    "a4-sheet": (A6[0] / mm, A6[1] / mm),
}


def label_size_mm(media: str) -> tuple[float, float]:
    try:
        return _LABEL_MM[media]
    except KeyError:
        raise ValueError(f"unknown label media {media!r}; expected one of {LABEL_MEDIA}") from None


def draw_layout(canvas: Canvas, layout: Layout, x0: float = 0, y0: float = 0) -> None:
    """Draw a layout whose top-left corner is at (x0, y0) points from the page's
    bottom-left, flipping the layout's top-down millimetres."""
    top = y0 + layout.height * mm
    canvas.setFillColorRGB(0, 0, 0)
    for item in layout.items:
        if isinstance(item, Text):
            size = item.size * mm
            canvas.setFont("Helvetica-Bold" if item.bold else "Helvetica", size)
            # layout y is the top of the em box; Helvetica's ascent is ~0.72 em
            canvas.drawString(x0 + item.x * mm, top - item.y * mm - 0.72 * size, item.text)
        elif isinstance(item, Rule):
            canvas.rect(
                x0 + item.x * mm,
                top - (item.y + item.height) * mm,
                item.width * mm,
                item.height * mm,
                stroke=0,
                fill=1,
            )
        elif isinstance(item, Bars):
            _draw_bars(canvas, item, x0, top)


def _draw_bars(canvas: Canvas, bars: Bars, x0: float, top: float) -> None:
    module = bars.module * mm
    height = bars.height * mm
    y = top - (bars.y + bars.height) * mm
    x = x0 + bars.x * mm
    path = canvas.beginPath()
    pattern = bars.symbol.pattern()
    i = 0
    while i < len(pattern):  # one rectangle per bar, from runs of '1' modules
        if pattern[i] == "1":
            j = i
            while j < len(pattern) and pattern[j] == "1":
                j += 1
            path.rect(x + i * module, y, (j - i) * module, height)
            i = j
        else:
            i += 1
    canvas.drawPath(path, stroke=0, fill=1)


def _new_canvas(out: BinaryIO, pagesize: tuple[float, float], title: str) -> Canvas:
    # pageCompression off: rendering speed matters more than a few KB per label.
    canvas = Canvas(out, pagesize=pagesize, pageCompression=0, invariant=1)
    canvas.setTitle(title)
    canvas.setCreator("wms-tui labels")
    return canvas


def label_pdf(label: Label, media: LabelMedia = "4x6") -> bytes:
    """One label on its own page (for 'a4-sheet', top-left cell of an A4 page)."""
    return labels_pdf([label], media)


def labels_pdf(
    labels: Iterable[Label], media: LabelMedia = "4x6", out: BinaryIO | None = None
) -> bytes:
    """Many labels in one PDF: one per page, or four A6 labels per A4 page.

    Writes to ``out`` when given (and returns b"") so large runs need not sit in memory.
    """
    width, height = label_size_mm(media)
    buffer = out if out is not None else io.BytesIO()
    sheet = media == "a4-sheet"
    canvas = _new_canvas(buffer, A4 if sheet else (width * mm, height * mm), "labels")
    cells = [
        (0, A4[1] - height * mm),
        (width * mm, A4[1] - height * mm),
        (0, A4[1] - 2 * height * mm),
        (width * mm, A4[1] - 2 * height * mm),
    ]
    n = 0
    for n, label in enumerate(labels, start=1):
        layout = layout_label(label, width, height, PDF_MODULE_MM)
        if sheet:
            draw_layout(canvas, layout, *cells[(n - 1) % 4])
            if n % 4 == 0:
                canvas.showPage()
        else:
            draw_layout(canvas, layout)
            canvas.showPage()
    if n == 0:
        raise ValueError("no labels to render")
    if sheet and n % 4:
        canvas.showPage()
    canvas.save()
    return b"" if out is not None else buffer.getvalue()  # type: ignore[union-attr]
