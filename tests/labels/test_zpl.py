"""ZPL II output: golden files, structure, escaping, and a decode of the ^BC fields.

No offline ZPL renderer is packaged, so ``zpl_barcodes`` below interprets the ``^BC``
fields the way a Zebra printer does (invocation codes -> Code 128 symbol characters,
check digit added by the printer), draws the bars and hands them to zxing-cpp. It does
not share code with the encoder under test beyond the public bar-pattern table.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from barcode.charsets.code128 import CODES, STOP
from PIL import Image, ImageDraw

from labels import ItemLabel, LabelDataError, LocationLabel, label_zpl
from labels.zpl import MAX_FIELD_BYTES, escape_field
from tests.labels.conftest import GTIN, SSCC, container_label, decode

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("dpi", [203, 300])
def test_container_label_matches_golden_file(dpi: int) -> None:
    zpl = label_zpl(container_label(), dpi=dpi)
    golden = GOLDEN / f"container_{dpi}dpi.zpl"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_bytes(zpl)
    assert zpl == golden.read_bytes(), f"regenerate with UPDATE_GOLDEN=1 if intended ({golden})"


def _fields(zpl: str) -> list[str]:
    return re.findall(r"\^FD(.*?)\^FS", zpl)


def test_structure_dimensions_and_barcode_module_width() -> None:
    for dpi, width, module in ((203, 812, 4), (300, 1200, 6)):
        zpl = label_zpl(container_label(), dpi=dpi).decode()
        assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
        assert f"^PW{width}^" in zpl
        # 4 dots @ 203 dpi = 0.500 mm, 6 dots @ 300 dpi = 0.508 mm: GS1 X 0.495-1.016 mm
        bars = re.findall(r"\^BY(\d+),3,(\d+)\^BCN,(\d+),N,N,N,N", zpl)
        assert len(bars) == 2 and all(int(m) == module for m, _, _ in bars)
        assert all(int(h) / dpi * 25.4 >= 31.7 for _, h, _ in bars)  # 32 mm bar height


def test_fnc1_placement_in_gs1_fields() -> None:
    item = ItemLabel(GTIN, lot="L7", serial="S1", expiry=dt.date(2027, 1, 31))
    zpl = label_zpl(item).decode()
    barcodes = re.findall(r"\^BC[^\^]*\^FH\^FD(.*?)\^FS", zpl)
    assert barcodes, zpl
    for data in barcodes:
        # FNC1 right after the start character makes it GS1-128
        assert re.match(r">[;:]>8", data), data
    joined = "|".join(barcodes)
    # the variable-length lot is terminated by FNC1 before the serial's AI 21
    assert ">8" in joined.split("L7", 1)[1].split("21", 1)[0]


def test_text_is_escaped_and_bounded() -> None:
    hostile = container_label(
        ship_to=container_label().ship_to.__class__("Evil ^XZ~JR_Co\nline", ("^FDx",)),
        description="x" * 500,
    )
    zpl = label_zpl(hostile).decode()
    assert zpl.count("^XA") == 1 and zpl.count("^XZ") == 1
    assert "~" not in zpl
    assert "Evil _5EXZ_7EJR_5FCo line" in zpl
    for field in _fields(zpl):
        assert "^" not in field and "\n" not in field
        assert len(field.encode()) <= 200 < MAX_FIELD_BYTES  # truncated to the label width
    assert escape_field("a\x1db\x7f") == "ab"


def test_bad_data_is_refused() -> None:
    with pytest.raises(LabelDataError):
        label_zpl(container_label(sscc=SSCC[:-1] + "0"))
    with pytest.raises(ValueError, match="dpi"):
        label_zpl(container_label(), dpi=600)


# -- a tiny ZPL ^BC interpreter: invocation codes -> symbol -> bars -> zxing ----------

_START = {">9": 103, ">:": 104, ">;": 105}


def _bc_values(data: str) -> list[int]:
    hexed = re.sub(r"_([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), data)
    values = [_START[hexed[:2]]]
    subset = {103: "A", 104: "B", 105: "C"}[values[0]]
    i = 2
    while i < len(hexed):
        if hexed[i] == ">" and hexed[i + 1] != "<":
            code = hexed[i + 1]
            value = {"8": 102, "5": 99, "6": 100, "7": 101}[code]
            values.append(value)
            if value in (99, 100) and not (subset == "B" and value == 100):
                subset = "C" if value == 99 else "B"
            i += 2
        elif subset == "C":
            values.append(int(hexed[i : i + 2]))
            i += 2
        else:
            ch = ">" if hexed[i : i + 2] == "><" else hexed[i]
            values.append(ord(ch) - 32)
            i += 2 if ch == ">" else 1
    values.append((values[0] + sum(k * v for k, v in enumerate(values[1:], 1))) % 103)
    return values


def zpl_barcodes(zpl: str) -> list[tuple[str, str]]:
    """Draw each ^BC field of a ZPL label as a printer would and decode it."""
    found = []
    for module, height, data in re.findall(r"\^BY(\d+),\d,(\d+)\^BC[^\^]*\^FH\^FD(.*?)\^FS", zpl):
        m = int(module)
        pattern = "".join(CODES[v] for v in _bc_values(data)) + STOP + "11"
        img = Image.new("L", ((len(pattern) + 20) * m, int(height) // 4), 255)
        draw = ImageDraw.Draw(img)
        for x, bit in enumerate(pattern):
            if bit == "1":
                draw.rectangle([(10 + x) * m, 0, (11 + x) * m - 1, img.height], fill=0)
        found.extend(decode(img))
    return found


@pytest.mark.parametrize("dpi", [203, 300])
def test_zpl_barcodes_decode(dpi: int) -> None:
    zpl = label_zpl(container_label(), dpi=dpi).decode()
    assert zpl_barcodes(zpl) == [("]C1", f"02{GTIN}3724"), ("]C1", f"00{SSCC}")]
    item = ItemLabel(GTIN, lot="L>7", serial="S1", expiry=dt.date(2027, 1, 31))
    assert zpl_barcodes(label_zpl(item, dpi=dpi).decode()) == [
        ("]C1", f"01{GTIN}17270131"),
        ("]C1", "10L>7\x1d21S1"),  # '>' in data travels as '><'; FNC1 after the lot
    ]
    loc = label_zpl(LocationLabel("A_01^~3"), dpi=dpi).decode()
    assert zpl_barcodes(loc) == [("]C0", "A_01^~3")]
