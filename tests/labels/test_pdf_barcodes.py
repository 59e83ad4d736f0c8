"""Rendered PDFs, rasterised with pypdfium2 and read back with zxing-cpp."""

from __future__ import annotations

import datetime as dt

import pytest

from labels import (
    ItemLabel,
    LabelDataError,
    LocationLabel,
    PalletLabel,
    label_pdf,
    labels_pdf,
    location_check_digits,
)
from tests.labels.conftest import GTIN, SSCC, container_label, decode, pdf_pages


@pytest.mark.parametrize("media", ["4x6", "a6"])
def test_container_label_decodes_as_gs1_128(media: str) -> None:
    (page,) = pdf_pages(label_pdf(container_label(), media))
    symbols = decode(page)
    assert symbols == [
        ("]C1", f"02{GTIN}3724"),  # AI 37 is last in its symbol, so no trailing GS
        ("]C1", f"00{SSCC}"),  # SSCC lowest on the label
    ]


def test_contents_with_two_variable_fields_carry_a_gs_separator() -> None:
    label = container_label(gtin=None, count=None, best_before=None, gross_weight_kg=None, lot="L7")
    item = ItemLabel(
        gtin=GTIN, description="Oat drink", lot="L7", serial="S1", expiry=dt.date(2027, 1, 31)
    )
    (page,) = pdf_pages(label_pdf(item))
    # GTIN + expiry fill one symbol at X = 0.5 mm; lot and serial share the next, and the
    # variable-length lot is terminated by FNC1, read back as GS.
    assert decode(page) == [("]C1", f"01{GTIN}17270131"), ("]C1", "10L7\x1d21S1")]
    # A mixed container carries only the lot; still GS1 with the SSCC at the bottom.
    (page,) = pdf_pages(label_pdf(label))
    assert decode(page) == [("]C1", "10L7"), ("]C1", f"00{SSCC}")]


def test_wrong_sscc_check_digit_is_refused_before_rendering() -> None:
    bad = SSCC[:-1] + str((int(SSCC[-1]) + 1) % 10)
    with pytest.raises(LabelDataError, match="check digit"):
        label_pdf(container_label(sscc=bad))


def test_wrong_gtin_check_digit_is_refused() -> None:
    with pytest.raises(LabelDataError, match="GTIN"):
        label_pdf(container_label(gtin="07032069804989"))


def test_pallet_label_with_sscc_and_with_internal_lpn() -> None:
    pallet = PalletLabel(
        lpn=SSCC,
        gtin=GTIN,
        count=40,
        lot="B12",
        expiry=dt.date(2027, 1, 31),
        po_number="PO-1",
        supplier="Oatly",
        received_on=dt.date(2025, 3, 1),
    )
    (page,) = pdf_pages(label_pdf(pallet))
    assert decode(page) == [("]C1", f"02{GTIN}3740"), ("]C1", f"00{SSCC}")]
    internal = PalletLabel(lpn="LPN-000123", gtin=GTIN, count=40)
    (page,) = pdf_pages(label_pdf(internal))
    assert decode(page) == [("]C1", f"02{GTIN}3740"), ("]C0", "LPN-000123")]


def test_location_label_is_plain_code128_with_check_digits() -> None:
    pdf = label_pdf(LocationLabel("A-01-03", "Aisle A, bay 1, level 3"))
    (page,) = pdf_pages(pdf)
    assert decode(page) == [("]C0", "A-01-03")]
    assert location_check_digits("A-01-03").encode() in pdf  # printed for keyed verification


def test_a4_sheet_holds_four_labels_per_page_all_readable() -> None:
    codes = [f"B-{i:02d}-01" for i in range(6)]
    pages = pdf_pages(labels_pdf([LocationLabel(c) for c in codes], "a4-sheet"), dpi=200)
    assert len(pages) == 2
    read = [text for page in pages for _, text in decode(page)]
    assert sorted(read) == sorted(codes)
