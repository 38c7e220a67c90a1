"""The knowledge base's pure rules (clause 16): what a search looks for, how words are stemmed
where the database cannot do it, and how a Markdown article reads as a short plain snippet.

Both backends search for the same terms, picked here: PostgreSQL stems and ranks them itself
(``russian`` and ``english`` configurations); SQLite's FTS5 gets text stemmed here, with the
same Snowball algorithms PostgreSQL uses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

import snowballstemmer

T = TypeVar("T")

SNIPPET_CHARS = 200
# A ticket is long; its subject and first paragraphs say what it is about.
TICKET_SCAN_CHARS = 2000
MAX_QUERY_TERMS = 24
MAX_TERM_CHARS = 40
SUGGESTIONS = 3


class ArticleStatus(StrEnum):
    """A draft is being written; a published article is everyone's; a retired one was
    withdrawn (out of date, say) and, like a draft, is staff's alone until published again."""

    draft = "draft"
    published = "published"
    retired = "retired"


# Words that would match nearly every article: left out of queries (PostgreSQL drops its own,
# longer lists too) so that a ticket's "как" or "the" suggests nothing by itself.
_STOP_WORDS = """
    а без более бы был была были было быть в вам вас весь во вот все всё всего вы где да даже
    для до его ее её если есть еще ещё же за здесь и из или им их к как ко когда кто ли либо мне
    мы на над не нет ни но ну о об однако он она они оно от очень по под после при про с со
    так также такой там те тем то того тоже той только том ты у уже хотя чего чей чем что
    чтобы чье эта эти это этот я
    a about after all also am an and any are as at be been but by can could did do does for
    from had has have he her his how i if in into is it its me my no not of on or our so than
    that the their them then there these they this to too us was we were what when where which
    who why will with would you your
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased, ё read as е; runs of letters and digits only, so
    nothing in them is an operator of tsquery or FTS5 syntax."""
    found = _WORD.findall(text.lower().replace("ё", "е"))
    return [word for word in found if 2 <= len(word) <= MAX_TERM_CHARS]


def query_terms(*texts: str, limit: int = MAX_QUERY_TERMS) -> list[str]:
    """The distinct words worth searching for, in order of appearance, at most ``limit``."""
    terms: dict[str, None] = {}
    for text in texts:
        for word in words(text):
            if word not in STOP_WORDS:
                terms.setdefault(word)
                if len(terms) == limit:
                    return list(terms)
    return list(terms)


def ticket_terms(subject: str, body: str) -> list[str]:
    """What to search the knowledge base for when a ticket is filed: its subject first."""
    return query_terms(subject, body[:TICKET_SCAN_CHARS])


@lru_cache(maxsize=1)
def _stemmers() -> tuple[snowballstemmer.stemmer, snowballstemmer.stemmer]:
    return snowballstemmer.stemmer("russian"), snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A word's stem: Cyrillic by the Russian Snowball stemmer, anything else by the English
    one (as PostgreSQL's ``russian`` configuration does), so «оплаты», «оплата», «оплатить»
    all become «оплат» and "payments" becomes "payment"."""
    russian, english = _stemmers()
    word = word.lower().replace("ё", "е")
    stemmer = russian if _CYRILLIC.search(word) else english
    return str(stemmer.stemWord(word))


def stemmed(text: str) -> str:
    """``text`` as the FTS5 table keeps it: the stems of its words, stop words left out."""
    return " ".join(stem(word) for word in words(text) if word not in STOP_WORDS)


# Where a match is, as PostgreSQL's ts_rank weighs the A, B and C parts of an article's vector.
TITLE_WEIGHT, TAGS_WEIGHT, BODY_WEIGHT = 1.0, 0.4, 0.2
# Past a few, more occurrences of a word add next to nothing (the n-th adds 1/n²).
_COUNTED = 10


def rank(stems: Iterable[str], *, title: str, tags: str, body: str) -> float:
    """How well an article's stemmed text matches, computed as ts_rank does (SQLite has no
    such ranking; FTS5's bm25 weighs a word by its rarity, which on a small knowledge base
    zeroes the very words its articles are about): each word found adds its best place's
    weight, and each further occurrence less, so a word repeated in the body never outweighs
    it in the title, and more of the words found rank higher."""
    columns = [
        (Counter(text.split()), weight)
        for text, weight in ((title, TITLE_WEIGHT), (tags, TAGS_WEIGHT), (body, BODY_WEIGHT))
    ]
    score = 0.0
    for term in set(stems):
        weights = [w for counts, w in columns for _ in range(min(counts[term], _COUNTED))]
        score += sum(w / (n * n) for n, w in enumerate(weights[:_COUNTED], start=1))
    return score


# A suggestion must match about as well as the best one does: an article that shares one
# incidental word with a ticket is noise, not help.
RELEVANT_SHARE = 0.5


def relevant(scored: Sequence[tuple[T, float]]) -> list[T]:
    """The items (best first, as given) whose score is within RELEVANT_SHARE of the best."""
    best = max((score for _, score in scored), default=0.0)
    return [item for item, score in scored if score > 0 and score >= RELEVANT_SHARE * best]


def stems_of(terms: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(stem(term) for term in terms))


def fts5_query(stems: Iterable[str]) -> str:
    """An FTS5 MATCH expression: any of the stems."""
    return " OR ".join(f'"{s}"' for s in stems)


def tsquery_text(terms: Iterable[str]) -> str:
    """Text for PostgreSQL's ``to_tsquery``: any of the terms (stemmed there)."""
    return " | ".join(terms)


# Anyone with an agent's key writes these bodies, and every pattern here runs on each save
# and each listing: no pattern may rescan the text from every starting point, so each
# repeated part excludes the character that would start another try ("[", "(", "<").
_FENCE = re.compile(r"^[ \t]*(?:```|~~~).*$", re.MULTILINE)
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)|\[([^\[\]]*)\]\[[^\[\]]*\]")
_REFERENCE = re.compile(r"^[ \t]*\[[^\[\]\n]+\]:[ \t]*\S.*$", re.MULTILINE)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]*|(?<![ \t])[ \t]+#+[ \t]*$", re.MULTILINE)
_QUOTE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+", re.MULTILINE)
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?", re.MULTILINE)
_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE)
_TABLE_RULE = re.compile(
    r"^[ \t]*(?:\|[ \t]*)?:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*(?:\|[ \t]*)?$", re.MULTILINE
)
# Emphasis marks next to a word, not the underscores inside snake_case or a lone asterisk.
_EMPHASIS = re.compile(
    r"(?<![\w*_~])(?:\*{1,3}|_{1,3}|~~)(?=\S)|(?<=\S)(?:\*{1,3}|_{1,3}|~~)(?![\w*_~])"
)


def _without_comments(text: str) -> str:
    """HTML comments cut out in one pass (a pattern would search for the end of each of
    thousands of unclosed "<!--" again); an unclosed one hides the rest, as in a browser."""
    kept: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0:
        kept.append(text[pos:start])
        stop = text.find("-->", start + 4)
        if stop < 0:
            return "".join(kept)
        kept.append(" ")
        pos = stop + 3
    kept.append(text[pos:])
    return "".join(kept)


def plain_text(markdown: str) -> str:
    """What a reader sees of a Markdown text, as one line: marks, links' targets, images'
    addresses and HTML tags gone; link and image text, code and list items kept."""
    text = _FENCE.sub("", _without_comments(markdown))
    text = _REFERENCE.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _HTML_TAG.sub(" ", text)
    text = _TABLE_RULE.sub("", text)
    text = _RULE.sub("", text)
    text = _HEADING.sub("", text)
    text = _QUOTE.sub("", text)
    text = _LIST_ITEM.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = text.replace("`", "").replace("|", " ")
    return " ".join(text.split())


def snippet(markdown: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of an article as plain text, cut at a word and marked as cut."""
    text = plain_text(markdown[: limit * 20])
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:—-") + "…"
