"""The flows a terminal offers, wired in one place: add a flow's handler here (and its name to
the roles' menus in `domain.flows.ROLE_FLOWS`).

Imported late, by `terminal.load_flows`, once the sign-in screen shows: the flows bring in the
services behind them, which the sign-in screen does not need.
"""

from __future__ import annotations

from collections.abc import Mapping

from wms_tui.services.floor.count import CountHandler
from wms_tui.services.floor.identify import IdentifyHandler
from wms_tui.services.floor.pack import PackHandler
from wms_tui.services.floor.pick import PickHandler
from wms_tui.services.floor.receive import ReceiveHandler
from wms_tui.services.floor.restock import RestockHandler
from wms_tui.services.floor.ship import ShipHandler
from wms_tui.services.floor.terminal import FlowHandler

FLOWS: tuple[FlowHandler, ...] = (
    PickHandler(),
    PackHandler(),
    ShipHandler(),
    ReceiveHandler(),
    RestockHandler(),
    CountHandler(),
    IdentifyHandler(),
)

BY_NAME: Mapping[str, FlowHandler] = {handler.flow.name: handler for handler in FLOWS}
