"""GS1/GTIN/SSCC interpretation: the issue's vectors (check digits verified) and options."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from drivers import GS, InterpretationSettings, Scan, ScanKind, interpret
from drivers.scan import show_control, split_symbology


def scan(text: str) -> Scan:
    return Scan.from_text(text.replace("<GS>", GS), "test")


def test_sscc_with_gs1_128_prefix() -> None:
    s = scan("]C100006141411234567890")
    result = s.interpret()
    assert s.symbology == "]C1" and s.symbology_name == "GS1-128"
    assert result.kind is ScanKind.SSCC
    assert result.sscc == "006141411234567890"
    assert result.reason is None


def test_ean13_with_aim_prefix_normalised_to_gtin14() -> None:
    result = scan("]E04006381333931").interpret()
    assert result.kind is ScanKind.GTIN
    assert result.gtin == "04006381333931"


def test_gtin_lot_expiry() -> None:
    result = scan("010703206980498810ABC123<GS>17270131").interpret()
    assert result.kind is ScanKind.GS1
    assert result.gtin == "07032069804988"
    assert result.lot == "ABC123"
    assert result.expiry == dt.date(2027, 1, 31)


def test_sscc_gtin_count_lot_order() -> None:
    result = scan("0000614141123456789002106141410004153724<GS>10L2409<GS>400PO-4711").interpret()
    assert result.kind is ScanKind.GS1
    assert result.sscc == "006141411234567890"
    assert result.gtin == "10614141000415"
    assert [(e.ai, e.value) for e in result.elements] == [
        ("00", "006141411234567890"),
        ("02", "10614141000415"),
        ("37", "24"),
        ("10", "L2409"),
        ("400", "PO-4711"),
    ]


def test_decimal_and_dates_and_serial() -> None:
    result = scan("]C10107032069804988310200125011260815<GS>21SN-1<GS>15260731").interpret()
    assert result.ai("3102") is not None and result.ai("3102").decimal == Decimal("12.50")
    assert result.ai("11") is not None and result.ai("11").date == dt.date(2026, 8, 15)
    assert result.serial == "SN-1"
    assert result.best_before == dt.date(2026, 7, 31)
    assert result.ai("30") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("006141411234567891", "SSCC check digit"),
        ("4006381333932", "GTIN check digit"),
        ("010703206980498810ABC12317270131", "likely missing GS separator"),
        ("0107032069804", "truncated GS1 element string"),
        ("", "empty scan"),
        ("]C1006141411234567891", "not a valid GS1 element string"),
        ("]E04006381333932", "GTIN check digit"),
        ("]C10107032069804987", "GTIN check digit"),
        ("]C10107032069804988171313", "AI (17)"),
    ],
)
def test_malformed_yields_reason_not_interpretation(text: str, expected: str) -> None:
    result = scan(text).interpret()
    assert result.kind is ScanKind.INVALID
    assert result.gtin is None and result.sscc is None and result.elements == ()
    assert result.reason is not None and expected.lower() in result.reason.lower()


def test_missing_gs_reason_names_the_swallowed_expiry() -> None:
    reason = scan("010703206980498810ABC12317270131").interpret().reason
    assert reason is not None and "AI (17)" in reason and "'270131'" in reason


def test_trailing_gs_closes_the_last_field_explicitly() -> None:
    result = scan("010703206980498810ABC12317270131<GS>").interpret()
    assert result.kind is ScanKind.GS1 and result.lot == "ABC12317270131"


def test_lot_with_digits_that_are_no_valid_element_is_accepted() -> None:
    # '17' followed by an impossible month is no expiry, so nothing was swallowed.
    result = scan("010703206980498810ABC12317271399").interpret()
    assert result.lot == "ABC12317271399"


def test_gs_replacement_character() -> None:
    settings = InterpretationSettings(gs_replacement="|")
    result = interpret("010703206980498810ABC123|17270131", None, settings)
    assert result.lot == "ABC123" and result.expiry == dt.date(2027, 1, 31)
    # Plain text keeps the character.
    assert interpret("A|B", "]C0", settings).kind is ScanKind.TEXT
    assert interpret("A|B", None).text == "A|B"


def test_gs_replacement_bracket_does_not_break_aim_prefix() -> None:
    s = Scan.from_text("]C1010703206980498810ABC123]17270131", "t")
    result = s.interpret(InterpretationSettings(gs_replacement="]"))
    assert s.symbology == "]C1" and result.lot == "ABC123"


def test_gs_replacement_rejects_data_characters() -> None:
    with pytest.raises(ValueError, match="gs_replacement"):
        InterpretationSettings(gs_replacement="0")


def test_require_aim() -> None:
    settings = InterpretationSettings(require_aim=True)
    result = scan("4006381333931").interpret(settings)
    assert result.kind is ScanKind.INVALID and "AIM" in (result.reason or "")
    assert scan("]E04006381333931").interpret(settings).kind is ScanKind.GTIN


def test_plain_text_and_non_gs1_symbologies() -> None:
    assert scan("A-01-03").interpret().kind is ScanKind.TEXT
    assert scan("]C03103000123").interpret().kind is ScanKind.TEXT  # plain Code 128
    assert scan("]Q1hello").interpret().text == "hello"


def test_gs1_digital_link_in_datamatrix() -> None:
    result = scan("]d2https://id.gs1.org/01/07032069804988/10/ABC").interpret()
    assert result.gtin == "07032069804988" and result.lot == "ABC"


def test_split_symbology_only_takes_known_codes() -> None:
    assert split_symbology("]C1x") == ("]C1", "x")
    assert split_symbology("]!1x") == (None, "]!1x")
    assert split_symbology("]") == (None, "]")


def test_invalid_bytes_decode_without_error() -> None:
    s = Scan.from_bytes(b"\xff\xfeA", "t")
    assert s.text == "\xff\xfeA" and s.raw == b"\xff\xfeA"
    assert s.interpret().kind is ScanKind.TEXT


def test_show_control() -> None:
    assert show_control("01\x1d17\x07") == "01<GS>17<x07>"
