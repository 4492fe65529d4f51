"""API key scopes: read, write, admin, inbound (replaces the admin flag).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

keys = sa.table("api_keys", sa.column("admin", sa.Boolean()), sa.column("scopes", sa.String()))


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("scopes", sa.String(length=64), nullable=False, server_default="")
        )
    # What each key could do before: every key read and wrote; admin keys also administered.
    op.execute(keys.update().where(keys.c.admin.is_(True)).values(scopes="admin read write"))
    op.execute(keys.update().where(keys.c.admin.is_(False)).values(scopes="read write"))
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("admin")


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(
            sa.Column("admin", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(keys.update().where(keys.c.scopes.like("%admin%")).values(admin=True))
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("scopes")
