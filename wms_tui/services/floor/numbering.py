"""SSCC numbers for the containers a terminal packs or receives onto: the `[sscc]` range the
configuration gives this terminal becomes its number range in the database (where packing
counts it atomically), so offline terminals never hand out the same SSCC."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlmodel import func, select

from labels.sscc import config_from_mapping
from wms_tui.domain.errors import ConfigError
from wms_tui.services.outbound.packing import SSCC, assign_number_range
from wms_tui.store.models_outbound import NumberRange
from wms_tui.store.session import transaction


def ensure_terminal_range(engine: Engine, terminal_id: str, prefix: str, first: int, last: int) -> str:
    """Give the terminal this range unless it has one; says what it did (for logs and the CLI)."""
    with transaction(engine) as session:
        held = session.exec(
            select(NumberRange).where(NumberRange.purpose == SSCC, NumberRange.terminal_id == terminal_id)
        ).first()
        if held is not None:
            if (held.prefix, held.first_value, held.last_value) != (prefix, first, last):
                return (f"terminal {terminal_id} keeps its SSCC range {held.prefix} {held.first_value}-"
                        f"{held.last_value} (the config says {prefix} {first}-{last}; ranges are never moved)")
            return f"terminal {terminal_id} SSCC range {prefix} {first}-{last}"
        assign_number_range(session, terminal_id, prefix, first, last)
        return f"terminal {terminal_id} given SSCC range {prefix} {first}-{last}"


DEMO_PREFIX = "30614141"  # extension digit 3 + GS1's example company prefix 0614141
DEMO_BLOCK = 1_000_000


def ensure_demo_range(engine: Engine, terminal_id: str) -> str:
    """On the demo database, any terminal gets the next free block of demo serials."""
    with transaction(engine) as session:
        used = session.exec(
            select(func.max(NumberRange.last_value)).where(NumberRange.purpose == SSCC, NumberRange.prefix == DEMO_PREFIX)
        ).one()
    first = 1 if used is None else used + 1
    return ensure_terminal_range(engine, terminal_id, DEMO_PREFIX, first, first + DEMO_BLOCK - 1)


def range_from_config(engine: Engine, terminal_id: str, sscc: Mapping[str, Any]) -> str | None:
    """Apply the `[sscc]` table's range for this terminal; None when the table is absent."""
    if not sscc:
        return None
    try:
        settings = config_from_mapping(sscc, terminal_id)
    except ValueError as exc:
        raise ConfigError(f"[sscc]: {exc}") from None
    prefix = f"{settings.extension_digit}{settings.company_prefix}"
    return ensure_terminal_range(engine, terminal_id, prefix, settings.range.start, settings.range.end)
