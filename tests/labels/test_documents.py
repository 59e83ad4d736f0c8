"""Documents: prices only on the invoice, pick lists in walking order, correct totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from labels import Address, Document, DocumentLine, document_pdf
from labels.documents import invoice_totals
from wms_tui.bench.labels import bench_labels_figures


def _doc(kind: str) -> Document:
    return Document(
        kind=kind,  # type: ignore[arg-type]
        number="D-1",
        date=dt.date(2025, 3, 1),
        party_from=Address("ACME"),
        party_to=Address("Shop"),
        lines=(
            DocumentLine(
                "SKU-B", "Second", Decimal(3), location="C-09", unit_price=Decimal("7.77")
            ),
            DocumentLine(
                "SKU-A", "First", Decimal("1.5"), location="A-01", unit_price=Decimal("3.33")
            ),
        ),
        tax_rate=Decimal("0.25"),
    )


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in doc)
    finally:
        doc.close()


@pytest.mark.parametrize("kind", ["picklist", "packingslip", "receiving"])
def test_no_prices_outside_the_invoice(kind: str) -> None:
    text = _text(document_pdf(_doc(kind), "letter"))
    assert "SKU-A" in text and "7.77" not in text and "3.33" not in text


def test_picklist_is_in_location_order() -> None:
    text = _text(document_pdf(_doc("picklist")))
    assert text.index("A-01") < text.index("C-09")


def test_invoice_lines_and_totals() -> None:
    doc = _doc("invoice")
    assert invoice_totals(doc) == (Decimal("28.31"), Decimal("7.08"), Decimal("35.39"))
    text = _text(document_pdf(doc))
    for figure in ("23.31 EUR", "5.00 EUR", "28.31 EUR", "7.08 EUR", "35.39 EUR"):
        assert figure in text


def test_bench_reports_the_agreed_keys() -> None:
    figures = bench_labels_figures(pdf_runs=2, zpl_runs=2, sheet=8)
    assert set(figures) >= {"pdf_label_median_ms", "zpl_label_median_ms", "pdf_sheet_1000_s"}
    assert all(figures[k] > 0 for k in ("pdf_label_median_ms", "zpl_label_median_ms"))
