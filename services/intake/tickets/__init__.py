"""Tickets: filing (web form, API, partners), reading, the agents' desk and queue, search, and
what a customer asks of a ticket (a review, a rating, consent)."""
