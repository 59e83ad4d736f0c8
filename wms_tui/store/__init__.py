"""Persistence: tables, engine and session set-up, migrations, ledger posting and queries.

The data-access rule (one rule, so no service explains its choice again):

- Services use the ORM through their session (objects, or plain columns when they read many rows
  at once) and find rows by code or scan only through `finders`, the one place a code becomes a
  row.
- SQL whose construction cost matters lives here, in read/write modules, each saying once at its
  top why: `ledger` (posting and reversing moves), `queries` (quantities and valuation),
  `views` (hot-path reads of a scan, bulk reads of orders), `writes` (hot-path writes of a scan,
  the task queue's claims, bulk confirm and allocation) and `finders`.
  Such statements are built once at module level with bound parameters, as Core; services do
  not keep statements at module level.
- Only public SQLAlchemy API is used.
"""
