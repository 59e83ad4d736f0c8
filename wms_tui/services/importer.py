"""CSV import of items, locations and opening stock: all-or-nothing, errors name file, row, column.

items.csv     sku,name,uom,tracking,expiry_tracked,is_stock,buy_to_order,standard_cost,barcode,case_barcode,case_quantity
locations.csv warehouse,zone,code,pick_sequence
stock.csv     sku,location,quantity,lot,expiry,unit_cost
Only sku/name (items), warehouse/zone/code (locations) and sku/location/quantity (stock) are
required; the other columns may be left out or empty.

The floor never waits on an import (see batch.py): every row of every file is checked first,
reading only; then the rows are written in short transactions under an import id (the moves
carry IMPORT-<id>). A refused file writes nothing. An import that stops half-way (a crash, or
a row another user made impossible meanwhile) says so in `wms-tui import --status`, and is
resumed with the same files or rolled back (its moves reversed, the items and bins it created
removed, or archived where moves refer to them).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from wms_tui.domain import quantities, text
from wms_tui.domain.errors import WmsError
from wms_tui.domain.imports import ImportState, import_ref
from wms_tui.domain.items import item_barcode, lot_problem
from wms_tui.domain.locations import LocationKind, location_code
from wms_tui.domain.reasons import MoveReason
from wms_tui.services import batch, catalog
from wms_tui.store import finders
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.models import Item, ItemBarcode, Location, Lot
from wms_tui.store.session import reading, transaction

T = TypeVar("T")

REQUIRED = {
    "items": ("sku", "name"),
    "locations": ("warehouse", "zone", "code"),
    "stock": ("sku", "location", "quantity"),
}
TRUE_WORDS = {"1", "true", "yes", "y"}
FALSE_WORDS = {"", "0", "false", "no", "n"}


class ImportFailed(WmsError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"nothing was imported; {len(problems)} problem(s):\n{shown}{more}")


class _CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True)
class ImportSummary:
    items: int = 0
    locations: int = 0
    stock_moves: int = 0


def _rows(path: Path, kind: str) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ImportFailed([f"{path.name}: cannot be read: {exc.strerror}"]) from None
    try:
        with handle:
            reader = csv.DictReader(handle)
            missing = [column for column in REQUIRED[kind] if column not in (reader.fieldnames or [])]
            if missing:
                raise ImportFailed([f"{path.name}: header is missing column(s) {', '.join(missing)}"])
            try:
                for row in reader:
                    yield reader.line_num, {key: (value or "").strip() for key, value in row.items() if key}
            except csv.Error as exc:
                raise ImportFailed([f"{path.name} row {reader.line_num}: {exc}"]) from None
    except UnicodeDecodeError:
        raise ImportFailed([f"{path.name}: file is not UTF-8: re-save as UTF-8 (line {_first_line_not_utf8(path)})"]) from None


def _first_line_not_utf8(path: Path) -> int:
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 0


def _plain(row: dict[str, str]) -> None:
    """No cell may hold a control character (an escape sequence would act on a terminal)."""
    for column, value in row.items():
        control = text.CONTROL.search(value)
        if control:
            raise _CellError(column, f"contains a control character ({text.shown(control.group())})")


def _flag(row: dict[str, str], column: str) -> bool:
    value = row.get(column, "").lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise _CellError(column, f"expected yes/no, got {row[column]!r}")


def _date(row: dict[str, str], column: str) -> date | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _CellError(column, f"expected a date YYYY-MM-DD, got {value!r}") from None


def _required(row: dict[str, str], column: str) -> str:
    if not row.get(column):
        raise _CellError(column, "is empty")
    return row[column]


def _cell(column: str, work: Callable[[], T]) -> T:
    """`work()`, its WmsError said as a problem of `column`."""
    try:
        return work()
    except WmsError as exc:
        raise _CellError(column, str(exc)) from None


# -- items ---------------------------------------------------------------------------------------

ITEM_ERROR_COLUMNS = (("cost", "standard_cost"), ("tracking", "tracking"), ("name", "name"), ("unit of measure", "uom"))
BARCODE_COLUMNS = (("barcode", "unit", None), ("case_barcode", "case", "case_quantity"))


def _item_details(row: dict[str, str]) -> dict:
    return {
        "uom": row.get("uom") or "pc",
        "tracking": row.get("tracking") or "none",
        "expiry_tracked": _flag(row, "expiry_tracked"),
        "is_stock": _flag(row, "is_stock") if row.get("is_stock") else True,
        "buy_to_order": _flag(row, "buy_to_order"),
        "standard_cost": row.get("standard_cost") or "0",
    }


def _item(row: dict[str, str], make: Callable[..., Item]) -> Item:
    """new_item or create_item on the row, its error said for the column it is about."""
    try:
        return make(_required(row, "sku"), _required(row, "name"), **_item_details(row))
    except WmsError as exc:
        column = next((column for word, column in ITEM_ERROR_COLUMNS if word in str(exc)), "sku")
        raise _CellError(column, str(exc)) from None


def _barcodes(row: dict[str, str]) -> Iterator[tuple[str, str, str, str]]:
    """(column, barcode, packaging, quantity) of the barcodes the row gives."""
    for column, packaging, quantity_column in BARCODE_COLUMNS:
        if row.get(column):
            quantity = (row.get(quantity_column, "") if quantity_column else "1") or "1"
            yield column, row[column], packaging, quantity


def _check_item(session: Session, row: dict[str, str], seen: _Seen) -> None:
    item = _item(row, catalog.new_item)
    if item.sku in seen.items or finders.find_item_by_sku(session, item.sku):
        raise _CellError("sku", f"item {item.sku} already exists")
    for column, barcode, _packaging, quantity in _barcodes(row):
        code = _cell(column, lambda barcode=barcode: item_barcode(barcode))
        _cell("case_quantity", lambda quantity=quantity: quantities.move_quantity(quantity))
        if code in seen.barcodes or session.exec(select(ItemBarcode.id).where(ItemBarcode.barcode == code)).first():
            raise _CellError(column, f"barcode {code} already belongs to another item")
        seen.barcodes.add(code)
    seen.items[item.sku] = item


def _write_item(session: Session, row: dict[str, str]) -> None:
    item = _item(row, lambda sku, name, **details: catalog.create_item(session, sku, name, **details))
    for column, barcode, packaging, quantity in _barcodes(row):
        _cell(column, lambda barcode=barcode, packaging=packaging, quantity=quantity:
              catalog.add_barcode(session, item, barcode, packaging=packaging, quantity=quantity))


# -- locations -----------------------------------------------------------------------------------

def _location_codes(row: dict[str, str]) -> tuple[str, str, int]:
    """The row's warehouse code, zone code and pick sequence, checked."""
    warehouse = _cell("warehouse", lambda: location_code(_required(row, "warehouse"), "warehouse code",
                                                         text.WAREHOUSE_CODE_LENGTH))
    zone = f"{warehouse}/{finders.normal_code(_required(row, 'zone'))}"
    try:
        sequence = int(row.get("pick_sequence") or 0)
    except ValueError:
        raise _CellError("pick_sequence", f"expected a whole number, got {row['pick_sequence']!r}") from None
    return warehouse, zone, sequence


def _check_location(session: Session, row: dict[str, str], seen: _Seen) -> None:
    warehouse, zone, _sequence = _location_codes(row)
    if warehouse not in seen.warehouses and finders.find_warehouse(session, warehouse) is None:
        # Created by the first of its rows, with its zones, its transit location and the shared ones.
        seen.warehouses.add(warehouse)
        seen.locations.update({warehouse: LocationKind.VIEW, f"{warehouse}/TRANSIT": LocationKind.TRANSIT,
                               **{f"{warehouse}/{zone}": LocationKind.INTERNAL for zone in catalog.ZONES},
                               **{code: kind for code, (_name, kind) in catalog.SHARED_LOCATIONS.items()}})
    if warehouse in seen.warehouses:
        if zone.rpartition("/")[2] not in catalog.ZONES:
            raise _CellError("zone", f"no zone {zone} (zones: {', '.join(catalog.ZONES)})")
    elif finders.find_location(session, zone) is None:
        raise _CellError("zone", f"no zone {zone} (zones: {', '.join(catalog.ZONES)})")
    code = _cell("code", lambda: catalog.bin_code(zone, _required(row, "code")))
    if code in seen.locations or finders.find_location(session, code) is not None:
        raise _CellError("code", f"location {code} already exists")
    seen.locations[code] = LocationKind.INTERNAL


def _write_location(session: Session, row: dict[str, str]) -> None:
    warehouse, zone_code, sequence = _location_codes(row)
    if finders.find_warehouse(session, warehouse) is None:
        _cell("warehouse", lambda: catalog.create_warehouse(session, warehouse, warehouse))
    zone = finders.find_location(session, zone_code)
    if zone is None:
        raise _CellError("zone", f"no zone {zone_code} (zones: {', '.join(catalog.ZONES)})")
    _cell("code", lambda: catalog.add_bin(session, zone, _required(row, "code"), pick_sequence=sequence))


# -- opening stock -------------------------------------------------------------------------------

def _check_stock(session: Session, row: dict[str, str], seen: _Seen) -> None:
    sku = _required(row, "sku")
    item = seen.items.get(sku) or seen.stored_item(session, sku)
    if item is None:
        raise _CellError("sku", f"no item {sku!r}")
    code = finders.normal_code(_required(row, "location"))
    kind, active = seen.stored_location(session, code)
    if kind is None and code in seen.locations:
        kind, active = seen.locations[code], True
    if kind is None:
        raise _CellError("location", f"no location {code!r}")
    if kind is not LocationKind.INTERNAL:
        raise _CellError("location", f"opening stock goes into a warehouse bin, not {code} ({kind.value})")
    if not active:
        raise _CellError("location", f"location {code} is archived")
    quantity = _cell("quantity", lambda: quantities.move_quantity(_required(row, "quantity")))
    if row.get("unit_cost"):
        _cell("unit_cost", lambda: quantities.unit_cost(row["unit_cost"]))
    lot = row.get("lot", "")
    if lot:
        expiry = _date(row, "expiry")
        key = (item.sku, lot)
        earlier = seen.lots.get(key)
        if earlier is None and item.id is not None:
            earlier = finders.find_lot(session, item, lot)
        lot = _cell("lot", lambda: catalog.lot_code(item, lot, expiry, earlier))
        seen.lots.setdefault(key, Lot(code=lot, expiry_date=expiry or (earlier.expiry_date if earlier else None)))
    if problem := lot_problem(item.sku, item.tracking, bool(lot), quantity):
        raise _CellError("lot", problem)


@dataclass
class _StockWriter:
    """Writes chunks of stock rows as one batch of moves each."""

    context: PostingContext
    ref: str  # the import's reference on every move
    path: Path
    lines: list[int]  # the file line of each row, to name a row the ledger refuses
    items: dict[str, Item] = field(default_factory=dict)
    locations: dict[str, int] = field(default_factory=dict)

    def __call__(self, session: Session, rows: Sequence[dict[str, str]], offset: int) -> None:
        opening = catalog.shared_location(session, "OPENING").id
        moves = []
        for index, row in enumerate(rows):
            try:
                moves.append(self._move(session, row, opening))
            except _CellError as exc:
                raise ImportFailed([f"{self.path.name} row {self.lines[offset + index]} column {exc.column}: {exc}"]) from None
        try:
            post_moves(session.connection(), moves, self.context)
        except WmsError as exc:
            where, _, message = str(exc).partition(": ")
            index = int(where.removeprefix("move ")) - 1 if where.startswith("move ") else 0
            raise ImportFailed([f"{self.path.name} row {self.lines[offset + index]}: {message or exc}"]) from None

    def _move(self, session: Session, row: dict[str, str], opening: int) -> MoveRequest:
        sku = row["sku"]
        if sku not in self.items:
            self.items[sku] = _cell("sku", lambda: finders.item_by_sku(session, sku))
        item = self.items[sku]
        code = row["location"]
        if code not in self.locations:
            self.locations[code] = _cell("location", lambda: finders.location_by_code(session, code)).id
        lot_id = None
        if row.get("lot"):
            lot_id = _cell("lot", lambda: catalog.get_or_create_lot(session, item, row["lot"], _date(row, "expiry"))).id
        cost = quantities.unit_cost(row["unit_cost"]) if row.get("unit_cost") else None
        return MoveRequest(item.id, opening, self.locations[code], quantities.move_quantity(row["quantity"]), lot_id=lot_id,
                           unit_cost=cost, document_ref=self.ref, reason=MoveReason.OPENING_STOCK)


# -- the import ----------------------------------------------------------------------------------

@dataclass
class _Seen:
    """What the rows checked so far create, and what was looked up in the database for them."""

    warehouses: set[str] = field(default_factory=set)
    locations: dict[str, LocationKind] = field(default_factory=dict)  # by code, not stored yet
    items: dict[str, Item] = field(default_factory=dict)  # by SKU, not stored yet
    barcodes: set[str] = field(default_factory=set)
    lots: dict[tuple[str, str], Lot] = field(default_factory=dict)  # (SKU, lot code) given by an earlier row
    _stored_items: dict[str, Item | None] = field(default_factory=dict)
    _stored_locations: dict[str, tuple[LocationKind | None, bool]] = field(default_factory=dict)

    def stored_item(self, session: Session, sku: str) -> Item | None:
        if sku not in self._stored_items:
            self._stored_items[sku] = finders.find_item_by_sku(session, sku)
        return self._stored_items[sku]

    def stored_location(self, session: Session, code: str) -> tuple[LocationKind | None, bool]:
        """The kind of the stored location and whether it is active; (None, False) if there is none."""
        if code not in self._stored_locations:
            location = finders.find_location(session, code)
            self._stored_locations[code] = (location.kind, location.active) if location is not None else (None, False)
        return self._stored_locations[code]


CHECKS: dict[str, Callable[[Session, dict[str, str], _Seen], None]] = {
    "locations": _check_location, "items": _check_item, "stock": _check_stock,
}
PARTS = ("locations", "items", "stock")  # the order they are checked and written in
UNDO_CHUNK = 200  # items or bins removed per transaction by a rollback


def _read(path: Path, part: str) -> tuple[list[int], list[dict[str, str]]]:
    lines, rows = [], []
    for line, row in _rows(path, part):
        lines.append(line)
        rows.append(row)
    return lines, rows


def _check(engine: Engine, files: dict[str, tuple[Path, list[int], list[dict[str, str]]]], starts: dict[str, int],
           tick: Callable[[int], None]) -> None:
    """Every row not written yet, checked reading only (no write lock): all problems at once."""
    problems: list[str] = []
    seen = _Seen()
    with reading(engine) as session:
        for part in PARTS:
            if part not in files:
                continue
            path, lines, rows = files[part]
            for line, row in zip(lines[starts[part]:], rows[starts[part]:], strict=True):
                try:
                    _plain(row)
                    CHECKS[part](session, row, seen)
                except _CellError as exc:
                    problems.append(f"{path.name} row {line} column {exc.column}: {exc}")
            tick(len(rows) - starts[part])
    if problems:
        raise ImportFailed(problems)


def _write(engine: Engine, run: batch.RunView, files: dict[str, tuple[Path, list[int], list[dict[str, str]]]],
           tick: Callable[[int], None]) -> ImportSummary:
    """The checked rows, in short transactions; a row refused now (another user got there
    first) rolls the whole import back."""
    def master(write_row: Callable[[Session, dict[str, str]], None], path: Path, lines: list[int]):
        def write(session: Session, rows: Sequence[dict[str, str]], offset: int) -> None:
            for index, row in enumerate(rows):
                try:
                    write_row(session, row)
                except _CellError as exc:
                    raise ImportFailed([f"{path.name} row {lines[offset + index]} column {exc.column}: {exc}"]) from None
        return write

    counts = dict.fromkeys(PARTS, 0)
    try:
        for part in PARTS:
            if part not in files:
                continue
            path, lines, rows = files[part]
            if part == "stock":
                writer = _StockWriter(run.context, import_ref(run.id), path, lines)
            else:
                writer = master(_write_location if part == "locations" else _write_item, path, lines)
            run = batch.write_rows(engine, run, part, rows, writer, tick)
            counts[part] = len(rows)
    except ImportFailed:
        rollback(engine, run.id)
        raise
    batch.finish_run(engine, run)
    return ImportSummary(counts["items"], counts["locations"], counts["stock"])


def import_csv(
    engine: Engine,
    context: PostingContext,
    *,
    items: Path | None = None,
    locations: Path | None = None,
    stock: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Check the given files in full, then write them under a new import id: any problem and
    nothing is kept. `progress` is told of every row checked and every row written."""
    tick = progress or (lambda _n: None)
    given = {part: path for part, path in (("locations", locations), ("items", items), ("stock", stock)) if path}
    files = {part: (path, *_read(path, part)) for part, path in given.items()}
    _check(engine, files, dict.fromkeys(files, 0), tick)
    parts = [batch.Part(part, path.resolve(), batch.file_digest(path), len(rows)) for part, (path, _l, rows) in files.items()]
    run = batch.start_run(engine, "csv", parts, context)
    return _write(engine, run, files, tick)


def resume(engine: Engine, run_id: int, progress: Callable[[int], None] | None = None) -> ImportSummary:
    """Write the rest of an import that stopped half-way, from the same files."""
    tick = progress or (lambda _n: None)
    run = batch.unfinished_run(engine, run_id, "csv")
    batch.same_files(run)  # resumed from the very files it was checked with
    files = {part.name: (part.path, *_read(part.path, part.name)) for part in run.parts}
    _check(engine, files, {part.name: run.start_of(part.name) for part in run.parts}, tick)
    return _write(engine, run, files, tick)


def rollback(engine: Engine, run_id: int) -> str:
    """Undo an import that stopped half-way: its moves reversed, the bins and items it created
    removed (archived where moves refer to them). Says what was done."""
    run = batch.unfinished_run(engine, run_id, "csv")
    reversed_moves = batch.reverse_run_moves(engine, run)
    removed = archived = 0
    written = {part.name: part for part in run.parts if run.start_of(part.name)}
    for part, model, key in (("items", Item, "sku"), ("locations", Location, "code")):
        if part not in written:
            continue
        path = written[part].path
        if not path.is_file() or batch.file_digest(path) != written[part].sha256:
            raise ImportFailed([f"import {run.id}: moves reversed, but {path} is missing or changed: "
                                f"the {part} it created stay"])
        _lines, rows = _read(path, part)
        codes = [row["sku"].strip() if part == "items" else catalog.bin_code(_location_codes(row)[1], row["code"])
                 for row in rows[: run.start_of(part)]]
        for start in range(0, len(codes), UNDO_CHUNK):
            with transaction(engine) as session:
                for row in session.exec(select(model).where(getattr(model, key).in_(codes[start : start + UNDO_CHUNK]))):
                    if _delete_unused(session, row):
                        removed += 1
                    else:
                        row.active = False
                        archived += 1
    batch.finish_run(engine, run, ImportState.ROLLED_BACK)
    return (f"import {run.id} rolled back: {reversed_moves} moves reversed, {removed} items and bins removed, "
            f"{archived} archived (moves refer to them)")


def _delete_unused(session: Session, row: Item | Location) -> bool:
    """Delete a row nothing refers to (its barcodes go with an item); False if something does."""
    try:
        with session.begin_nested():
            if isinstance(row, Item):
                for barcode in session.exec(select(ItemBarcode).where(ItemBarcode.item_id == row.id)):
                    session.delete(barcode)
            session.delete(row)
            session.flush()
        return True
    except IntegrityError:
        return False
