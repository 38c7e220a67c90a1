"""Staff's tools (issue 16): full-text ticket search, the "needs reply" mark, canned replies.

Search matches the stems of the words asked (Snowball, computed by intake) as prefixes of the
words written, on both backends alike, so neither backend's stop list or stemmer decides on
its own what matches. PostgreSQL: generated ``simple`` tsvector columns on ``ticket`` (subject
over body) and ``message`` with GIN indexes. SQLite: contentless FTS5 tables of the same text,
kept by triggers, so every write (a reply by mail, an erasure) reaches the index without
intake's code. ``tables.py`` names these as unmanaged.

Revision ID: intake_0014
Revises: intake_0013
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "intake_0014"
down_revision = "intake_0013"
branch_labels = None
depends_on = None

SCHEMA = "intake"

# Russian is written with ё and with е for it alike; intake's search words use е.
TICKET_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, translate(subject, 'ёЁ', 'еЕ')), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, translate(body, 'ёЁ', 'еЕ')), 'B')"
)
MESSAGE_VECTOR = "to_tsvector('simple'::regconfig, translate(body, 'ёЁ', 'еЕ'))"
FTS5 = "tokenize = 'unicode61 remove_diacritics 2'"


def _fold(value: str) -> str:
    return f"replace(replace({value}, 'ё', 'е'), 'Ё', 'Е')"


def _ticket_row(row: str) -> str:
    return f"{row}.number, {_fold(f'{row}.subject')}, {_fold(f'{row}.body')}"


def _message_row(row: str) -> str:
    return f"{row}.rowid, {_fold(f'{row}.body')}"


# SQLite: contentless FTS5 tables of the folded text, written by triggers: a ticket's by its
# number, a message's by its rowid (stable: nothing here runs VACUUM).
SQLITE_SEARCH = [
    f"CREATE VIRTUAL TABLE ticket_text USING fts5(subject, body, content='', {FTS5})",
    "CREATE TRIGGER ticket_text_insert AFTER INSERT ON ticket BEGIN"
    f" INSERT INTO ticket_text(rowid, subject, body) VALUES ({_ticket_row('new')}); END",
    "CREATE TRIGGER ticket_text_update AFTER UPDATE OF subject, body ON ticket BEGIN"
    " INSERT INTO ticket_text(ticket_text, rowid, subject, body)"
    f" VALUES ('delete', {_ticket_row('old')});"
    f" INSERT INTO ticket_text(rowid, subject, body) VALUES ({_ticket_row('new')}); END",
    "CREATE TRIGGER ticket_text_delete AFTER DELETE ON ticket BEGIN"
    " INSERT INTO ticket_text(ticket_text, rowid, subject, body)"
    f" VALUES ('delete', {_ticket_row('old')}); END",
    f"INSERT INTO ticket_text(rowid, subject, body) SELECT {_ticket_row('ticket')} FROM ticket",
    f"CREATE VIRTUAL TABLE message_text USING fts5(body, content='', {FTS5})",
    "CREATE TRIGGER message_text_insert AFTER INSERT ON message BEGIN"
    f" INSERT INTO message_text(rowid, body) VALUES ({_message_row('new')}); END",
    "CREATE TRIGGER message_text_update AFTER UPDATE OF body ON message BEGIN"
    " INSERT INTO message_text(message_text, rowid, body)"
    f" VALUES ('delete', {_message_row('old')});"
    f" INSERT INTO message_text(rowid, body) VALUES ({_message_row('new')}); END",
    "CREATE TRIGGER message_text_delete AFTER DELETE ON message BEGIN"
    " INSERT INTO message_text(message_text, rowid, body)"
    f" VALUES ('delete', {_message_row('old')}); END",
    f"INSERT INTO message_text(rowid, body) SELECT {_message_row('message')} FROM message",
]

# Since when the customer waits for an answer: their oldest public message after the agents'
# last public reply, or the filing itself when no agent has replied yet.
_PUBLIC = "NOT {m}.internal AND NOT {m}.unverified"
_LAST_REPLY = (
    "(SELECT max(a.created_at) FROM {s}message a WHERE a.ticket_id = {s}ticket.id"
    " AND a.author IN ('agent', 'senior') AND " + _PUBLIC.format(m="a") + ")"
)
_WAITING_SINCE = (
    "CASE WHEN {last} IS NULL THEN {s}ticket.received_at ELSE"
    " (SELECT min(c.created_at) FROM {s}message c WHERE c.ticket_id = {s}ticket.id"
    " AND c.author = 'customer' AND " + _PUBLIC.format(m="c") + " AND c.created_at > {last})"
    " END"
)


def _alter_schema() -> str | None:
    # ALTER TABLE is rendered as text, past the engine's schema translation: SQLite has no
    # schema here (one file per service).
    return None if op.get_bind().dialect.name == "sqlite" else SCHEMA


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    prefix = f"{SCHEMA}." if postgres else ""
    op.add_column(
        "ticket",
        sa.Column("awaiting_reply_since", sa.DateTime(timezone=True)),
        schema=_alter_schema(),
    )
    last = _LAST_REPLY.format(s=prefix)
    op.execute(
        f"UPDATE {prefix}ticket SET awaiting_reply_since = "
        + _WAITING_SINCE.format(s=prefix, last=last)
        + " WHERE status NOT IN ('resolved', 'closed')"
    )
    waiting = sa.text("awaiting_reply_since IS NOT NULL")
    op.create_index(
        "ix_ticket_awaiting_reply",
        "ticket",
        ["number"],
        schema=SCHEMA,
        postgresql_where=waiting,
        sqlite_where=waiting,
    )
    op.create_table(
        "canned_reply",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_canned_reply"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_canned_reply_owner_id_title", "canned_reply", ["owner_id", "title"], schema=SCHEMA
    )
    if postgres:
        for table, vector in (("ticket", TICKET_VECTOR), ("message", MESSAGE_VECTOR)):
            op.execute(
                f"ALTER TABLE {SCHEMA}.{table} ADD COLUMN search_vector tsvector"
                f" GENERATED ALWAYS AS ({vector}) STORED"
            )
            op.execute(
                f"CREATE INDEX ix_{table}_search_vector ON {SCHEMA}.{table}"
                " USING gin (search_vector)"
            )
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("ticket", "message"):
            op.execute(f"DROP INDEX {SCHEMA}.ix_{table}_search_vector")
            op.execute(f"ALTER TABLE {SCHEMA}.{table} DROP COLUMN search_vector")
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER ticket_text_{trigger}")
            op.execute(f"DROP TRIGGER message_text_{trigger}")
        op.execute("DROP TABLE ticket_text")
        op.execute("DROP TABLE message_text")
    op.drop_index("ix_canned_reply_owner_id_title", table_name="canned_reply", schema=SCHEMA)
    op.drop_table("canned_reply", schema=SCHEMA)
    op.drop_index("ix_ticket_awaiting_reply", table_name="ticket", schema=SCHEMA)
    with op.batch_alter_table("ticket", schema=_alter_schema()) as batch:
        batch.drop_column("awaiting_reply_since")
