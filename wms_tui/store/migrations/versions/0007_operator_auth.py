"""operator auth: badges stored keyed-hashed, sign-in locks per operator and terminal, the audit
trail; and import runs (imports written in short transactions, resumable)

Joins the two heads (0005_enum_spellings, 0006_move_hash_chain).

The site key that hashes badges is made here (random, one per site: terminals get it with the
rest of the data) and every badge stored in clear until now is replaced by its HMAC-SHA256
under that key. The HMAC is written out here, not imported, so this revision keeps doing what
it did whatever the application's code becomes; it matches domain.auth.badge_digest.

Revision ID: 0007_operator_auth
Revises: 0005_enum_spellings, 0006_move_hash_chain
Create Date: 2026-12-02
"""

import hashlib
import hmac
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_operator_auth'
down_revision: str | Sequence[str] | None = ('0005_enum_spellings', '0006_move_hash_chain')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    site_secret = op.create_table('site_secret',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('value', sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    key = secrets.token_hex(32)
    op.bulk_insert(site_secret, [{'name': 'badge', 'value': key}])

    op.add_column('operator', sa.Column('badge_hash', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    operator = sa.table('operator', sa.column('code', sa.String), sa.column('badge', sa.String),
                        sa.column('badge_hash', sa.String))
    for code, badge in bind.execute(sa.select(operator.c.code, operator.c.badge)).all():
        digest = hmac.new(bytes.fromhex(key), badge.strip().encode(), hashlib.sha256).hexdigest()
        bind.execute(operator.update().where(operator.c.code == code).values(badge_hash=digest))
    with op.batch_alter_table('operator') as batch:  # SQLite: the table is copied without the badge
        batch.alter_column('badge_hash', existing_type=sa.String(length=64), nullable=False)
        batch.drop_column('badge')
        batch.add_column(sa.Column('failed_attempts', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch.create_unique_constraint('uq_operator_badge_hash', ['badge_hash'])

    op.create_table('terminal_lock',
        sa.Column('terminal_id', sa.String(length=40), nullable=False),
        sa.Column('failed_attempts', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('terminal_id'),
    )
    op.create_table('auth_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('operator', sa.String(length=40), nullable=True),
        sa.Column('terminal_id', sa.String(length=40), nullable=True),
        sa.Column('detail', sa.String(length=200), nullable=False, server_default=''),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_auth_event_at', 'auth_event', ['at'])
    op.create_index('ix_auth_event_operator', 'auth_event', ['operator'])

    op.create_table('import_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('terminal_id', sa.String(length=40), nullable=False),
        sa.Column('operator', sa.String(length=40), nullable=False),
        sa.Column('files', sa.Text(), nullable=False),
        sa.Column('part', sa.String(length=20), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('created', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_import_run_state', 'import_run', ['state'])


def downgrade() -> None:
    op.drop_index('ix_import_run_state', table_name='import_run')
    op.drop_table('import_run')
    # The badges cannot come back from their hashes: a downgrade leaves each operator's badge
    # as its hash, to be set again by a supervisor.
    op.drop_index('ix_auth_event_operator', table_name='auth_event')
    op.drop_index('ix_auth_event_at', table_name='auth_event')
    op.drop_table('auth_event')
    op.drop_table('terminal_lock')
    with op.batch_alter_table('operator') as batch:
        batch.drop_constraint('uq_operator_badge_hash', type_='unique')
        batch.drop_column('locked_until')
        batch.drop_column('failed_attempts')
        batch.alter_column('badge_hash', new_column_name='badge', existing_type=sa.String(length=64))
        batch.create_unique_constraint('uq_operator_badge', ['badge'])
    op.drop_table('site_secret')
