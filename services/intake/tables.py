"""Tables of the intake service (schema ``intake``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    column,
    false,
    func,
    literal_column,
    table,
)
from sqlalchemy.dialects.postgresql import TSVECTOR

from shared.db import UtcDateTime, service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "intake"
metadata = service_metadata(SCHEMA)

customer = Table(
    "customer",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("language", String(2), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, server_default=func.now()),
    # When the address first wrote to us itself (by mail). Until then, mail about its web
    # tickets quotes none of the submitter's words: anyone can type anyone's address.
    Column("proven_at", UtcDateTime),
)

ticket = Table(
    "ticket",
    metadata,
    # The sequence behind the public number SC-000123; the id is what URLs carry.
    Column("number", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("customer_id", Uuid, ForeignKey("customer.id"), nullable=False, index=True),
    Column("customer_is_new", Boolean, nullable=False),
    # The name this ticket was filed with (another filer's under the same address is theirs);
    # NULL on tickets filed before it was kept: the customer's.
    Column("customer_name", String(200)),
    # Likewise the language it was filed in: its mail speaks it, whatever the customer's first
    # ticket spoke. NULL on tickets filed before it was kept: the customer's.
    Column("customer_language", String(2)),
    Column("channel", String(16), nullable=False),
    Column("category", String(32)),
    # How sure the words were of the category they gave (clause 18); NULL when a person chose it.
    Column("category_confidence", Float),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Column("access_token_hash", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    # Set by agents (clause 8); NULL until then, and the resolution target is the longest.
    Column("complexity", String(16)),
    # The customer's consent to show partners their name and email (clause 19); off by default.
    Column("share_with_partners", Boolean, nullable=False, server_default=false()),
    # The partner whose key filed the ticket: only that partner may read it.
    Column("partner_id", Uuid, index=True),
    # The registered partner an agent last handed the ticket to (waiting_partner): it may read
    # the ticket from then on, and answer while it waits on it; NULL once it waits on another.
    Column("handed_to", Uuid),
    Column("claimed_by", Uuid),
    Column("claimed_at", UtcDateTime),
    Column("first_response_at", UtcDateTime),
    Column("resolved_at", UtcDateTime),
    # Since when the customer waits for an answer: set when they write publicly (the filing,
    # a reply), cleared by an agent's public reply or a note the customer reads; the "needs
    # reply" view (issue 16).
    Column("awaiting_reply_since", UtcDateTime),
    Index("ix_ticket_status_received_at", "status", "received_at"),
    # The FIFO work queue (clause 7): unclaimed tickets by arrival.
    Index(
        "ix_ticket_unclaimed",
        "received_at",
        "number",
        postgresql_where=Column("claimed_by").is_(None),
        sqlite_where=Column("claimed_by").is_(None),
    ),
    Index(
        "ix_ticket_awaiting_reply",
        "number",
        postgresql_where=Column("awaiting_reply_since").is_not(None),
        sqlite_where=Column("awaiting_reply_since").is_not(None),
    ),
)

# Replies of the customer and agents, and agents' internal notes (never shown to customers).
message = Table(
    "message",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ticket_id", Uuid, ForeignKey("ticket.id"), nullable=False),
    Column("author", String(16), nullable=False),
    Column("author_id", Uuid),
    Column("internal", Boolean, nullable=False),
    # The first public reply of an agent: the first response (clause 2).
    Column("first_response", Boolean, nullable=False),
    # A mail reply of the customer's address that only the subject ties to the ticket: staff
    # see it, marked; it is the customer's reply only once an agent accepts it (issue 14).
    Column("unverified", Boolean, nullable=False, server_default=false()),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_message_ticket_id_created_at", "ticket_id", "created_at"),
)

# Files of a ticket or a message (SVIFTDESK_MAX_ATTACHMENT_BYTES each); the bytes are in
# attachment_chunk, so that listing a ticket never reads them. A mailed part that was refused
# (over a limit) is listed with ``refused`` saying why, and has no bytes.
attachment = Table(
    "attachment",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ticket_id", Uuid, ForeignKey("ticket.id"), nullable=False, index=True),
    Column("message_id", Uuid, ForeignKey("message.id")),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(127), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("refused", String(200)),
)

# An attachment's bytes in pieces of attachments/queries.py's CHUNK_BYTES, read one at a time.
attachment_chunk = Table(
    "attachment_chunk",
    metadata,
    Column("attachment_id", Uuid, ForeignKey("attachment.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# Everything that happened to a ticket after it was filed, in order (clause 9; the filing is
# the ticket row itself). ``public`` entries are the customer's to see; the rest (claims,
# internal notes, complexity) are for staff only.
timeline = Table(
    "timeline",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("ticket_id", Uuid, ForeignKey("ticket.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(16), nullable=False),
    Column("actor_id", Uuid),
    Column("public", Boolean, nullable=False),
    Column("detail", JSON, nullable=False),
    Index("ix_timeline_ticket_id_id", "ticket_id", "id"),
)

# The customer's satisfaction after a resolution (clauses 13, 27): one per resolution, so a
# reopened and again resolved ticket can be rated again.
rating = Table(
    "rating",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("ticket_id", Uuid, ForeignKey("ticket.id"), nullable=False),
    Column("resolved_at", UtcDateTime, nullable=False),
    Column("score", Integer, nullable=False),
    Column("comment", Text),
    Column("rated_at", UtcDateTime, nullable=False),
    UniqueConstraint("ticket_id", "resolved_at"),
)

# Feedback and suggestions from anyone, without a ticket (clauses 13, 27).
feedback = Table(
    "feedback",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("email", String(320)),
    Column("created_at", UtcDateTime, nullable=False),
    # Staff's progress (new, read, answered, planned): every piece is read by someone.
    Column("status", String(16), nullable=False, server_default="new"),
    Column("status_changed_at", UtcDateTime),
    Index("ix_feedback_status_created_at", "status", "created_at"),
)

# Staff tokens and partner keys intake issued: only their hashes, so they can be revoked.
credential = Table(
    "credential",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("email", String(320)),
    Column("partner_name", String(200)),
    Column("scopes", JSON, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    # A staff member's console password (issue 16): argon2id, in its PHC string; never set
    # for partner keys.
    Column("password_hash", String(200)),
    Column("password_changed_at", UtcDateTime),
    # A staff member's name, as the admin who invited them wrote it (console admin pages).
    Column("name", String(200)),
)

idempotency_key = Table(
    "idempotency_key",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("scope", String(100), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False, server_default=func.now()),
    # The purge past SVIFTDESK_IDEMPOTENCY_RETENTION_HOURS reads by it.
    Index("ix_idempotency_key_created_at", "created_at"),
)

# Every message that reached the support address (SMTP, HTTP or IMAP), recorded once with its
# raw bytes and what became of it (clause 3): filed, added to a ticket, ignored (automatic, a
# bounce, our own), throttled, or rejected as unreadable. The fingerprint (sender and
# Message-ID, or the bytes when there is no Message-ID) makes a resent message idempotent.
inbound_mail = Table(
    "inbound_mail",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("received_at", UtcDateTime, nullable=False),
    Column("via", String(8), nullable=False),
    Column("envelope_sender", String(320)),
    Column("recipients", JSON, nullable=False),
    Column("sender", String(320)),
    Column("message_id", String(998)),
    Column("subject", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reason", Text),
    Column("defects", JSON, nullable=False),
    Column("ticket_id", Uuid, ForeignKey("ticket.id")),
    # The message a reply became on its ticket (NULL when it filed the ticket, or nothing):
    # staff reach the raw mail from the message it became.
    Column("ticket_message_id", Uuid),
    Column("size", Integer, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    # The throttle counts a sender's recent mail; staff list the rejected by arrival.
    Index("ix_inbound_mail_sender_received_at", "sender", "received_at"),
    Index("ix_inbound_mail_outcome_received_at", "outcome", "received_at"),
    # A ticket read by staff links each mail it came from.
    Index("ix_inbound_mail_ticket_id", "ticket_id"),
)

# Knowledge-base articles (clause 16), in Russian or English; only published ones are shown
# to customers. "Did this help?" answers are counted on the row itself, for cheap reads.
article = Table(
    "article",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("language", String(2), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("author_id", Uuid, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
    Column("helpful_votes", Integer, nullable=False, server_default="0"),
    Column("unhelpful_votes", Integer, nullable=False, server_default="0"),
    Index("ix_article_status_updated_at", "status", "updated_at"),
)

# One answer per reader who says who they are (a random id the site keeps for them): a later
# answer replaces theirs instead of counting twice. Answers without one are only counted.
article_vote = Table(
    "article_vote",
    metadata,
    Column("article_id", Uuid, ForeignKey("article.id"), primary_key=True),
    Column("voter", Uuid, primary_key=True),
    Column("helpful", Boolean, nullable=False),
    Column("voted_at", UtcDateTime, nullable=False),
)

# Staff's canned replies (issue 16): shared ones (``owner_id`` NULL; seniors and admins edit
# them) and each agent's own, with placeholders filled in for a ticket when used.
canned_reply = Table(
    "canned_reply",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid),
    Column("language", String(2), nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_by", Uuid, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_canned_reply_owner_id_title", "owner_id", "title"),
)

# Full-text search over articles, which table metadata cannot express, so migration
# intake_0003 builds it by hand for each backend: on PostgreSQL a generated tsvector column of
# ``article`` with a GIN index, on SQLite an FTS5 table of stemmed text (with FTS5's shadow
# tables, named after it). Alembic comparisons leave these names out (shared.migrations);
# queries reach them through the two constructs below, which create nothing.
metadata.info["unmanaged"] = frozenset(
    {
        "article.search_vector",
        "ix_article_search_vector",
        "article_search",
        # Ticket search (intake_0014), built the same way: tsvector columns of tickets and
        # messages, or FTS5 tables kept by triggers.
        "ticket.search_vector",
        "message.search_vector",
        "ix_ticket_search_vector",
        "ix_message_search_vector",
        "ticket_text",
        "message_text",
    }
)
article_search_vector = literal_column("article.search_vector", TSVECTOR)
article_search = table(
    "article_search",
    column("article_id", Uuid),
    column("title", Text),
    column("tags", Text),
    column("body", Text),
)
ticket_search_vector = literal_column("ticket.search_vector", TSVECTOR)
message_search_vector = literal_column("message.search_vector", TSVECTOR)
ticket_text = table("ticket_text", column("rowid", Integer))
message_text = table("message_text", column("rowid", Integer))

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
