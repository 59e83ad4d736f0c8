"""sync documents: tasks leased centrally, their completions pushed back

Revision ID: 0016_sync_documents
Revises: 0012_floor_pick
Create Date: 2026-12-12

task gains leased_to / lease_until (the terminal central leased it to, and until when: a
terminal works offline only on tasks leased to it) and done_by (the terminal whose
confirmation central applied: a second terminal's is a conflict). On a terminal (SQLite) a
trigger records each completion of a task leased to this terminal in task_done_outbox, with
the values of that moment, so a later pull that moves the lease cannot lose it before it is
pushed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_sync_documents'
down_revision: str | Sequence[str] | None = '0012_floor_pick'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('task', sa.Column('leased_to', sa.String(length=40), nullable=True))
    op.add_column('task', sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('task', sa.Column('done_by', sa.String(length=40), nullable=True))
    op.create_index('ix_task_lease', 'task', ['warehouse_id', 'leased_to'], unique=False)
    op.create_table('task_done_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_uid', sa.Uuid(), nullable=False),
    sa.Column('done_quantity', sa.BigInteger(), nullable=False),
    sa.Column('assignee', sa.String(length=40), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    if op.get_bind().dialect.name == 'sqlite':
        # sync_state holds this database's own terminal once it has synced.
        op.execute(
            "CREATE TRIGGER task_done_record AFTER UPDATE OF state ON task "
            "WHEN NEW.state = 'done' AND OLD.state != 'done' "
            "AND NEW.leased_to IN (SELECT terminal_id FROM sync_state) "
            "BEGIN INSERT INTO task_done_outbox (task_uid, done_quantity, assignee, done_at) "
            "VALUES (NEW.uid, NEW.done_quantity, NEW.assignee, NEW.done_at); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('DROP TRIGGER task_done_record')
    op.drop_table('task_done_outbox')
    op.drop_index('ix_task_lease', table_name='task')
    op.execute('ALTER TABLE task DROP COLUMN done_by')
    op.execute('ALTER TABLE task DROP COLUMN lease_until')
    op.execute('ALTER TABLE task DROP COLUMN leased_to')
