"""The conversation on a ticket: replies from the customer and staff, and internal notes."""
