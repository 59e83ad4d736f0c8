"""The Scan value and its interpretation (GTIN, SSCC, GS1 element strings, text).

Interpretation is delegated to ``biip``; this module only decides *which* reading
of the data to trust and turns biip's error fields into one clear reason.

Rules (see docs/scanners.md, "How scans are interpreted"):

* With an AIM symbology identifier the symbology decides: ``]C1 ]d2 ]Q3 ]e0 ]J1``
  are GS1 element strings, ``]E0 ]E3 ]E4 ]I1`` are GTINs, anything else is text.
* Without one (unless ``require_aim``), the shape decides: a GS separator means
  GS1; 18 digits is a bare SSCC; digits starting with ``00``/``01``/``02`` and at
  least 16 long are GS1; 13 or 14 digits starting with ``01``/``02`` are refused
  as ambiguous (a GTIN in non-canonical, zero-padded form that equally looks like
  a truncated AI 01/02 element string); other 8/12/13/14 digit values are GTINs;
  a value starting with a complete AI 00/01/02 element is GS1; the rest is text.
* A variable-length field that runs to the end of the data (not closed by GS)
  and ends with something that is itself a valid, self-checking element string
  (a date AI with a real date, or AI 00/01/02 with a correct check digit) is
  refused as "likely missing GS separator": without the separator the split is
  ambiguous, and guessing would put the wrong lot or expiry on stock.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

import biip
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, ISOSymbology

from drivers.settings import InterpretationSettings  # defined there: reading settings needs no biip

GS = "\x1d"

_GS1_MESSAGE_SYMBOLOGIES = frozenset(
    {
        GS1Symbology.GS1_128,
        GS1Symbology.GS1_DATABAR,
        GS1Symbology.GS1_DATAMATRIX,
        GS1Symbology.GS1_QR_CODE,
        GS1Symbology.GS1_DOTCODE,
    }
)
_GTIN_SYMBOLOGIES = frozenset(
    {GS1Symbology.EAN_13, GS1Symbology.EAN_13_WITH_ADD_ON, GS1Symbology.EAN_8, GS1Symbology.ITF_14}
)
_ISO_CODES = frozenset(s.value for s in ISOSymbology)

# Element strings whose content checks itself (valid date or check digit): if a
# trailing variable-length field ends with one of these, a GS was probably lost.
_SELF_CHECKING_AIS: Mapping[str, int] = {
    "00": 20,
    "01": 16,
    "02": 16,
    "11": 8,
    "12": 8,
    "13": 8,
    "15": 8,
    "16": 8,
    "17": 8,
}

_SYMBOLOGY_NAMES: Mapping[str, str] = {
    "C1": "GS1-128",
    "C0": "Code 128",
    "E0": "EAN-13/UPC-A",
    "E3": "EAN-13 with add-on",
    "E4": "EAN-8",
    "I1": "ITF-14",
    "I0": "Interleaved 2 of 5",
    "d1": "Data Matrix",
    "d2": "GS1 DataMatrix",
    "Q1": "QR Code",
    "Q3": "GS1 QR Code",
    "e0": "GS1 DataBar",
    "J1": "GS1 DotCode",
    "A0": "Code 39",
}


class ScanKind(StrEnum):
    """What a scan turned out to be."""

    GTIN = "gtin"
    SSCC = "sscc"
    GS1 = "gs1"
    TEXT = "text"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Element:
    """One GS1 element string: AI, raw value and typed value where the AI has one."""

    ai: str
    title: str
    value: str
    date: dt.date | None = None
    decimal: Decimal | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ai": self.ai, "title": self.title, "value": self.value}
        if self.date is not None:
            out["date"] = self.date.isoformat()
        if self.decimal is not None:
            out["decimal"] = str(self.decimal)
        return out


@dataclass(frozen=True, slots=True)
class Interpretation:
    """The meaning of a scan, or the reason it has none (``kind`` INVALID)."""

    kind: ScanKind
    gtin: str | None = None  # normalised to GTIN-14, as GS1 recommends for storage
    sscc: str | None = None
    elements: tuple[Element, ...] = ()
    text: str = ""
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind is not ScanKind.INVALID

    def ai(self, code: str) -> Element | None:
        """The first element string with this AI, if any."""
        for element in self.elements:
            if element.ai == code:
                return element
        return None

    @property
    def lot(self) -> str | None:
        element = self.ai("10")
        return element.value if element else None

    @property
    def serial(self) -> str | None:
        element = self.ai("21")
        return element.value if element else None

    @property
    def expiry(self) -> dt.date | None:
        element = self.ai("17")
        return element.date if element else None

    @property
    def best_before(self) -> dt.date | None:
        element = self.ai("15")
        return element.date if element else None


@dataclass(frozen=True, slots=True)
class Scan:
    """One barcode read as delivered by a scanner.

    ``raw`` is exactly what arrived (AIM prefix included, terminator excluded);
    ``text`` is the data after the AIM prefix; ``timestamp`` is wall-clock seconds
    (the kernel's event time for evdev, the receive time otherwise) and
    ``monotonic`` the receive time on the monotonic clock, used for dedupe and
    latency.
    """

    raw: bytes
    text: str
    symbology: str | None
    source: str
    timestamp: float
    monotonic: float = field(default_factory=time.monotonic)

    @classmethod
    def from_bytes(
        cls,
        raw: bytes,
        source: str,
        timestamp: float | None = None,
        monotonic: float | None = None,
    ) -> Scan:
        return cls.from_text(decode_bytes(raw), source, timestamp, monotonic, raw=raw)

    @classmethod
    def from_text(
        cls,
        text: str,
        source: str,
        timestamp: float | None = None,
        monotonic: float | None = None,
        raw: bytes | None = None,
    ) -> Scan:
        symbology, data = split_symbology(text)
        return cls(
            raw=raw if raw is not None else text.encode("utf-8", "surrogateescape"),
            text=data,
            symbology=symbology,
            source=source,
            timestamp=time.time() if timestamp is None else timestamp,
            monotonic=time.monotonic() if monotonic is None else monotonic,
        )

    @property
    def symbology_name(self) -> str | None:
        return symbology_name(self.symbology)

    def interpret(self, settings: InterpretationSettings | None = None) -> Interpretation:
        return interpret(self.text, self.symbology, settings)


def decode_bytes(raw: bytes) -> str:
    """Bytes to text, never raising: UTF-8 when valid, else Latin-1 (one char per byte)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def split_symbology(text: str) -> tuple[str | None, str]:
    """Split a leading AIM identifier (``]`` + code character + modifier) off ``text``."""
    if len(text) < 3 or text[0] != "]" or text[1] not in _ISO_CODES:
        return None, text
    if text[1] == "Y":  # system expansion: modifier is a digit n followed by n chars
        if not text[2].isdigit() or len(text) < 4 + int(text[2]):
            return None, text
        end = 4 + int(text[2])
    else:
        end = 3
    return text[:end], text[end:]


def symbology_name(aim: str | None) -> str | None:
    if aim is None:
        return None
    return _SYMBOLOGY_NAMES.get(aim[1:], f"AIM {aim}")


def show_control(text: str) -> str:
    """Text for people: GS shown as ``<GS>``, other control characters as ``<xHH>``."""
    out = []
    for ch in text:
        if ch == GS:
            out.append("<GS>")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"<x{ord(ch):02X}>")
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=16)
def _parse_config(separators: str) -> biip.ParseConfig:
    return biip.ParseConfig(separator_chars=(GS, *separators))


def _invalid(text: str, reason: str) -> Interpretation:
    return Interpretation(kind=ScanKind.INVALID, text=text, reason=reason)


def _biip_parse(value: str, config: biip.ParseConfig) -> biip.ParseResult | str:
    """``biip.parse``, with the rare exceptions it does raise turned into a reason."""
    try:
        return biip.parse(value, config=config)
    except (biip.BiipException, ValueError, IndexError) as exc:
        return f"could not be parsed: {exc}"


def interpret(
    text: str,
    symbology: str | None = None,
    settings: InterpretationSettings | None = None,
) -> Interpretation:
    """Interpret scan data (AIM prefix already split off). Never raises."""
    settings = settings or InterpretationSettings()
    if not text.strip():
        return _invalid(text, "empty scan: no data before the terminator")
    gs1_text = text
    for ch in settings.gs_replacement:
        gs1_text = gs1_text.replace(ch, GS)

    if symbology is None:
        if settings.require_aim:
            return _invalid(
                text,
                "no AIM symbology identifier: enable 'AIM ID prefix' on the scanner "
                "(require_aim is on, so the barcode type is not guessed)",
            )
        return _interpret_by_shape(text, gs1_text)

    try:
        gs1_symbology = GS1Symbology(symbology[1:])
    except ValueError:
        gs1_symbology = None
    if gs1_symbology in _GS1_MESSAGE_SYMBOLOGIES:
        if gs1_symbology in (GS1Symbology.GS1_DATAMATRIX, GS1Symbology.GS1_QR_CODE) and (
            gs1_text.startswith("http")
        ):
            return _interpret_digital_link(text, symbology + gs1_text)
        return _interpret_gs1(text, gs1_text)
    if gs1_symbology in _GTIN_SYMBOLOGIES:
        return _interpret_gtin(text)
    return Interpretation(kind=ScanKind.TEXT, text=text)


def _interpret_by_shape(text: str, gs1_text: str) -> Interpretation:
    if GS in gs1_text:
        return _interpret_gs1(text, gs1_text)
    if text.isascii() and text.isdigit():
        n = len(text)
        if n == 18:
            return _interpret_sscc(text)
        if text[:2] in ("00", "01", "02") and n >= 16:
            return _interpret_gs1(text, gs1_text)
        if text[:2] in ("01", "02") and n in (13, 14):
            return _invalid(
                text,
                f"ambiguous without a symbology identifier: {n} digits starting with "
                f"'{text[:2]}' read both as a zero-padded GTIN and as a truncated GS1 element "
                f"string (AI {text[:2]} needs 14 digits after it); enable the AIM prefix on "
                "the scanner, then rescan",
            )
        if n in (8, 12, 13, 14):
            return _interpret_gtin(text)
        return Interpretation(kind=ScanKind.TEXT, text=text)
    head = gs1_text[:20]
    if (head[:2] == "00" and head[2:20].isdigit() and len(head) == 20) or (
        head[:2] in ("01", "02") and head[2:16].isdigit() and len(head) >= 16
    ):
        return _interpret_gs1(text, gs1_text)
    return Interpretation(kind=ScanKind.TEXT, text=text)


def _interpret_gtin(text: str) -> Interpretation:
    # The ]E0 prefix makes biip run only its GTIN parser.
    result = _biip_parse("]E0" + text, _parse_config(""))
    if isinstance(result, str):
        return _invalid(text, f"not a valid GTIN: {result}")
    if result.gtin is None:
        return _invalid(text, f"not a valid GTIN: {result.gtin_error or 'unrecognised data'}")
    return Interpretation(kind=ScanKind.GTIN, gtin=result.gtin.as_gtin_14(), text=text)


def _interpret_sscc(text: str) -> Interpretation:
    result = _biip_parse(text, _parse_config(""))
    if isinstance(result, str):
        return _invalid(text, f"not a valid SSCC: {result}")
    if result.sscc is None:
        return _invalid(text, f"not a valid SSCC: {result.sscc_error or 'unrecognised data'}")
    return Interpretation(kind=ScanKind.SSCC, sscc=result.sscc.value, text=text)


def _interpret_digital_link(text: str, value: str) -> Interpretation:
    result = _biip_parse(value, _parse_config(""))
    if isinstance(result, str):
        return _invalid(text, f"not a valid GS1 Digital Link URI: {result}")
    uri = result.gs1_digital_link_uri
    if uri is None:
        return _invalid(
            text,
            f"not a valid GS1 Digital Link URI: {result.gs1_digital_link_uri_error or 'unrecognised data'}",
        )
    # URI path segments delimit every field, so no separator can be missing.
    return _from_element_strings(text, uri.element_strings, check_separators=False)


def _interpret_gs1(text: str, gs1_text: str) -> Interpretation:
    if gs1_text.startswith(GS):  # a leading FNC1 is the symbology flag, not a separator
        gs1_text = gs1_text.lstrip(GS)
    result = _biip_parse("]C1" + gs1_text, _parse_config(""))
    if isinstance(result, str):
        return _invalid(text, f"not a valid GS1 element string: {result}")
    message = result.gs1_message
    if message is None:
        return _invalid(
            text, f"not a valid GS1 element string: {result.gs1_message_error or 'no data'}"
        )
    return _from_element_strings(
        text, message.element_strings, check_separators=not gs1_text.endswith(GS)
    )


def _from_element_strings(
    text: str, element_strings: GS1ElementStrings, *, check_separators: bool
) -> Interpretation:
    if not element_strings:
        return _invalid(text, "not a valid GS1 element string: no application identifiers found")
    elements: list[Element] = []
    gtin: str | None = None
    sscc: str | None = None
    for es in element_strings:
        inner_error = es.gtin_error or es.sscc_error or es.gln_error
        if inner_error:
            return _invalid(text, f"GS1 AI ({es.ai.ai}) {es.ai.data_title}: {inner_error}")
        if es.gtin is not None and gtin is None:
            gtin = es.gtin.as_gtin_14()
        if es.sscc is not None and sscc is None:
            sscc = es.sscc.value
        elements.append(
            Element(
                ai=es.ai.ai,
                title=es.ai.data_title,
                value=es.value,
                date=es.date,
                decimal=es.decimal,
            )
        )
    last = element_strings[-1]
    # Only an unterminated last field can have swallowed what followed it; a trailing
    # GS closes it explicitly.
    if check_separators and last.ai.separator_required:
        problem = _swallowed_element(last.value)
        if problem is not None:
            return _invalid(
                text,
                f"likely missing GS separator: the variable-length AI ({last.ai.ai}) "
                f"{last.ai.data_title} value {last.value!r} ends with {problem}; "
                "configure the scanner to transmit FNC1 as GS (or set gs_replacement)",
            )
    if len(elements) == 1 and elements[0].ai == "00":
        kind = ScanKind.SSCC
    elif len(elements) == 1 and elements[0].ai in ("01", "02"):
        kind = ScanKind.GTIN
    else:
        kind = ScanKind.GS1
    return Interpretation(kind=kind, gtin=gtin, sscc=sscc, elements=tuple(elements), text=text)


def _swallowed_element(value: str) -> str | None:
    """Describe a valid self-checking element string at the end of ``value``, if any."""
    config = _parse_config("")
    for ai, length in _SELF_CHECKING_AIS.items():
        start = len(value) - length
        if start < 1 or value[start : start + 2] != ai or not value[start:].isdigit():
            continue
        try:
            message = GS1Message.parse(value[start:], config=config)
        except (biip.BiipException, ValueError):
            continue
        es = message.element_strings[0]
        if es.gtin_error or es.sscc_error:
            continue
        return f"what reads as a complete AI ({ai}) {es.ai.data_title} '{value[start + 2 :]}'"
    return None
