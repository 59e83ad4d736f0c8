"""The console's desks beyond orders (inventory, purchasing, exceptions, people and devices).

Each module reads for its desk (plain dataclasses, one short read-only session each, so the
console's thread workers never keep a session open) and acts (one transaction per action,
through the services, returning one line that says what happened; a refusal raises the
service's WmsError and the transaction keeps nothing), as console_views and desk do for the
dashboard and the orders desk.
"""
