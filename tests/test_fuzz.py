"""Bounded fuzzing of everything that reads outside data: scans, CSV imports, the config file and
replay captures. Each answers with a result or a clear refusal, never with a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from drivers.replay import read_capture_lines
from drivers.scan import GS, InterpretationSettings, ScanKind, interpret
from wms_tui import config
from wms_tui.domain.errors import ConfigError
from wms_tui.services.importer import ImportFailed, import_csv
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import PostingContext

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- the scan interpreter --------------------------------------------------------------------

AIM = st.sampled_from([None, "]C1", "]C0", "]E0", "]E4", "]e0", "]d2", "]d1", "]Q3", "]Q1", "]A0", "]Z9", "]"])
DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=40)
GS1_PIECES = st.sampled_from(["00", "01", "02", "10", "17", "21", "30", "37", "3103", "400", GS, "(", ")", "https://id.gs1.org/01/"])
SCAN_TEXT = st.one_of(
    st.text(max_size=80),
    DIGITS,
    st.lists(st.one_of(GS1_PIECES, DIGITS, st.text(max_size=5)), max_size=12).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(SCAN_TEXT, AIM, st.booleans(), st.sampled_from(["", "|", "~"]))
def test_the_scan_interpreter_never_raises_and_always_gives_a_reason(data, aim, require_aim, replacement):
    result = interpret(data, aim, InterpretationSettings(require_aim=require_aim, gs_replacement=replacement))
    assert isinstance(result.kind, ScanKind)
    if result.kind is ScanKind.INVALID:
        assert result.reason and result.reason.strip()
    else:
        assert result.reason is None


# -- the CSV importer -----------------------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(["", "W-1", "WH1", "STOCK", "A-01", "WH1/STOCK/A-01", "CUSTOMERS", "lot", "none", "yes",
                     "2030-01-31", "10", "-1", "1e9", "NaN", "4006381333931", "4006381333932", "Ä-01", "A/01"]),
    st.text(max_size=12),
)
COLUMNS = {
    "items": ["sku", "name", "uom", "tracking", "expiry_tracked", "standard_cost", "barcode", "case_barcode", "case_quantity"],
    "locations": ["warehouse", "zone", "code", "pick_sequence"],
    "stock": ["sku", "location", "quantity", "lot", "expiry", "unit_cost"],
}


def csv_file(kind: str) -> st.SearchStrategy[bytes]:
    header = st.lists(st.sampled_from(COLUMNS[kind]), min_size=1, unique=True).map(",".join)
    rows = st.lists(st.lists(CELL, max_size=len(COLUMNS[kind]) + 1).map(lambda cells: ",".join(c.replace(",", ";") for c in cells)), max_size=4)
    text_file = st.tuples(header, rows).map(lambda parts: ("\n".join([parts[0], *parts[1]]) + "\n").encode())
    return st.one_of(text_file, text_file.map(lambda data: b"\xef\xbb\xbf" + data), st.binary(max_size=60))


@pytest.fixture
def import_engine(sqlite_template, tmp_path):
    path = tmp_path / "fuzz.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(sqlite_url(path))
    yield engine
    engine.dispose()


def _counts(engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                     for table in ("item", "item_barcode", "location", "lot", "stock_move", "stock_balance"))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(locations=csv_file("locations"), items=csv_file("items"), stock=csv_file("stock"))
def test_any_csv_files_import_or_are_refused_without_changing_anything(import_engine, tmp_path, locations, items, stock):
    paths = {}
    for kind, content in (("locations", locations), ("items", items), ("stock", stock)):
        paths[kind] = tmp_path / f"{kind}.csv"
        paths[kind].write_bytes(content)
    before = _counts(import_engine)
    try:
        import_csv(import_engine, PostingContext("IMPORT", "import"), **paths)
    except ImportFailed as failure:
        assert failure.problems and all(problem.strip() for problem in failure.problems)
        assert _counts(import_engine) == before


# -- the config loader ----------------------------------------------------------------------

VALUES = st.one_of(st.text(max_size=12), st.integers(), st.floats(), st.booleans(), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
SECTIONS = {
    "database": ["url"], "terminal": ["id", "warehouse", "printer"], "central": ["url", "secret", "batch_size", "interval_s"],
    "scanner": ["driver", "require_aim", "duplicate_window_ms", "gs_replacement", "serial", "replay", "tcp"],
    "sscc": ["company_prefix", "extension_digit", "terminals"], "printers": ["dock1", "x"], "ui": ["theme"],
}
DOCUMENT = st.dictionaries(
    st.sampled_from([*SECTIONS, "other"]),
    st.one_of(VALUES, st.dictionaries(st.sampled_from([key for keys in SECTIONS.values() for key in keys]), VALUES, max_size=4)),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(DOCUMENT)
def test_any_config_document_gives_settings_or_a_config_error(document):
    try:
        config.parse(document, "fuzz.toml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.toml")


@FUZZ
@given(st.binary(max_size=200))
def test_any_config_file_bytes_give_settings_or_a_config_error(tmp_path, content):
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    try:
        config.load(path)
    except ConfigError as exc:
        assert str(path) in str(exc)


# -- the replay parser ----------------------------------------------------------------------

CAPTURE_LINE = st.one_of(st.text(max_size=30), st.sampled_from(["\\x1d", "\\u001d", "\\\\", "\\q", "#note", "\\"]))


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.lists(CAPTURE_LINE, max_size=6).map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass"))))
def test_any_capture_file_gives_scans_or_an_error_naming_file_and_line(tmp_path, content):
    path = tmp_path / "capture.txt"
    path.write_bytes(content)
    try:
        scans = list(read_capture_lines(path))
    except ValueError as exc:
        assert str(exc).startswith(f"{path}:")
        line = int(str(exc)[len(str(path)) + 1 :].split(":")[0])
        assert 1 <= line <= content.count(b"\n") + 1
    else:
        assert all("\x00" not in scan or "\\x00" in content.decode() for scan in scans)


def test_a_capture_that_is_not_utf8_or_holds_a_raw_nul_is_refused_with_its_line(tmp_path: Path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("ok\nGr\u00fcn\n".encode("latin-1"))
    with pytest.raises(ValueError, match=rf"^{latin1}:2: not UTF-8: re-save the capture as UTF-8$"):
        list(read_capture_lines(latin1))
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"ok\nA\x00B\n")
    with pytest.raises(ValueError, match=rf"^{nul}:2: raw control character at column 2: write it as \\x00$"):
        list(read_capture_lines(nul))
