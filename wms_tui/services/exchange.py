"""Orders and purchases from the office's other systems, and shipments, receipts and stock back
to them, as CSV or JSON.

Import is all or nothing: every row is checked and every problem named by row and column
before anything is kept. CSV has one row per line; rows sharing an order number (orders) or a
reference (purchases) form one document. JSON is a list of documents with their `lines`; its
"row" is the document's position (1 = first) and a line's column is `lines[N].field`.

orders     number,customer,warehouse,sku,quantity,unit_price,discount_percent,tax_rate,policy
purchases  reference,supplier,warehouse,sku,quantity,unit_price,expected_date
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, WmsError
from wms_tui.domain.imports import ImportState
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.outbound import backorder_policy, percent
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import PartnerKind
from wms_tui.services import batch
from wms_tui.services.importer import ImportFailed
from wms_tui.services.inbound.purchasing import (
    PurchaseLineInput,
    cancel_purchase_order,
    create_purchase_order,
)
from wms_tui.services.outbound.orders import LineInput, cancel_order, create_order
from wms_tui.store import finders
from wms_tui.store.ledger import PostingContext
from wms_tui.store.light_tables import paced_reason
from wms_tui.store.models import (
    NO_LOT,
    Container,
    ContainerLine,
    Item,
    Location,
    Lot,
    Partner,
    SalesOrder,
    Shipment,
    ShippingContainer,
    StockBalance,
    StockMove,
)
from wms_tui.store.session import reading, transaction


class ImportKind(StrEnum):
    ORDERS = "orders"
    PURCHASES = "purchases"


KINDS = tuple(ImportKind)
HEADER = {
    ImportKind.ORDERS: ("number", "customer", "warehouse", "sku", "quantity"),
    ImportKind.PURCHASES: ("reference", "supplier", "warehouse", "sku", "quantity"),
}
KEY = {ImportKind.ORDERS: "number", ImportKind.PURCHASES: "reference"}
PARTNER = {ImportKind.ORDERS: "customer", ImportKind.PURCHASES: "supplier"}
DOCUMENTS = PostingContext("IMPORT", "import")  # who an import run of documents is recorded for


class _CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


@dataclass
class _Document:
    key: str
    row: str  # where the document starts, for problems that are the document's own
    header: dict[str, str]
    lines: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # (row, column prefix, cells)


@dataclass(frozen=True)
class ImportResult:
    documents: list[str]  # numbers created, in file order
    lines: int


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _csv_documents(path: Path, kind: str) -> list[_Document]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in HEADER[kind] if column not in (reader.fieldnames or [])]
        if missing:
            raise ImportFailed([f"{path.name}: header is missing column(s) {', '.join(missing)}"])
        documents: dict[str, _Document] = {}
        problems = []
        try:
            for row in reader:
                cells = {key: _text(value) for key, value in row.items() if key}
                where = f"{path.name} row {reader.line_num}"
                key = cells.get(KEY[kind], "")
                if not key:
                    problems.append(f"{where} column {KEY[kind]}: is empty")
                    continue
                document = documents.setdefault(key, _Document(key, where, cells))
                for column in (PARTNER[kind], "warehouse", "policy"):
                    if cells.get(column, "") != document.header.get(column, ""):
                        problems.append(f"{where} column {column}: {cells.get(column)!r} differs from {document.header.get(column)!r} "
                                        f"on the first row of {key}")
                document.lines.append((where, "", cells))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportFailed([f"{path.name} row {reader.line_num}: {exc}"]) from None
    if problems:
        raise ImportFailed(problems)
    return list(documents.values())


def _json_documents(path: Path, kind: str) -> list[_Document]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFailed([f"{path.name}: not valid JSON: {exc}"]) from None
    if not isinstance(data, list):
        raise ImportFailed([f"{path.name}: expected a list of {kind}"])
    documents, problems, seen = [], [], set()
    for index, entry in enumerate(data, 1):
        where = f"{path.name} row {index}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected an object with {', '.join(HEADER[kind][:3])} and lines")
            continue
        header = {key: _text(value) for key, value in entry.items() if key != "lines"}
        missing = [column for column in HEADER[kind][:3] if column not in entry]
        if missing:
            problems.append(f"{where} column {missing[0]}: is missing")
            continue
        if header[KEY[kind]] in seen:
            problems.append(f"{where} column {KEY[kind]}: {header[KEY[kind]]} appears twice in the file")
            continue
        seen.add(header[KEY[kind]])
        lines = entry.get("lines")
        if not isinstance(lines, list) or not lines:
            problems.append(f"{where} column lines: needs at least one line")
            continue
        document = _Document(header[KEY[kind]], where, header)
        for number, line in enumerate(lines):
            if not isinstance(line, dict):
                problems.append(f"{where} column lines[{number}]: expected an object with sku and quantity")
                continue
            document.lines.append((where, f"lines[{number}].", {key: _text(value) for key, value in line.items()}))
        documents.append(document)
    if problems:
        raise ImportFailed(problems)
    return documents


def _documents(path: Path, kind: str) -> list[_Document]:
    if kind not in KINDS:
        raise InvalidInput(f"import {' or '.join(KINDS)}, not {kind!r}")
    if not path.exists():
        raise ImportFailed([f"{path.name}: no such file"])
    if path.suffix.lower() == ".json":
        return _json_documents(path, kind)
    if path.suffix.lower() == ".csv":
        return _csv_documents(path, kind)
    raise ImportFailed([f"{path.name}: give a .csv or .json file"])


def _required(cells: dict[str, str], column: str) -> str:
    if not cells.get(column):
        raise _CellError(column, "is empty")
    return cells[column]


def _checked(column: str, check, value: str):
    try:
        return check(value)
    except WmsError as exc:
        raise _CellError(column, str(exc)) from None


def _order_line(session: Session, cells: dict[str, str]) -> LineInput:
    item = _checked("sku", lambda sku: finders.item_by_sku(session, sku), _required(cells, "sku"))
    if not item.active:
        raise _CellError("sku", f"item {item.sku} is archived and cannot be sold")
    return LineInput(
        item.sku,
        _checked("quantity", quantities.move_quantity, _required(cells, "quantity")),
        unit_price=_checked("unit_price", quantities.unit_cost, cells.get("unit_price") or "0"),
        discount_percent=_checked("discount_percent", lambda v: percent(v, "discount"), cells.get("discount_percent") or "0"),
        tax_rate=_checked("tax_rate", lambda v: percent(v, "tax rate"), cells.get("tax_rate") or "0"),
    )


def _purchase_line(session: Session, cells: dict[str, str]) -> PurchaseLineInput:
    item = _checked("sku", lambda sku: finders.item_by_sku(session, sku), _required(cells, "sku"))
    expected = None
    if cells.get("expected_date"):
        try:
            expected = date.fromisoformat(cells["expected_date"])
        except ValueError:
            raise _CellError("expected_date", f"expected a date YYYY-MM-DD, got {cells['expected_date']!r}") from None
    price = cells.get("unit_price")
    return PurchaseLineInput(
        item.sku,
        _checked("quantity", quantities.move_quantity, _required(cells, "quantity")),
        unit_price=_checked("unit_price", quantities.unit_cost, price) if price else None,
        expected_date=expected,
    )


def _partner(session: Session, code: str, kind: PartnerKind, column: str) -> None:
    partner = finders.find_partner(session, code)
    if partner is None or partner.kind != kind:
        raise _CellError(column, f"no {kind} {code!r}")
    if not partner.active:
        raise _CellError(column, f"{kind} {code} is inactive")


def _check_header(session: Session, kind: str, document: _Document) -> None:
    """What the document's first row says, checked against the database (reading only)."""
    header = document.header
    partner = PARTNER[kind]
    _checked(partner, lambda code: _partner(session, code, partner, partner), _required(header, partner))
    _checked("warehouse", lambda code: finders.warehouse_by_code(session, code), _required(header, "warehouse"))
    if kind == ImportKind.ORDERS:
        if session.exec(select(SalesOrder.id).where(SalesOrder.number == document.key)).first():
            raise _CellError("number", f"sales order {document.key} already exists")
        if header.get("policy"):
            _checked("policy", backorder_policy, header["policy"])


def _lines(session: Session, kind: str, document: _Document) -> tuple[list, list[str]]:
    """The document's lines, and the problems of those that cannot be read."""
    make_line = _order_line if kind == ImportKind.ORDERS else _purchase_line
    lines, problems = [], []
    for where, prefix, cells in document.lines:
        try:
            lines.append(make_line(session, cells))
        except _CellError as exc:
            problems.append(f"{where} column {prefix}{exc.column}: {exc}")
    return lines, problems


def _create(session: Session, kind: str, document: _Document) -> str:
    lines, problems = _lines(session, kind, document)
    try:
        if problems:
            raise ImportFailed(problems)
        _check_header(session, kind, document)
        header = document.header
        if kind == ImportKind.ORDERS:
            policy = backorder_policy(header["policy"]).value if header.get("policy") else None
            return create_order(session, header["customer"], header["warehouse"], lines, number=document.key,
                                policy=policy).number
        return create_purchase_order(session, header["supplier"], header["warehouse"].upper(), lines).number
    except _CellError as exc:
        raise ImportFailed([f"{document.row} column {exc.column}: {exc}"]) from None
    except WmsError as exc:
        if isinstance(exc, ImportFailed):
            raise
        raise ImportFailed([f"{document.row} column {KEY[kind]}: {exc}"]) from None


def _check(engine: Engine, kind: str, documents: list[_Document]) -> None:
    """Every document not written yet, checked reading only (no write lock): all problems at once."""
    problems: list[str] = []
    with reading(engine) as session:
        for document in documents:
            _lines_read, line_problems = _lines(session, kind, document)
            problems += line_problems
            try:
                _check_header(session, kind, document)
            except _CellError as exc:
                problems.append(f"{document.row} column {exc.column}: {exc}")
    if problems:
        raise ImportFailed(problems)


def _write(engine: Engine, run: batch.RunView, kind: str, documents: list[_Document]) -> ImportResult:
    """The checked documents, a few per transaction; one refused now (another user got there
    first) cancels those this import created."""
    created: list[str] = []

    def write(session: Session, chunk: Sequence[_Document], _offset: int) -> None:
        numbers = [_create(session, kind, document) for document in chunk]
        batch.record_created(session, run, numbers)
        created.extend(numbers)

    try:
        run = batch.write_rows(engine, run, kind, documents, write)
    except ImportFailed:
        rollback(engine, run.id)
        raise
    batch.finish_run(engine, run)
    return ImportResult(created, sum(len(document.lines) for document in documents))


def import_documents(engine: Engine, kind: str, path: Path, context: PostingContext = DOCUMENTS) -> ImportResult:
    """Create the file's sales orders (drafts, to confirm at the console) or purchase orders:
    all checked first, then written in short transactions under an import id (batch.py); any
    problem and nothing is kept."""
    documents = _documents(path, kind)
    _check(engine, kind, documents)
    run = batch.start_run(engine, kind, [batch.Part(kind, path.resolve(), batch.file_digest(path), len(documents))], context)
    return _write(engine, run, kind, documents)


def resume(engine: Engine, run_id: int) -> ImportResult:
    """Write the rest of a documents import that stopped half-way, from the same file."""
    run = batch.unfinished_run(engine, run_id)
    if run.kind not in KINDS:
        raise InvalidInput(f"import {run_id} is not an import of {' or '.join(KINDS)}")
    batch.same_files(run)
    [part] = run.parts
    documents = _documents(part.path, run.kind)
    _check(engine, run.kind, documents[run.start_of(run.kind):])
    return _write(engine, run, run.kind, documents)


def rollback(engine: Engine, run_id: int) -> str:
    """Undo a documents import that stopped half-way: the documents it created are cancelled."""
    run = batch.unfinished_run(engine, run_id)
    cancel = cancel_order if run.kind == ImportKind.ORDERS else cancel_purchase_order
    numbers = batch.created_by(engine, run)
    for number in numbers:
        with transaction(engine) as session:
            cancel(session, number)
    batch.finish_run(engine, run, ImportState.ROLLED_BACK)
    return f"import {run.id} rolled back: {len(numbers)} {run.kind} cancelled"


class ExportKind(StrEnum):
    SHIPMENTS = "shipments"
    RECEIPTS = "receipts"
    STOCK = "stock"


EXPORTS = tuple(kind.value for kind in ExportKind)  # plain strings: the command's choices
COLUMNS = {
    ExportKind.SHIPMENTS: ("shipment", "order", "customer", "carrier", "tracking_number", "shipped_at", "container", "sku", "lot", "quantity"),
    ExportKind.RECEIPTS: ("received_at", "document", "sku", "lot", "quantity", "location", "operator", "terminal"),
    # The stock.csv columns `wms-tui import --stock` reads: an export is another site's opening stock.
    ExportKind.STOCK: ("sku", "location", "quantity", "lot", "expiry", "unit_cost"),
}


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return quantities.display(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def export_rows(engine: Engine, kind: str, *, since: date | None = None) -> list[dict[str, str]]:
    """Shipments or receipts since a day (UTC, inclusive), or the stock on hand in internal locations."""
    if kind not in EXPORTS:
        raise InvalidInput(f"export {', '.join(EXPORTS)}, not {kind!r}")
    start = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    with reading(engine) as session:
        if kind == ExportKind.SHIPMENTS:
            query = (
                select(Shipment.number, SalesOrder.number, Partner.code, Shipment.carrier, Shipment.tracking_number,
                       Shipment.shipped_at, Container.code, Item.sku, Lot.code, ContainerLine.quantity)
                .join(SalesOrder, SalesOrder.id == Shipment.order_id)
                .join(Partner, Partner.id == SalesOrder.customer_id)
                .join(ShippingContainer, ShippingContainer.shipment_id == Shipment.id)
                .join(Container, Container.id == ShippingContainer.container_id)
                .join(ContainerLine, ContainerLine.container_id == Container.id)
                .join(Item, Item.id == ContainerLine.item_id)
                .outerjoin(Lot, Lot.id == ContainerLine.lot_id)
                .order_by(Shipment.shipped_at, Shipment.id, Container.code, ContainerLine.id)
            )
            if start:
                query = query.where(Shipment.shipped_at >= start)
        elif kind == ExportKind.RECEIPTS:
            query = (
                select(StockMove.created_at, StockMove.document_ref, Item.sku, Lot.code, StockMove.quantity, Location.code,
                       StockMove.operator, StockMove.terminal_id)
                .join(Item, Item.id == StockMove.item_id)
                .join(Location, Location.id == StockMove.to_location_id)
                .outerjoin(Lot, Lot.id == StockMove.lot_id)
                # The paced-reasons condition lets the database read receipts by time.
                .where(paced_reason(StockMove.reason), StockMove.reason == MoveReason.RECEIPT)
                .order_by(StockMove.created_at, StockMove.terminal_id, StockMove.sequence)
            )
            if start:
                query = query.where(StockMove.created_at >= start)
        else:
            query = (
                select(Item.sku, Location.code, func.sum(StockBalance.quantity), Lot.code, Lot.expiry_date, Item.standard_cost)
                .join(Item, Item.id == StockBalance.item_id)
                .join(Location, Location.id == StockBalance.location_id)
                .outerjoin(Lot, (Lot.id == StockBalance.lot_id) & (StockBalance.lot_id != NO_LOT))
                .where(Location.kind == LocationKind.INTERNAL)
                .group_by(Item.sku, Location.code, Lot.code, Lot.expiry_date, Item.standard_cost)
                .having(func.sum(StockBalance.quantity) != 0)  # containers in one bin add up
                .order_by(Item.sku, Location.code, Lot.code)
            )
        return [dict(zip(COLUMNS[kind], (_plain(value) for value in row), strict=True)) for row in session.execute(query)]


def render(kind: str, rows: list[dict[str, str]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    if fmt != "csv":
        raise InvalidInput(f"format csv or json, not {fmt!r}")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS[kind], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
