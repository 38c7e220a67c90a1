"""One "Did this help?" answer per reader who gives their voter id.

Revision ID: intake_0006
Revises: intake_0005
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0006"
down_revision = "intake_0005"
branch_labels = None
depends_on = None

SCHEMA = "intake"


def upgrade() -> None:
    op.create_table(
        "article_vote",
        sa.Column("article_id", sa.Uuid(), nullable=False),
        sa.Column("voter", sa.Uuid(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], [f"{SCHEMA}.article.id"], name="fk_article_vote_article_id_article"
        ),
        sa.PrimaryKeyConstraint("article_id", "voter", name="pk_article_vote"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("article_vote", schema=SCHEMA)
