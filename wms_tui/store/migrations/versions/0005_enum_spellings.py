"""enum spellings: documents carry the one spelling of each state and reason (domain.states)

Joins the outbound, inbound and floor branches. Only documents are rewritten: posted stock
moves are immutable (the triggers refuse any change), so their old reason spellings stay and are
mapped on read (domain.reasons.LEGACY_SPELLINGS).

Revision ID: 0005_enum_spellings
Revises: 0002_outbound, 0003_inbound, 0004_floor
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_enum_spellings'
down_revision: str | Sequence[str] | None = ('0002_outbound', '0003_inbound', '0004_floor')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, spelling before, spelling now): written out here, not imported, so this
# revision keeps doing what it did whatever the enums become.
SPELLINGS = [
    ('task', 'reason', 'cycle count', 'cycle_count'),  # CountTaskReason.CYCLE_COUNT
]


def _rewrite(table: str, column: str, old: str, new: str) -> None:
    target = sa.table(table, sa.column(column, sa.String))
    op.execute(target.update().where(target.c[column] == old).values({column: new}))


def upgrade() -> None:
    for table, column, before, now in SPELLINGS:
        _rewrite(table, column, before, now)


def downgrade() -> None:
    for table, column, before, now in SPELLINGS:
        _rewrite(table, column, now, before)
