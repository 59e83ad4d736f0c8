"""Persistence: tables, engine and session set-up, migrations, ledger posting and queries."""
