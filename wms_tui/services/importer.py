"""CSV import of items, locations and opening stock: all-or-nothing, errors name file, row, column.

items.csv     sku,name,uom,tracking,expiry_tracked,is_stock,buy_to_order,standard_cost,barcode,case_barcode,case_quantity
locations.csv warehouse,zone,code,pick_sequence
stock.csv     sku,location,quantity,lot,expiry,unit_cost
Only sku/name (items), warehouse/zone/code (locations) and sku/location/quantity (stock) are
required; the other columns may be left out or empty.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from wms_tui.domain import quantities, text
from wms_tui.domain.errors import WmsError
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.reasons import MoveReason
from wms_tui.services import catalog
from wms_tui.store import finders
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.session import transaction

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


def _import_item(session: Session, row: dict[str, str]) -> None:
    try:
        item = catalog.create_item(
            session,
            _required(row, "sku"),
            _required(row, "name"),
            uom=row.get("uom") or "pc",
            tracking=row.get("tracking") or "none",
            expiry_tracked=_flag(row, "expiry_tracked"),
            is_stock=_flag(row, "is_stock") if row.get("is_stock") else True,
            buy_to_order=_flag(row, "buy_to_order"),
            standard_cost=row.get("standard_cost") or "0",
        )
    except WmsError as exc:
        words = (("cost", "standard_cost"), ("tracking", "tracking"), ("name", "name"), ("unit of measure", "uom"))
        column = next((column for word, column in words if word in str(exc)), "sku")
        raise _CellError(column, str(exc)) from None
    for column, packaging, quantity_column in (("barcode", "unit", None), ("case_barcode", "case", "case_quantity")):
        if row.get(column):
            quantity = row.get(quantity_column, "") if quantity_column else "1"
            try:
                catalog.add_barcode(session, item, row[column], packaging=packaging, quantity=quantity or "1")
            except WmsError as exc:
                raise _CellError(quantity_column if "quantity" in str(exc) and quantity_column else column, str(exc)) from None


def _import_location(session: Session, row: dict[str, str]) -> None:
    warehouse_code = finders.normal_code(_required(row, "warehouse"))
    if finders.find_warehouse(session, warehouse_code) is None:
        try:
            catalog.create_warehouse(session, warehouse_code, warehouse_code)
        except WmsError as exc:
            raise _CellError("warehouse", str(exc)) from None
    zone_code = f"{warehouse_code}/{finders.normal_code(_required(row, 'zone'))}"
    zone = finders.find_location(session, zone_code)
    if zone is None:
        raise _CellError("zone", f"no zone {zone_code} (zones: {', '.join(catalog.ZONES)})")
    try:
        sequence = int(row.get("pick_sequence") or 0)
    except ValueError:
        raise _CellError("pick_sequence", f"expected a whole number, got {row['pick_sequence']!r}") from None
    try:
        catalog.add_bin(session, zone, _required(row, "code"), pick_sequence=sequence)
    except WmsError as exc:
        raise _CellError("code", str(exc)) from None


def _stock_move(session: Session, row: dict[str, str], opening_id: int) -> MoveRequest:
    try:
        item = finders.item_by_sku(session, _required(row, "sku"))
    except WmsError as exc:
        raise _CellError("sku", str(exc)) from None
    try:
        location = finders.location_by_code(session, _required(row, "location"))
    except WmsError as exc:
        raise _CellError("location", str(exc)) from None
    if location.kind is not LocationKind.INTERNAL:
        raise _CellError("location", f"opening stock goes into a warehouse bin, not {location.code} ({location.kind.value})")
    try:
        quantity = quantities.move_quantity(_required(row, "quantity"))
        cost = quantities.unit_cost(row["unit_cost"]) if row.get("unit_cost") else None
    except WmsError as exc:
        raise _CellError("unit_cost" if "cost" in str(exc) else "quantity", str(exc)) from None
    lot_id = None
    if row.get("lot"):
        try:
            lot_id = catalog.get_or_create_lot(session, item, row["lot"], _date(row, "expiry")).id
        except WmsError as exc:
            raise _CellError("lot", str(exc)) from None
    return MoveRequest(item.id, opening_id, location.id, quantity, lot_id=lot_id, unit_cost=cost,
                       document_ref="IMPORT", reason=MoveReason.OPENING_STOCK)


def import_csv(
    engine: Engine,
    context: PostingContext,
    *,
    items: Path | None = None,
    locations: Path | None = None,
    stock: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import the given files in one transaction: any problem and nothing is kept."""
    problems: list[str] = []
    counts = {"items": 0, "locations": 0}
    tick = progress or (lambda _n: None)
    with transaction(engine) as session:
        handlers: list[tuple[str, Path | None, Callable[[Session, dict[str, str]], None]]] = [
            ("locations", locations, _import_location),
            ("items", items, _import_item),
        ]
        for kind, path, handle in handlers:
            if path is None:
                continue
            for line, row in _rows(path, kind):
                try:
                    _plain(row)
                    with session.begin_nested():
                        handle(session, row)
                    counts[kind] += 1
                except _CellError as exc:
                    problems.append(f"{path.name} row {line} column {exc.column}: {exc}")
                tick(1)
        moves: list[tuple[int, MoveRequest]] = []
        if stock is not None:
            opening_id = catalog.shared_location(session, "OPENING").id
            for line, row in _rows(stock, "stock"):
                try:
                    _plain(row)
                    with session.begin_nested():
                        moves.append((line, _stock_move(session, row, opening_id)))
                except _CellError as exc:
                    problems.append(f"{stock.name} row {line} column {exc.column}: {exc}")
                tick(1)
            if not problems:
                for line, move in moves:  # posted row by row so a problem names its row
                    try:
                        with session.begin_nested():
                            post_moves(session.connection(), [move], context)
                    except WmsError as exc:
                        message = str(exc).removeprefix("move 1: ")
                        column = "quantity" if "quantity" in message else "unit_cost" if "cost" in message else "lot"
                        problems.append(f"{stock.name} row {line} column {column}: {message}")
        if problems:
            raise ImportFailed(problems)  # leaving the block rolls everything back
        return ImportSummary(counts["items"], counts["locations"], len(moves))
