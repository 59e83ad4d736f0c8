"""A4/Letter PDF documents: pick list, packing slip, receiving document, invoice.

Only the invoice shows prices. Pick lists are sorted by location so a picker walks
the aisles once; receiving documents leave a column to write the counted quantity.
"""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from labels.models import Address, Document, DocumentLine

TITLES = {
    "picklist": "Pick list",
    "packingslip": "Packing slip",
    "receiving": "Receiving document",
    "invoice": "Invoice",
}
PAGE_SIZES = {"a4": A4, "letter": LETTER}

_styles = getSampleStyleSheet()
_BODY = ParagraphStyle("body", parent=_styles["BodyText"], fontSize=9, leading=11)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7, leading=9, textColor=colors.grey)


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _money(value: Decimal, currency: str) -> str:
    return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f} {currency}"


def _address(caption: str, address: Address) -> Paragraph:
    lines = "<br/>".join(escape(line) for line in address.text_lines())
    return Paragraph(f"<font size=7 color=grey>{caption.upper()}</font><br/>{lines}", _BODY)


def _columns(doc: Document) -> tuple[list[str], list[list[object]], list[float]]:
    """Header, rows and relative widths of the line table for this kind."""
    lines: list[DocumentLine] = list(doc.lines)
    if doc.kind == "picklist":
        lines.sort(key=lambda line: (line.location, line.sku))
        header = ["Location", "SKU", "Description", "Lot", "Qty", "UoM", "Picked"]
        rows = [
            [ln.location, ln.sku, _p(ln.description), ln.lot, _qty(ln.quantity), ln.uom, "[   ]"]
            for ln in lines
        ]
        return header, rows, [16, 16, 40, 12, 8, 7, 10]
    if doc.kind == "packingslip":
        # "Packed" is what is in the boxes; "Shipped" only once something has left.
        shipped = any(ln.shipped is not None for ln in lines)
        header = ["SKU", "GTIN", "Description", "Lot", "Ordered", "Packed", *(["Shipped"] if shipped else []), "UoM"]
        rows = [
            [
                ln.sku,
                ln.gtin,
                _p(ln.description),
                ln.lot,
                _qty(ln.ordered if ln.ordered is not None else ln.quantity),
                _qty(ln.quantity),
                *([_qty(ln.shipped or Decimal(0))] if shipped else []),
                ln.uom,
            ]
            for ln in lines
        ]
        return header, rows, [14, 18, 36 - (9 if shipped else 0), 12, 9, 9, *([9] if shipped else []), 7]
    if doc.kind == "receiving":
        header = ["SKU", "GTIN", "Description", "Expected", "UoM", "Received", "Lot / notes"]
        rows = [
            [
                ln.sku,
                ln.gtin,
                _p(ln.description),
                _qty(ln.ordered if ln.ordered is not None else ln.quantity),
                ln.uom,
                "",
                "",
            ]
            for ln in lines
        ]
        return header, rows, [14, 18, 32, 9, 7, 10, 18]
    header = ["SKU", "Description", "Qty", "UoM", "Unit price", "Amount"]
    rows = []
    for ln in lines:
        price = ln.unit_price if ln.unit_price is not None else Decimal(0)
        rows.append(
            [
                ln.sku,
                _p(ln.description),
                _qty(ln.quantity),
                ln.uom,
                _money(price, doc.currency),
                _money(price * ln.quantity, doc.currency),
            ]
        )
    return header, rows, [14, 40, 8, 7, 15, 16]


def invoice_totals(doc: Document) -> tuple[Decimal, Decimal, Decimal]:
    """Net, tax and gross, each rounded to cents (tax on the rounded net)."""
    cent = Decimal("0.01")
    net = sum(((ln.unit_price or Decimal(0)) * ln.quantity for ln in doc.lines), Decimal(0))
    net = net.quantize(cent, ROUND_HALF_UP)
    tax = (net * doc.tax_rate).quantize(cent, ROUND_HALF_UP)
    return net, tax, net + tax


def document_pdf(doc: Document, pagesize: str = "a4") -> bytes:
    try:
        size = PAGE_SIZES[pagesize.lower()]
    except KeyError:
        raise ValueError(f"page size must be a4 or letter, got {pagesize!r}") from None
    buffer = io.BytesIO()
    title = f"{TITLES[doc.kind]} {doc.number}"
    template = SimpleDocTemplate(
        buffer,
        pagesize=size,
        title=title,
        author="wms-tui",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    width = size[0] - 30 * mm
    story: list[object] = [
        Paragraph(escape(title), _styles["Title"]),
        _p(f"Date: {doc.date.isoformat()}"),
        Spacer(1, 4 * mm),
    ]
    from_caption = "Ship from" if doc.kind != "receiving" else "Supplier"
    to_caption = {"invoice": "Bill to", "receiving": "Receive at"}.get(doc.kind, "Ship to")
    parties = Table(
        [[_address(from_caption, doc.party_from), _address(to_caption, doc.party_to)]],
        colWidths=[width / 2] * 2,
    )
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [parties, Spacer(1, 3 * mm)]
    if doc.references:
        refs = Table(
            [[_p(k, _SMALL) for k, _ in doc.references], [_p(v) for _, v in doc.references]]
        )
        refs.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        story += [refs, Spacer(1, 4 * mm)]

    header, rows, weights = _columns(doc)
    col_widths = [width * w / sum(weights) for w in weights]
    table = Table([header, *rows], colWidths=col_widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if doc.kind == "invoice":
        net, tax, gross = invoice_totals(doc)
        n = len(rows) + 1
        table = Table(
            [
                header,
                *rows,
                ["", "Net", "", "", "", _money(net, doc.currency)],
                ["", f"Tax {_qty(doc.tax_rate * 100)} %", "", "", "", _money(tax, doc.currency)],
                ["", "Total", "", "", "", _money(gross, doc.currency)],
            ],
            colWidths=col_widths,
            repeatRows=1,
        )
        style += [
            ("ALIGN", (4, 0), (5, -1), "RIGHT"),
            ("FONT", (0, n + 2), (-1, n + 2), "Helvetica-Bold", 9),
            ("LINEABOVE", (0, n), (-1, n), 0.8, colors.black),
        ]
    table.setStyle(TableStyle(style))
    story.append(table)
    if doc.notes:
        story += [Spacer(1, 5 * mm), _p(doc.notes)]
    if doc.kind == "receiving":
        story += [Spacer(1, 10 * mm), _p("Received by: ____________________   Date: __________")]

    def footer(canvas, template_doc) -> None:  # type: ignore[no-untyped-def]
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(size[0] - 15 * mm, 8 * mm, f"{title} - page {template_doc.page}")

    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
