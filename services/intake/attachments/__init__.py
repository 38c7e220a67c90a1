"""Attachments: files taken in chunks as they arrive, kept beside the tickets, streamed back."""
