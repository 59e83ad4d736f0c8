"""Floor flows: the terminal screens' steps (sign-in, pick, pack, ship, receive, restock, count,
what is this) over the outbound, inbound and task services. `handlers.FLOWS` lists them; the
flows ask the database nothing themselves."""
