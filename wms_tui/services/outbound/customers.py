"""Customers: a partner of kind customer with a ship-to address, terms and a back-order policy."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.outbound import BackorderPolicy, backorder_policy
from wms_tui.domain.states import PartnerKind
from wms_tui.store import finders
from wms_tui.store.models import CustomerProfile, Partner


@dataclass(frozen=True)
class ShipTo:
    name: str
    street: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""


@dataclass(frozen=True)
class Customer:
    id: int
    code: str
    name: str
    active: bool
    ship_to: ShipTo
    backorder_policy: BackorderPolicy
    payment_terms_days: int


def _customer(partner: Partner, profile: CustomerProfile) -> Customer:
    return Customer(
        partner.id,
        partner.code,
        partner.name,
        partner.active,
        ShipTo(profile.ship_to_name, profile.ship_to_street, profile.ship_to_city, profile.ship_to_postcode, profile.ship_to_country),
        BackorderPolicy(profile.backorder_policy),
        profile.payment_terms_days,
    )


def _terms(days: int) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
        raise InvalidInput(f"payment terms must be 0 to 365 days, got {days!r}")
    return days


def create_customer(
    session: Session,
    code: str,
    name: str,
    *,
    ship_to: ShipTo | None = None,
    policy: BackorderPolicy | str = BackorderPolicy.BACKORDER_REST,
    payment_terms_days: int = 30,
) -> Customer:
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise InvalidInput("a customer needs a code and a name")
    if finders.find_partner(session, code):
        raise InvalidInput(f"partner {code} already exists")
    partner = Partner(code=code, name=name, kind=PartnerKind.CUSTOMER)
    session.add(partner)
    session.flush()
    address = ship_to or ShipTo(name)
    profile = CustomerProfile(
        partner_id=partner.id,
        ship_to_name=address.name,
        ship_to_street=address.street,
        ship_to_city=address.city,
        ship_to_postcode=address.postcode,
        ship_to_country=address.country.upper(),
        backorder_policy=backorder_policy(policy).value,
        payment_terms_days=_terms(payment_terms_days),
    )
    session.add(profile)
    session.flush()
    return _customer(partner, profile)

