"""A step the sync migrations share: a table that already holds rows gains a global id (UUIDv7
`uid`), one for each row there, unique."""

import sqlalchemy as sa
from alembic import op


def add_uid(table: str) -> None:
    from uuid6 import uuid7

    # Nullable only because a column added to SQLite cannot be NOT NULL without a default;
    # every row gets one here and the models give each new one its own.
    op.add_column(table, sa.Column('uid', sa.Uuid(), nullable=True))
    rows = sa.table(table, sa.column('id', sa.Integer()), sa.column('uid', sa.Uuid()))
    bind = op.get_bind()
    ids = bind.execute(sa.select(rows.c.id).order_by(rows.c.id)).scalars().all()
    if ids:
        bind.execute(rows.update().where(rows.c.id == sa.bindparam('row_id')).values(uid=sa.bindparam('new_uid')),
                     [{'row_id': row_id, 'new_uid': uuid7()} for row_id in ids])
    op.create_index(f'ix_{table}_uid', table, ['uid'], unique=True)


def drop_uid(table: str) -> None:
    op.drop_index(f'ix_{table}_uid', table_name=table)
    op.execute(f'ALTER TABLE {table} DROP COLUMN uid')
