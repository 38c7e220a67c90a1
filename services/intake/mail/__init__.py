"""Mail in: the SMTP listener, the IMAP poller, raw MIME forwarded over HTTP, and what becomes
of each message (``inbound``)."""
