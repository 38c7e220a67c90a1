"""Tables of the portal (schema ``portal``): only what every service's runtime keeps (its
outbox and inbox). The portal owns no data: tickets, articles and ratings are read and
changed through the other services' APIs, as the customer."""

from __future__ import annotations

from shared.db import service_metadata
from shared.inbox import inbox_table
from shared.outbox import outbox_table

SCHEMA = "portal"
metadata = service_metadata(SCHEMA)

outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
