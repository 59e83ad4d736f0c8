"""Floor flows: the use cases behind the terminal screens (sign-in, pick, pack, ship, receive,
restock, count, what is this). Importing `wms_tui.services.floor.flows` registers them all."""
