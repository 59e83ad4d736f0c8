"""Shared sample data and a real barcode reader for the label tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from labels import Address, ContainerLabel, make_sscc

SSCC = make_sscc(1, "5703538", 141037517)  # 157035381410375177
GTIN = "07032069804988"


def container_label(**overrides: object) -> ContainerLabel:
    fields: dict[str, object] = dict(
        sscc=SSCC,
        ship_from=Address("ACME Distribution", ("Industrivej 12",), "8000", "Aarhus C", "DK"),
        ship_to=Address("Nordic Retail AB", ("Lagergatan 4", "Dock 7"), "211 20", "Malmö", "SE"),
        order_number="SO-10042",
        po_number="PO-778812",
        carrier="DHL Freight",
        tracking_number="JJD000390007843421",
        gtin=GTIN,
        description="Organic oat drink 1 L, 12-pack",
        count=24,
        lot="LOT-7",
        best_before=dt.date(2026, 5, 26),
        container_index=2,
        container_total=5,
        gross_weight_kg=Decimal("412.5"),
    )
    fields.update(overrides)
    return ContainerLabel(**fields)  # type: ignore[arg-type]


@pytest.fixture
def sample_container() -> ContainerLabel:
    return container_label()


def pdf_pages(pdf: bytes, dpi: int = 300) -> list[Image.Image]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L") for page in doc]
    finally:
        doc.close()


def decode(image: Image.Image) -> list[tuple[str, str]]:
    """(symbology identifier, raw text with GS as \\x1d), top to bottom."""
    results = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormat.Code128, text_mode=zxingcpp.TextMode.Plain
    )
    results = sorted(results, key=lambda r: r.position.top_left.y)
    return [(r.symbology_identifier, r.text) for r in results]
