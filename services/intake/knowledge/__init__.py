"""The knowledge base. For the other features its one entry is ``suggest()``: the articles
that match a new ticket (they shape their answers themselves)."""

from services.intake.knowledge.use_cases import suggest

__all__ = ["suggest"]
