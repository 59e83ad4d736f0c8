"""Loads every floor flow module; each registers its handler with the terminal on import."""

from __future__ import annotations

import importlib
import pkgutil

from wms_tui.services import floor
from wms_tui.services.floor.terminal import HANDLERS

# Modules of the package that are not flows.
_SUPPORT = {"common", "flows", "numbering", "operators", "printing", "scans", "terminal"}


def registered_flows() -> list[str]:
    """The flows a terminal offers, after importing every flow module of the package."""
    for info in pkgutil.iter_modules(floor.__path__):
        if info.name not in _SUPPORT:
            importlib.import_module(f"{floor.__name__}.{info.name}")
    return sorted(HANDLERS)
