"""The tables, one module per aggregate. Identical on SQLite and PostgreSQL; Alembic migrations
are checked against them. Importing this package registers every table on SQLModel.metadata."""

from wms_tui.store.models.catalog import (
    BinCapacity,
    BomLine,
    Container,
    Item,
    ItemBarcode,
    Location,
    Lot,
    PutawayRule,
    ReorderRule,
    Warehouse,
)
from wms_tui.store.models.costing import CostLayer
from wms_tui.store.models.exceptions import StockException
from wms_tui.store.models.floor import (
    AuthEvent,
    FloorSession,
    HeldStep,
    Operator,
    SiteSecret,
    TerminalLock,
)
from wms_tui.store.models.imports import ImportRun
from wms_tui.store.models.inventory import CountLine, CountSession, Transfer, TransferLine
from wms_tui.store.models.ledger import (
    NO_CONTAINER,
    NO_LOT,
    NumberRange,
    StockBalance,
    StockMove,
    TerminalSequence,
)
from wms_tui.store.models.partners import CustomerProfile, Partner, SupplierDetail, SupplierItem
from wms_tui.store.models.purchasing import (
    BuyToOrderAllocation,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SupplierInvoice,
    SupplierInvoiceLine,
)
from wms_tui.store.models.resolutions import ExceptionResolution
from wms_tui.store.models.sales import (
    ContainerLine,
    CreditNote,
    Invoice,
    InvoiceLine,
    Payment,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShippingContainer,
)
from wms_tui.store.models.tasks import PickDiscrepancy, Task

__all__ = [
    "NO_LOT",
    "NO_CONTAINER",
    "StockMove",
    "CostLayer",
    "StockBalance",
    "TerminalSequence",
    "NumberRange",
    "Warehouse",
    "Location",
    "Item",
    "ItemBarcode",
    "Lot",
    "Container",
    "BomLine",
    "PutawayRule",
    "BinCapacity",
    "ReorderRule",
    "Partner",
    "CustomerProfile",
    "SupplierDetail",
    "SupplierItem",
    "SalesOrder",
    "SalesOrderLine",
    "Reservation",
    "ShippingContainer",
    "ContainerLine",
    "Shipment",
    "Invoice",
    "InvoiceLine",
    "Payment",
    "SalesReturn",
    "SalesReturnLine",
    "CreditNote",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Receipt",
    "ReceiptLine",
    "BuyToOrderAllocation",
    "SupplierInvoice",
    "SupplierInvoiceLine",
    "CountSession",
    "CountLine",
    "Transfer",
    "TransferLine",
    "Task",
    "PickDiscrepancy",
    "StockException",
    "Operator",
    "FloorSession",
    "HeldStep",
    "SiteSecret",
    "TerminalLock",
    "AuthEvent",
    "ImportRun",
    "ExceptionResolution",
]
