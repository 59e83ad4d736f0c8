"""Check digits come from libraries (stdnum for ISO 7064 MOD 97-10, biip for GS1 mod 10); the
label printer (labels/) and the scan check (wms_tui) must agree on them, and bin labels printed
before must still scan."""

import pytest

from labels.gs1 import location_check_digits, make_sscc
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.locations import check_digits, code_from_barcode, location_barcode
from wms_tui.domain.outbound import sscc


@pytest.mark.parametrize(
    ("code", "check"),
    [
        ("WH1/STOCK/A-01-1", "71"),
        ("wh1/stock/a-01-1", "71"),
        ("A-01-03", "04"),
        ("WH1/STOCK/A-03-4", "02"),
        ("WH1/STOCK/A-06-7", "97"),  # IBAN style 02-98, never 00 or 01
        ("WH1/STOCK/A-09-9", "98"),
    ],
)
def test_bin_check_digits_are_the_same_on_the_label_and_at_the_scan(code, check):
    assert check_digits(code) == location_check_digits(code) == check
    assert code_from_barcode(location_barcode(code)) == code.upper()  # as codes are stored


def test_a_bin_barcode_with_a_wrong_check_digit_is_refused():
    with pytest.raises(InvalidInput, match="wrong check digit"):
        code_from_barcode("WH1/STOCK/A-06-7.00")


def test_sscc_check_digit_is_the_same_on_the_label_and_in_packing():
    assert sscc("15703538", 141037517) == make_sscc(1, "5703538", 141037517) == "157035381410375177"
