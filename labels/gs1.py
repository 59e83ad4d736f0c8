"""GS1 data built and validated with biip: element strings, SSCC, GTIN, check digits.

Every barcode payload on a label comes from here, so a wrong check digit, an AI value
that breaks its format or an unknown AI is refused before anything is rendered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_element_strings import GS1ElementString, GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.sscc import Sscc
from stdnum.iso7064 import mod_97_10


class LabelDataError(ValueError):
    """Label data that cannot be encoded as asked (bad check digit, bad AI value...)."""


@dataclass(frozen=True)
class Gs1Data:
    """A validated GS1 message: what goes into one GS1-128 symbol."""

    value: str
    """Element strings with GS (``\\x1d``) after each variable-length field but the last."""

    hri: str
    """Human-readable interpretation, AIs in brackets: ``(00)157035381410375177``."""


@lru_cache(maxsize=4096)
def _element(ai: str, value: str) -> GS1ElementString:
    # Cached: labels repeat the same GTINs/dates; biip parsing dominates ZPL render time.
    try:
        es = GS1ElementString.parse(ai + value)
    except ParseError as exc:
        raise LabelDataError(f"GS1 AI ({ai}) value {value!r} is invalid: {exc}") from exc
    if es.ai.ai != ai:
        raise LabelDataError(f"GS1 AI ({ai}) is not a known application identifier")
    for error in (es.sscc_error, es.gtin_error, es.gln_error):
        if error:
            raise LabelDataError(f"GS1 AI ({ai}) value {value!r} is invalid: {error}")
    return es


def gs1_data(elements: Iterable[tuple[str, str]]) -> Gs1Data:
    """Build one GS1 message from ``(ai, value)`` pairs, in the order given.

    biip inserts the GS separator after variable-length fields, so the encoder turns
    those into FNC1 and nothing is concatenated by hand.
    """
    strings = GS1ElementStrings([_element(ai, value) for ai, value in elements])
    if not strings:
        raise LabelDataError("a GS1-128 symbol needs at least one element string")
    message = GS1Message.from_element_strings(strings)
    return Gs1Data(value=message.value, hri=message.as_hri())


def order_for_symbol(elements: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fixed-length AIs first and variable-length ones last, which saves FNC1s
    (GS1 General Specifications 5.4.7.5). Stable otherwise."""
    return sorted(elements, key=lambda e: _element(*e).ai.separator_required)


def sscc_check_digit(payload17: str) -> int:
    if len(payload17) != 17 or not payload17.isdecimal():
        raise LabelDataError(f"SSCC payload must be 17 digits, got {payload17!r}")
    return gs1_standard_check_digit(payload17)


def make_sscc(extension_digit: int, company_prefix: str, serial: int) -> str:
    """Extension digit + GS1 company prefix + serial reference + check digit."""
    if not 0 <= extension_digit <= 9:
        raise LabelDataError(f"SSCC extension digit must be 0-9, got {extension_digit}")
    if not (company_prefix.isdecimal() and 6 <= len(company_prefix) <= 12):
        raise LabelDataError(f"GS1 company prefix must be 6-12 digits, got {company_prefix!r}")
    width = 16 - len(company_prefix)
    if not 0 <= serial < 10**width:
        raise LabelDataError(
            f"serial {serial} does not fit the {width} serial digits left by "
            f"company prefix {company_prefix}"
        )
    payload = f"{extension_digit}{company_prefix}{serial:0{width}d}"
    return payload + str(sscc_check_digit(payload))


def validate_sscc(value: str) -> str:
    """Return the SSCC if it is 18 digits with a correct check digit, else raise."""
    try:
        return Sscc.parse(value).value
    except ParseError as exc:
        raise LabelDataError(str(exc)) from exc


def validate_gtin(value: str) -> str:
    """Return the GTIN padded to 14 digits (as carried in AIs 01/02), else raise."""
    digits = value.strip()
    if not digits.isdecimal() or len(digits) not in (8, 12, 13, 14):
        raise LabelDataError(f"GTIN must be 8, 12, 13 or 14 digits, got {value!r}")
    return _element("01", digits.zfill(14)).value


def yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def _kg_scaled(weight_kg: Decimal) -> tuple[int, int]:
    """(decimals, digits) of AI 330n: the most decimals (n <= 3) that fit 6 digits."""
    if not weight_kg.is_finite() or weight_kg <= 0:
        raise LabelDataError(f"gross weight must be a positive number, got {weight_kg} kg")
    if weight_kg >= 10**6:
        raise LabelDataError(f"gross weight {weight_kg} kg does not fit AI 330n (max 999999 kg)")
    decimals = next(n for n in (3, 2, 1, 0) if weight_kg * 10**n < 10**6)
    scaled = int((weight_kg * 10**decimals).to_integral_value())
    if scaled == 0:
        raise LabelDataError(f"gross weight {weight_kg} kg is under 1 g, the finest AI 3303 holds")
    return decimals, scaled


def kg_element(weight_kg: Decimal) -> tuple[str, str]:
    """Logistic gross weight as AI 330n."""
    decimals, scaled = _kg_scaled(weight_kg)
    return f"330{decimals}", f"{scaled:06d}"


def kg_text(weight_kg: Decimal) -> str:
    """The weight as the barcode carries it (rounded to what AI 330n holds), for the label's
    text: the two must never disagree."""
    decimals, scaled = _kg_scaled(weight_kg)
    return format(Decimal(scaled).scaleb(-decimals).normalize(), "f")


def location_check_digits(code: str) -> str:
    """Two check digits for a bin code (ISO 7064 MOD 97-10, as in IBAN).

    Operators key or say them to prove they stand at the bin; any single wrong
    character or swap of two adjacent characters changes them.
    """
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if not cleaned:
        raise LabelDataError(f"location code {code!r} has no letters or digits")
    return mod_97_10.calc_check_digits(cleaned)


def sscc_hri(sscc: str) -> str:
    """SSCC grouped for reading aloud: extension, company prefix, serial, check digit."""
    parsed = Sscc.parse(validate_sscc(sscc))
    return parsed.as_hri() if parsed.company_prefix else " ".join((sscc[0], sscc[1:17], sscc[17]))
