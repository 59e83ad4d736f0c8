"""Revision 0007_operator_auth replaces the badges stored in clear by their keyed hashes, on both
databases, and the operators sign in with the same badge and PIN afterwards."""

import pytest
from alembic import command
from sqlalchemy import text
from sqlmodel import Session

from tests.conftest import new_pg_database
from wms_tui.domain.auth import REFUSED, SecurityPolicy
from wms_tui.services import operators
from wms_tui.services.operators import _hash_pin
from wms_tui.store import migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.models import Operator
from wms_tui.store.session import transaction


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def before_auth(request, tmp_path):
    """A database migrated to the two heads before 0007_operator_auth."""
    if request.param == "sqlite":
        url, drop = sqlite_url(tmp_path / "old.db"), lambda: None
    else:
        url, drop = new_pg_database(request.getfixturevalue("pg_admin_url"), "template0")
    engine = make_engine(url)
    for head in ("0005_enum_spellings", "0006_move_hash_chain"):
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), head)
    yield engine
    engine.dispose()
    drop()


def test_badges_in_clear_become_keyed_hashes(before_auth):
    engine = before_auth
    assert migrate.current_revisions(engine) == {"0005_enum_spellings", "0006_move_hash_chain"}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO operator (code, name, role, badge, pin_hash, active) "
                          "VALUES ('ANN', 'Ann', 'supervisor', 'B-77', :pin, true)"),
                     {"pin": _hash_pin("4739", b"\x01" * 16)})
    migrate.upgrade(engine)
    with Session(engine) as session:
        assert len(session.get(Operator, "ANN").badge_hash) == 64
    with transaction(engine) as session:
        assert operators.sign_in(session, "B-77", "4739", terminal="T1", policy=SecurityPolicy()).operator.code == "ANN"
        assert operators.sign_in(session, "B-78", "4739", terminal="T1", policy=SecurityPolicy()).problem == REFUSED
    with engine.connect() as conn:
        assert "B-77" not in str(conn.execute(text("SELECT * FROM operator")).all())
