"""Least privilege on PostgreSQL: the application role posts moves but cannot rewrite them."""

import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import _admin_engine, new_pg_database
from tests.factories import build_small_warehouse
from wms_tui.domain.reasons import MoveReason
from wms_tui.store import migrate
from wms_tui.store.db import make_engine
from wms_tui.store.integrity import check_ledger
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.roles import Roles

pytestmark = pytest.mark.pg


@pytest.fixture
def granted(pg_admin_url, pg_template):
    """A migrated database owned by the admin role, with `db roles --apply` run on it."""
    url, drop = new_pg_database(pg_admin_url, pg_template)
    suffix = uuid.uuid4().hex[:8]
    roles = Roles(f"wms_app_{suffix}", f"wms_report_{suffix}")
    command = [sys.executable, "-m", "wms_tui", "db", "roles", "--apply", "--url", url,
               "--app", roles.application, "--reporting", roles.reporting]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    engines = {role: make_engine(make_url(url).set(username=role).render_as_string(hide_password=False))
               for role in (roles.application, roles.reporting)}
    yield url, roles, engines
    for engine in engines.values():
        engine.dispose()
    owner = make_engine(url)
    with owner.begin() as conn:
        conn.execute(text(f"DROP OWNED BY {roles.application}, {roles.reporting}"))
    owner.dispose()
    drop()
    with _admin_engine(pg_admin_url).connect() as conn:
        conn.execute(text(f"DROP ROLE {roles.application}, {roles.reporting}"))


def test_the_application_role_does_its_work_and_cannot_rewrite_the_ledger(granted):
    _url, roles, engines = granted
    app = engines[roles.application]
    assert migrate.is_up_to_date(app)
    wh = build_small_warehouse(app)
    ledger = Ledger(app, PostingContext("T1", "alice"))
    posted = ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "5")])
    ledger.reverse([posted[0].id], MoveReason.CORRECTION)
    refused = [
        "UPDATE stock_move SET quantity = 1",
        "DELETE FROM stock_move",
        "TRUNCATE stock_move",
        "ALTER TABLE stock_move DISABLE TRIGGER stock_move_no_update_delete",
        "ALTER TABLE stock_move DISABLE TRIGGER ALL",
        "DROP TRIGGER stock_move_no_update_delete ON stock_move",
        "SET session_replication_role = replica",
        "UPDATE alembic_version SET version_num = 'x'",
        "DELETE FROM auth_event",  # the audit trail of sign-ins and approvals is only added to
        "UPDATE auth_event SET outcome = 'ok'",
        "CREATE TABLE shadow (id int)",
    ]
    for statement in refused:
        with pytest.raises(DBAPIError, match="permission denied|must be owner"), app.begin() as conn:
            conn.execute(text(statement))
    with app.connect() as conn:
        assert check_ledger(conn).problems == []


def test_the_reporting_role_only_reads(granted):
    _url, roles, engines = granted
    report = engines[roles.reporting]
    with report.connect() as conn:
        assert check_ledger(conn).ok
    for statement in ("INSERT INTO warehouse (code, name, receipt_steps, delivery_steps) VALUES ('X', 'X', 1, 1)",
                      "UPDATE stock_balance SET quantity = 0", "DELETE FROM item"):
        with pytest.raises(DBAPIError, match="permission denied"), report.begin() as conn:
            conn.execute(text(statement))


def test_apply_refuses_a_role_that_owns_the_tables(pg_admin_url, pg_template):
    url, drop = new_pg_database(pg_admin_url, pg_template)
    try:
        owner = make_url(url).username
        command = [sys.executable, "-m", "wms_tui", "db", "roles", "--apply", "--url", url, "--app", owner]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert f"role {owner} is a superuser" in result.stderr
    finally:
        drop()
