"""Staff's tools that need no I/O (issue 16): what a ticket search looks for, which tickets
need a reply, and canned replies' placeholders.

A search matches each word in any of its forms: the word's Snowball stem (the knowledge
base's, ``knowledge.stem``) is looked up as a prefix of the words written, so «оплаты» finds
«оплата» and «оплатить», "queries" finds "query". Both backends get the same prefixes, so
the same tickets match on either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.intake.domain.knowledge import query_terms, stem
from services.intake.domain.tickets import MAX_SEQUENCE
from shared.contracts.events import TicketStatus
from shared.errors import UnprocessableError

# Each word is two indexed lookups: a query of more words is cut here.
MAX_SEARCH_WORDS = 8
# A prefix shorter than this would match half the language.
MIN_PREFIX = 3

_NUMBER = re.compile(r"\bSC-?(\d{1,19})\b", re.IGNORECASE)
_ADDRESS = re.compile(r"[^\s@<>(),;:\"']+@[^\s@<>(),;:\"']+")


@dataclass(frozen=True)
class TicketSearch:
    """What a search asks for: every part must match (numbers and addresses exactly)."""

    prefixes: tuple[str, ...]
    numbers: tuple[int, ...]
    addresses: tuple[str, ...]


class NothingToSearchError(UnprocessableError):
    def __init__(self) -> None:
        super().__init__(
            "q: has nothing to search for (words of two or more letters or digits, not only "
            "words like «и» or 'the'; a ticket number SC-000042; a customer's address).",
            errors=[{"field": "q", "reason": "nothing to search for"}],
        )


def search_prefix(word: str) -> str:
    """What a word is looked up as: the part its stem shares with it (English stems may end
    otherwise: "query" → "queri"), at least MIN_PREFIX characters of it."""
    word = word.lower().replace("ё", "е")
    stemmed = stem(word)
    shared = 0
    while shared < min(len(word), len(stemmed)) and word[shared] == stemmed[shared]:
        shared += 1
    return word[: max(shared, min(len(word), MIN_PREFIX))]


def parse_search(q: str) -> TicketSearch:
    """Ticket numbers and addresses in ``q`` are looked for as they are; its other words in
    any of their forms. Refused when nothing is left to search for."""
    numbers = tuple(int(m.group(1)) for m in _NUMBER.finditer(q))
    rest = _NUMBER.sub(" ", q)
    addresses = tuple(m.group(0).lower().strip(".") for m in _ADDRESS.finditer(rest))
    rest = _ADDRESS.sub(" ", rest)
    prefixes = tuple(dict.fromkeys(search_prefix(w) for w in query_terms(rest)))
    if not (numbers or addresses or prefixes):
        raise NothingToSearchError()
    return TicketSearch(
        prefixes=prefixes[:MAX_SEARCH_WORDS],
        numbers=tuple(n for n in numbers if n <= MAX_SEQUENCE) or ((0,) if numbers else ()),
        addresses=addresses,
    )


def fts5_prefix(prefix: str) -> str:
    """SQLite: an FTS5 expression for the words that start with ``prefix`` (letters and
    digits only, so nothing in it is FTS5 syntax)."""
    return f'"{prefix}"*'


def tsquery_prefix(prefix: str) -> str:
    """PostgreSQL: ``to_tsquery`` text for the words that start with ``prefix``."""
    return f"{prefix}:*"


# Tickets whose customer waits on an agent's answer: not those waiting on the customer, nor
# those resolved or closed (a customer's reply reopens those, and then they count).
NEEDS_REPLY_STATUSES = tuple(
    s.value
    for s in TicketStatus
    if s not in (TicketStatus.waiting_customer, TicketStatus.resolved, TicketStatus.closed)
)


# Canned replies: the placeholders a text may use, filled for a ticket when it is used.
PLACEHOLDERS: Mapping[str, str] = {
    "customer_name": "the name the ticket was filed with",
    "ticket_number": "the ticket's number, SC-000042",
    "ticket_subject": "the ticket's subject",
    "expected_answer_time": "when the customer can expect the answer: the SLA service's "
    "target, filled in by the console (intake does not keep the clocks)",
}
# What intake leaves in place for the caller, who reads it from the SLA service.
FILLED_BY_CALLER = frozenset({"expected_answer_time"})
# A word in braces, spaces allowed around it: a placeholder, or a mistyped one.
_PLACEHOLDER = re.compile(r"\{[ \t]*(\w{1,64})[ \t]*\}")


def unknown_placeholders(text: str) -> list[str]:
    return list(dict.fromkeys(n for n in _PLACEHOLDER.findall(text) if n not in PLACEHOLDERS))


def check_placeholders(field: str, text: str) -> None:
    """Refuse a text naming a placeholder nobody fills (a typo would reach the customer)."""
    unknown = unknown_placeholders(text)
    if unknown:
        named = ", ".join(f"{{{n}}}" for n in unknown)
        known = ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)
        reason = f"unknown placeholder {named}; known: {known}"
        raise UnprocessableError(f"{field}: {reason}", errors=[{"field": field, "reason": reason}])


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders replaced by ``values``; those not given stay as they
    are (``{expected_answer_time}``), for the caller to fill. One pass: a value that holds
    braces is not read again."""

    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1), match.group(0))

    return _PLACEHOLDER.sub(replace, text)


def unfilled(text: str, values: Mapping[str, str]) -> list[str]:
    return list(dict.fromkeys(n for n in _PLACEHOLDER.findall(text) if n not in values))
