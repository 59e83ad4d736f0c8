"""Least privilege on PostgreSQL: the GRANTs of `wms-tui db roles`.

Four roles:
- migrations: owns the tables (whoever runs `wms-tui db upgrade`); only it can alter tables or
  disable the append-only triggers;
- application (terminals on PostgreSQL, the console) and sync service (`wms-tui central serve`),
  each its own login so either can be cut off alone: each reads and writes documents and balances, but may only
  INSERT and SELECT moves and audit events, never UPDATE, DELETE or TRUNCATE them, and owns
  nothing;
- reporting: SELECT only.
Neither of the last two is a superuser, so neither can change `session_replication_role`
(which would switch the triggers off for its session).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, text

from wms_tui.domain.errors import ConfigError

SCHEMA = "public"
# Tables the application may add to and read but never change: the ledger and the audit trail
# of sign-ins and approvals.
APPEND_ONLY = ("stock_move", "auth_event")
# The migrations' bookkeeping: the application reads it to see whether the schema is current.
READ_ONLY = ("alembic_version",)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Roles:
    application: str = "wms_app"
    reporting: str = "wms_report"
    sync_service: str = "wms_sync"

    def __post_init__(self) -> None:
        named = (("application", self.application), ("reporting", self.reporting), ("sync service", self.sync_service))
        for what, name in named:
            if not ROLE_NAME.match(name):
                raise ConfigError(f"{what} role {name!r}: use lower-case letters, digits and '_' (a PostgreSQL identifier)")
        if len({name for _, name in named}) < len(named):
            raise ConfigError("the application, reporting and sync service roles must differ")


def _create_if_missing(role: str) -> str:
    # LOGIN without a password: the administrator sets one (ALTER ROLE ... PASSWORD) or maps
    # the role in pg_hba.conf. NOSUPERUSER etc. are the defaults, spelled out to be read.
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS; "
        f"END IF; END $$"
    )


def grant_statements(roles: Roles) -> list[str]:
    """The statements, in order; safe to run again after every `db upgrade` (new tables)."""
    writers = f"{roles.application}, {roles.sync_service}"
    report = roles.reporting
    append_only = ", ".join(APPEND_ONLY)
    read_only = ", ".join(READ_ONLY)
    return [
        _create_if_missing(roles.application),
        _create_if_missing(roles.sync_service),
        _create_if_missing(report),
        f"REVOKE CREATE ON SCHEMA {SCHEMA} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {writers}, {report}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM {writers}, {report}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO {writers}",
        f"REVOKE UPDATE, DELETE ON {append_only} FROM {writers}",
        f"REVOKE INSERT, UPDATE, DELETE ON {read_only} FROM {writers}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {SCHEMA} TO {writers}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {report}",
    ]


def apply_grants(conn: Connection, roles: Roles) -> None:
    """Run the GRANTs as the tables' owner; refuses roles that would defeat them."""
    for statement in grant_statements(roles):
        conn.execute(text(statement))
    for role in (roles.application, roles.sync_service, roles.reporting):
        superuser = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = :role"), {"role": role}).scalar_one()
        owns = conn.execute(
            text("SELECT string_agg(tablename, ', ') FROM pg_tables WHERE schemaname = :schema AND tableowner = :role"),
            {"schema": SCHEMA, "role": role},
        ).scalar_one()
        if superuser or owns:
            why = "is a superuser" if superuser else f"owns {owns}"
            raise ConfigError(f"role {role} {why}: it could switch off the ledger's triggers; use a role without")
