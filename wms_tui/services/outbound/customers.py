"""Customers: a partner of kind customer with a ship-to address, terms and a back-order policy."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.outbound import BackorderPolicy, backorder_policy
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
    partner = Partner(code=code, name=name, kind="customer")
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


def _load(session: Session, code: str) -> tuple[Partner, CustomerProfile]:
    row = session.exec(
        select(Partner, CustomerProfile)
        .join(CustomerProfile, CustomerProfile.partner_id == Partner.id)
        .where(Partner.code == code.strip(), Partner.kind == "customer")
    ).first()
    if row is None:
        raise NotFound(f"no customer {code!r}")
    return row


def get_customer(session: Session, code: str) -> Customer:
    return _customer(*_load(session, code))


def update_customer(
    session: Session,
    code: str,
    *,
    ship_to: ShipTo | None = None,
    policy: BackorderPolicy | str | None = None,
    payment_terms_days: int | None = None,
    active: bool | None = None,
) -> Customer:
    """Change what is given; open orders keep their own policy override if they have one."""
    partner, profile = _load(session, code)
    if ship_to is not None:
        profile.ship_to_name = ship_to.name
        profile.ship_to_street = ship_to.street
        profile.ship_to_city = ship_to.city
        profile.ship_to_postcode = ship_to.postcode
        profile.ship_to_country = ship_to.country.upper()
    if policy is not None:
        profile.backorder_policy = backorder_policy(policy).value
    if payment_terms_days is not None:
        profile.payment_terms_days = _terms(payment_terms_days)
    if active is not None:
        partner.active = active
    session.flush()
    return _customer(partner, profile)
