"""SSCC numbers for the containers a terminal packs or receives onto: the `[sscc]` range the
configuration gives this terminal becomes its number range in the database (where packing
counts it atomically), so offline terminals never hand out the same SSCC."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from labels.sscc import config_from_mapping
from wms_tui.domain.errors import ConfigError
from wms_tui.services.outbound.packing import assign_number_range, last_assigned, terminal_range
from wms_tui.store.session import transaction

log = logging.getLogger(__name__)

DEMO_PREFIX = "30614141"  # extension digit 3 + GS1's example company prefix 0614141
DEMO_BLOCK = 1_000_000


def ensure_terminal_range(engine: Engine, terminal_id: str, prefix: str, first: int, last: int) -> None:
    """Give the terminal this range unless it has one. A range in use is never moved: numbers
    already printed on labels must stay unique."""
    with transaction(engine) as session:
        held = terminal_range(session, terminal_id)
        if held is None:
            assign_number_range(session, terminal_id, prefix, first, last)
        elif (held.prefix, held.first_value, held.last_value) != (prefix, first, last):
            log.warning("terminal %s keeps its SSCC range %s %s-%s; the config says %s %s-%s",
                        terminal_id, held.prefix, held.first_value, held.last_value, prefix, first, last)


def ensure_demo_range(engine: Engine, terminal_id: str) -> None:
    """On the demo database, a terminal without a range gets the next free block of demo serials."""
    with transaction(engine) as session:
        if terminal_range(session, terminal_id) is not None:
            return
        used = last_assigned(session, DEMO_PREFIX)
        first = 1 if used is None else used + 1
        assign_number_range(session, terminal_id, DEMO_PREFIX, first, first + DEMO_BLOCK - 1)


def range_from_config(engine: Engine, terminal_id: str, sscc: Mapping[str, Any]) -> None:
    """Apply the `[sscc]` table's range for this terminal (nothing when the table is absent)."""
    if not sscc:
        return
    try:
        settings = config_from_mapping(sscc, terminal_id)
    except ValueError as exc:
        raise ConfigError(f"[sscc]: {exc}") from None
    prefix = f"{settings.extension_digit}{settings.company_prefix}"
    ensure_terminal_range(engine, terminal_id, prefix, settings.range.start, settings.range.end)
