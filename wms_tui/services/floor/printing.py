"""What the floor prints, built from the database: a `PrintRequest(kind, reference)` becomes
labels-package objects and then printer bytes.

Kinds:
- "container": the GS1 logistic label of a shipping container; reference = its SSCC.
- "packing_slip": the packing slip of an order (a PDF document); reference = order number.
- "pallet": the licence-plate label of a received pallet; reference = its container code
  (an SSCC or an internal LPN). The receive flow asks for it with
  `PrintRequest(PALLET, container_code)`.

Built after the scan that asked for it committed (the print station runs this in its own
thread and session), so a label shows exactly what the ledger holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session

from labels import (
    Address,
    ContainerLabel,
    Document,
    DocumentLine,
    PalletLabel,
    Printer,
    document_pdf,
    render_for_printer,
)
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.quantities import display
from wms_tui.services.floor.common import short_place
from wms_tui.services.floor.terminal import PrintRequest
from wms_tui.services.inbound import pallets
from wms_tui.services.outbound import order_containers, packing
from wms_tui.store.finders import sales_order_by_number

CONTAINER = "container"
PACKING_SLIP = "packing_slip"
PALLET = "pallet"
KINDS = (CONTAINER, PACKING_SLIP, PALLET)


class PrintProblem(InvalidInput):
    """A request that can never print as asked (unknown kind, a document on a label printer)."""


@dataclass(frozen=True)
class RenderedJob:
    """Bytes for one printer, with what the print queue files them under."""

    kind: str
    reference: str
    payload: bytes
    summary: str  # what the operator reads: "label 0087...123", "slip SO-00001"


def _address(address: packing.Address) -> Address:
    return Address(address.name, tuple(line for line in (address.street,) if line), address.postcode,
                   address.city, address.country)


def _count(quantity: Decimal) -> int | None:
    return int(quantity) if quantity == quantity.to_integral_value() and quantity > 0 else None


def container_label(session: Session, sscc: str) -> ContainerLabel:
    """The GS1 logistic label of one container, numbered n of m once the order is all packed."""
    order = order_containers.order_of_container(session, sscc)
    if order is None:
        raise NotFound(f"no shipping container {sscc!r} to print")
    found = [label for label in packing.container_labels(session, order.number) if label.sscc == sscc.strip()]
    if not found:
        raise NotFound(f"container {sscc} is void: nothing to print")
    data = found[0]
    # Every box says "n of m". Until the order is all packed, m counts one more container when
    # picked goods wait for one; the pack flow reprints the labels whose m turned out wrong.
    complete = order_containers.all_packed(session, order)
    waiting = not complete and order_containers.open_container_of(session, order) is None
    gtins = {row.gtin for row in data.contents}
    lots = {(row.lot, row.best_before) for row in data.contents}
    single = len(gtins) == 1 and None not in gtins
    units = sum((row.quantity for row in data.contents), Decimal(0))
    description = data.contents[0].description if len({row.sku for row in data.contents}) == 1 else (
        f"{len(data.contents)} lines, mixed" if data.contents else "pallet of boxes")
    lot, best_before = next(iter(lots)) if len(lots) == 1 else (None, None)
    return ContainerLabel(
        sscc=data.sscc,
        ship_from=Address(data.ship_from),
        ship_to=_address(data.ship_to),
        order_number=data.order_number,
        carrier=data.carrier or "",
        tracking_number=data.tracking_number or "",
        gtin=next(iter(gtins)) if single else None,
        description=description,
        count=_count(units) if single else None,
        lot=lot,
        best_before=best_before,
        container_index=data.index,
        container_total=data.of + 1 if waiting else data.of,
        gross_weight_kg=data.weight_kg,
    )


def stored_container_label(session: Session, sscc: str) -> ContainerLabel | None:
    """The label of a container packed for an order; None for a code this database does not
    hold as one (a void container still refuses, as for the floor)."""
    if order_containers.order_of_container(session, sscc) is None:
        return None
    return container_label(session, sscc)


def packing_slip_document(session: Session, order_number: str, today: date | None = None) -> Document:
    """The packing slip as a labels Document: ordered and delivered per line, lots from the boxes."""
    slip = packing.packing_slip(session, order_number)
    order = sales_order_by_number(session, order_number)
    lots: dict[str, set[str]] = defaultdict(set)
    gtins: dict[str, str] = {}
    for rows in slip.containers.values():
        for row in rows:
            if row.lot:
                lots[row.sku].add(row.lot)
            if row.gtin:
                gtins[row.sku] = row.gtin
    shipped_any = any(line.shipped > 0 for line in slip.lines)
    lines = tuple(
        DocumentLine(line.sku, line.description, line.packed, lot=" ".join(sorted(lots[line.sku])),
                     gtin=gtins.get(line.sku, ""), ordered=line.ordered, shipped=line.shipped if shipped_any else None)
        for line in slip.lines
    )
    notes = [f"back ordered: {line.sku} x {display(line.back_ordered)}" for line in slip.lines if line.back_ordered > 0]
    return Document(
        kind="packingslip",
        number=slip.order_number,
        date=today or slip.printed_on,
        party_from=Address(order_containers.ship_from(session, order)),
        party_to=_address(slip.ship_to),
        lines=lines,
        references=(("Order", slip.order_number), ("Containers", " ".join(slip.containers) or "-")),
        notes="; ".join(notes),
    )


def pallet_label(session: Session, container_code: str) -> PalletLabel:
    """The licence-plate label of a received pallet: what is on it, from which PO and supplier,
    and where its putaway goes (if a putaway task is open)."""
    pallet = pallets.received_pallet(session, container_code)
    items = {line.sku: line for line in pallet.lines}
    lot_set = {(line.lot, line.expiry) for line in pallet.lines}
    single = len(items) == 1
    units = sum((line.quantity for line in pallet.lines), Decimal(0))
    lot, expiry = next(iter(lot_set)) if len(lot_set) == 1 else (None, None)
    return PalletLabel(
        lpn=pallet.code,
        gtin=pallet.gtin,
        description=pallet.lines[0].name if single else f"{len(items)} items, mixed",
        count=_count(units) if single else None,
        lot=lot,
        expiry=expiry,
        po_number=pallet.po_number,
        supplier=pallet.supplier,
        received_on=pallet.received_on,
        putaway_to=short_place(pallet.putaway_to) if pallet.putaway_to else "",
    )


def printable(session: Session, request: PrintRequest) -> ContainerLabel | PalletLabel | Document:
    if request.kind == CONTAINER:
        return container_label(session, request.reference)
    if request.kind == PACKING_SLIP:
        return packing_slip_document(session, request.reference, datetime.now(UTC).date())
    if request.kind == PALLET:
        return pallet_label(session, request.reference)
    raise PrintProblem(f"cannot print a {request.kind!r}: kinds are {', '.join(KINDS)}")


def render(session: Session, request: PrintRequest, printer: Printer) -> RenderedJob:
    """The request as bytes for `printer` (labels in its format/media/dpi, documents as PDF).
    Raises PrintProblem for a document on a ZPL printer, and the labels package's
    LabelDataError (a ValueError) for data a label cannot carry."""
    thing = printable(session, request)
    if isinstance(thing, Document):
        if printer.format != "pdf":
            raise PrintProblem(f"packing slip {request.reference} is a PDF; printer {printer.name} takes {printer.format}")
        return RenderedJob(request.kind, thing.reference, document_pdf(thing), f"slip {request.reference}")
    return RenderedJob(request.kind, thing.reference, render_for_printer([thing], printer), f"label {request.reference}")
