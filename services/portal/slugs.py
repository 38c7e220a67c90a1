"""Readable, stable addresses of knowledge-base articles: /kb/<id>-<slug>. The id finds the
article; the slug is only for people (a changed title moves the slug, the old link still works)."""

from __future__ import annotations

import re
import uuid

_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"
# ъ and ь (the dashes) have no sound of their own: they are left out.
_CYRILLIC = {
    char: ("" if latin == "-" else latin)
    for char, latin in zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN.split(), strict=True)
}
_NOT_WORD = re.compile(r"[^a-z0-9]+")
SLUG_CHARS = 60


def slug(title: str) -> str:
    latin = "".join(_CYRILLIC.get(char, char) for char in title.lower())
    words = _NOT_WORD.sub("-", latin).strip("-")
    return words[:SLUG_CHARS].rstrip("-") or "article"


def article_href(article_id: uuid.UUID | str, title: str) -> str:
    return f"/kb/{article_id}-{slug(title)}"


def article_id_of(ref: str) -> uuid.UUID | None:
    """The id at the head of /kb/<id>-<slug> (or a bare id), or None."""
    try:
        return uuid.UUID(ref[:36])
    except ValueError:
        return None
