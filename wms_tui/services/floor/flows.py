"""Registers every floor flow with the terminal (import for the side effect)."""

from wms_tui.services.floor import identify, pick  # noqa: F401


def registered_flows() -> list[str]:
    """The flows a terminal offers (their modules registered themselves on import)."""
    from wms_tui.services.floor.terminal import HANDLERS

    return sorted(HANDLERS)
