"""Knowledge base (clause 16): articles, and full-text search over them on each backend.

PostgreSQL: a generated tsvector column (title over tags over body, in the article's own
language's configuration) with a GIN index. SQLite: an FTS5 table that intake fills with
stemmed text (FTS5's own stemmer knows only English). ``tables.py`` names both as unmanaged.

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None

SCHEMA = "intake"

# russian for ru articles, english for en: each language's stemmer and stop words. (The
# russian configuration stems Latin words as English too.)
_CONFIG = "(CASE WHEN language = 'en' THEN 'english'::regconfig ELSE 'russian'::regconfig END)"
SEARCH_VECTOR = (
    f"setweight(to_tsvector({_CONFIG}, title), 'A')"
    # The json form of to_tsvector reads the tags' strings (the text of the json has \u escapes).
    f" || setweight(to_tsvector({_CONFIG}, tags), 'B')"
    f" || setweight(to_tsvector({_CONFIG}, body), 'C')"
)


def upgrade() -> None:
    op.create_table(
        "article",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("helpful_votes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("unhelpful_votes", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_article"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_article_status_updated_at", "article", ["status", "updated_at"], schema=SCHEMA
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE {SCHEMA}.article ADD COLUMN search_vector tsvector"
            f" GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED"
        )
        op.execute(
            f"CREATE INDEX ix_article_search_vector ON {SCHEMA}.article USING gin (search_vector)"
        )
    else:
        # Contentful (FTS5 keeps its own copy): small, and deleting a row needs no old values.
        op.execute(
            "CREATE VIRTUAL TABLE article_search USING fts5("
            "article_id UNINDEXED, title, tags, body, tokenize = 'unicode61 remove_diacritics 2')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE article_search")
    op.drop_table("article", schema=SCHEMA)
