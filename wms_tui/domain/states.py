"""The states and kinds documents are stored with, one enum per column, stored as their values.

Sales orders (`OrderState`) and purchase orders (`PurchaseState`) keep theirs next to their rules in
`domain.outbound` and `domain.inbound`; the reasons stock moves are posted with are in
`domain.reasons`.
"""

from __future__ import annotations

from enum import StrEnum


class TaskKind(StrEnum):
    PICK = "pick"
    PUTAWAY = "putaway"
    REPLENISH = "replenish"
    COUNT = "count"


class TaskState(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DONE = "done"
    CANCELLED = "cancelled"


# Tasks someone still has to do: in the queue or in a person's hands.
PENDING_TASK_STATES = (TaskState.OPEN, TaskState.CLAIMED)


class ContainerKind(StrEnum):
    """In this order on the packing terminal's menu (choice 1, 2, 3)."""

    BOX = "box"
    PALLET = "pallet"
    TOTE = "tote"


class ContainerState(StrEnum):
    """A shipping container's packing state (table shipping_container)."""

    OPEN = "open"  # being packed
    CLOSED = "closed"  # weighed and labelled: may go on a pallet or ship
    SHIPPED = "shipped"
    VOID = "void"  # its order was re-opened


class ShipmentState(StrEnum):
    SHIPPED = "shipped"


class InvoiceState(StrEnum):
    OPEN = "open"
    VOID = "void"  # its order was re-opened


class InvoiceKind(StrEnum):
    INVOICE = "invoice"  # bills what was shipped, less the advance invoices it settles
    ADVANCE = "advance"  # bills ordered units before they ship (pro-forma / advance invoice)


class CreditNoteState(StrEnum):
    OPEN = "open"
    VOID = "void"


class PaymentState(StrEnum):
    POSTED = "posted"
    VOID = "void"


class PaymentKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"  # money paid back on a payment: its amount is negative


class ReturnDisposition(StrEnum):
    """What became of a returned line."""

    PENDING = "pending"  # in the Returns location
    RESTOCKING = "restocking"  # a put-back task is open
    RESTOCKED = "restocked"
    SCRAPPED = "scrapped"
    VOID = "void"  # its order was re-opened


class ReceiptState(StrEnum):
    OPEN = "open"
    DONE = "done"


class SupplierInvoiceState(StrEnum):
    APPROVED = "approved"
    HELD = "held"  # price or quantity differs from the PO and the receipts beyond the tolerances
    RELEASED = "released"  # held, then approved by a person who said why
    REJECTED = "rejected"  # refused: it counts for nothing


class CountSessionState(StrEnum):
    OPEN = "open"


class CountLineState(StrEnum):
    OPEN = "open"  # waiting for its first count
    RECOUNT = "recount"  # the first count differed too much: count it again
    POSTED = "posted"  # counted; any variance posted
    REJECTED = "rejected"  # a supervisor kept the ledger's quantity over a first count past the threshold


class CountTaskReason(StrEnum):
    """Why a count task was queued (the task's reason): which count lines it counts."""

    CYCLE_COUNT = "cycle_count"  # a planned count: lines waiting for their first count
    RECOUNT = "recount"  # lines waiting for a recount
    SHORT_PICK = "short_pick"  # a picker found the bin short


class TransferState(StrEnum):
    DRAFT = "draft"
    SHIPPED = "shipped"  # in Transit
    RECEIVED = "received"


class PartnerKind(StrEnum):
    CUSTOMER = "customer"
    SUPPLIER = "supplier"


class PutawayRuleKind(StrEnum):
    FIXED_BIN = "fixed_bin"  # the item's own bin
    ZONE = "zone"  # any bin under the zone


class ReorderRuleKind(StrEnum):
    PURCHASE = "purchase"  # the location's warehouse buys when short
    PICK_FACE = "pick_face"  # the bin is refilled from reserve bins


class ExceptionKind(StrEnum):
    """What went wrong on the floor that a supervisor resolves at the console."""

    SHORT_PICK = "short_pick"  # a pick_discrepancy
    COUNT_VARIANCE = "count_variance"  # a count line over its threshold, waiting for its recount
    OVER_RECEIPT = "over_receipt"  # a receipt line above its purchase order
    FAILED_PRINT = "failed_print"  # a print job the printer refused for good
    SYNC_CONFLICT = "sync_conflict"  # a sync_conflict: a fact sync accepted (negative bin, task done twice)
    STOCK = "stock_exception"  # a stock_exception row (its own kind says what) the floor could not settle


class Resolution(StrEnum):
    """How a supervisor resolved an exception (exception_resolution.action)."""

    ACCEPTED = "accepted"  # seen and accepted as it is (short pick, over-receipt)
    APPROVED = "approved"  # a count difference posted without its recount
    REJECTED = "rejected"  # a count difference dropped: the ledger's quantity stays
    RETRIED = "retried"  # a failed print sent again
    DISCARDED = "discarded"  # a failed print given up
    RESOLVED = "resolved"  # a stock exception settled as the supervisor's note says


class StockExceptionKind(StrEnum):
    """What the floor could not settle by itself and a supervisor must decide."""

    # Re-opening an order would reverse stock that is no longer where its moves left it.
    REOPEN_SHORT = "reopen_short"


class StockExceptionState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
