"""Partners: customers and suppliers, and what selling to or buying from each needs."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field

from wms_tui.domain.states import PartnerKind
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import money_field, text_field
from wms_tui.store.types import StrEnumType


class Partner(TableModel, table=True):
    """A customer or supplier."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: PartnerKind = Field(sa_column=Column(StrEnumType(PartnerKind, 10), nullable=False))
    active: bool = Field(default=True)


class CustomerProfile(TableModel, table=True):
    """What selling to a partner needs beyond its name: where to ship, how to back order, terms."""

    __tablename__ = "customer_profile"
    partner_id: int = Field(foreign_key="partner.id", primary_key=True)
    ship_to_name: str = text_field(200)
    ship_to_street: str = text_field(200, default="")
    ship_to_city: str = text_field(100, default="")
    ship_to_postcode: str = text_field(20, default="")
    ship_to_country: str = text_field(2, default="")
    backorder_policy: str = text_field(30)
    payment_terms_days: int = Field(default=30)


class SupplierDetail(TableModel, table=True):
    """What purchasing needs to know about a supplier partner."""

    __tablename__ = "supplier_detail"
    partner_id: int = Field(foreign_key="partner.id", primary_key=True)
    lead_time_days: int = Field(default=0)
    contact: str | None = Field(default=None, sa_column=Column(String(200)))
    # How far a supplier invoice may differ from the PO price and the received quantity and
    # still be approved, in percent (0: exactly).
    invoice_price_tolerance_percent: Decimal = money_field(default=Decimal(0))
    invoice_quantity_tolerance_percent: Decimal = money_field(default=Decimal(0))


class SupplierItem(TableModel, table=True):
    """An item a supplier sells, at what price; the lowest priority number is preferred."""

    __tablename__ = "supplier_item"
    __table_args__ = (UniqueConstraint("supplier_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="partner.id")
    item_id: int = Field(foreign_key="item.id", index=True)
    unit_price: Decimal = money_field()
    priority: int = Field(default=0)

