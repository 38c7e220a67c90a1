"""Inbound mail, read the way a person would: plain Python over the email package, no I/O.

Real Russian mail comes in UTF-8, windows-1251 and KOI8-R, sometimes with a raw 8-bit Subject
and no encoded word, sometimes with a wrong charset label. HTML-only mail is turned into text.
Quoted history is trimmed from what the ticket shows; the original is always kept. Automatic
mail (auto-replies, lists, bounces) is recognised so that it never opens a ticket.

Anyone on the internet writes these bytes, so every step is linear in their size: a header is
cut to a bounded length before any pattern or decoder sees it, only charsets on an allow-list
are used (``punycode`` or ``utf-7`` labels would run slow or odd decoders), HTML is read in one
pass, and a message with more multipart levels than any mail client writes is not taken apart.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import re
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import Compat32
from email.utils import getaddresses, parseaddr

from services.intake.domain.markup import html_to_text
from services.intake.domain.tickets import describe_bytes

# A header we read is cut to this before decoding: a Subject of 200 characters in encoded
# words is well under 2,000; References of a long thread fit in the larger bound.
MAX_HEADER_CHARS = 4096
MAX_REFERENCES_CHARS = 16384
# The stdlib parser checks every line against every open boundary: time grows with depth
# times size. Mail clients nest a few levels; a message with more multipart parts than
# this is kept unread instead.
MAX_MULTIPARTS = 64
# The column an attachment's type is kept in.
MAX_CONTENT_TYPE_CHARS = 127
MAX_DEFECTS = 50
TOO_MANY_PARTS = "TooManyPartsDefect"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    size: int = 0
    refused: str | None = None  # over a limit: listed on the ticket, without its bytes
    limit: int | None = None  # the limit, in bytes, that a refused file was over


@dataclass
class InboundMail:
    sender: str | None
    sender_name: str
    subject: str
    text: str = field(repr=False)
    full_text: str = field(repr=False)
    message_id: str | None
    references: list[str]
    attachments: list[Attachment]
    automatic: str | None = None  # why this mail must not open a ticket, if it must not
    unread: str | None = None  # why the message could not be read at all, if it could not
    defects: list[str] = field(default_factory=list)
    # Where it was addressed (Delivered-To, X-Original-To, To, Cc): a per-ticket reply address.
    addressed_to: list[str] = field(default_factory=list)
    # Authentication-Results headers, topmost (the last MTA's) first.
    authentication_results: list[str] = field(default_factory=list)


_LOWER = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_UPPER = set("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")


def _russian_score(text: str) -> float:
    """Real Russian text is mostly lower-case letters; the wrong single-byte table turns it
    into capitals and pseudo-letters, which is how windows-1251 and KOI8-R are told apart."""
    return sum(ch in _LOWER for ch in text) - 0.5 * sum(ch in _UPPER for ch in text)


_SAFE_CHARSET_LABELS = """
    utf-8 us-ascii utf-16 utf-16-le utf-16-be utf-32 windows-1251 koi8-r koi8-u cp866
    mac-cyrillic iso-8859-1 iso-8859-2 iso-8859-3 iso-8859-4 iso-8859-5 iso-8859-6 iso-8859-7
    iso-8859-8 iso-8859-9 iso-8859-10 iso-8859-13 iso-8859-14 iso-8859-15 iso-8859-16
    windows-1250 windows-1252 windows-1253 windows-1254 windows-1255 windows-1256 windows-1257
    windows-1258 gb2312 gbk gb18030 big5 shift_jis euc-jp iso-2022-jp euc-kr
"""
# Codec names, so that every alias of an allowed charset (cp1251, latin1…) is allowed too.
SAFE_CHARSETS = frozenset(codecs.lookup(label).name for label in _SAFE_CHARSET_LABELS.split())


def safe_charset(label: str | None) -> str | None:
    """The codec of a charset label if it is on the allow-list, else None."""
    if not label or len(label) > 40:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except (LookupError, ValueError):
        return None
    return name if name in SAFE_CHARSETS else None


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Bytes to text: the declared charset if it is allowed and decodes cleanly, else UTF-8,
    else whichever of windows-1251 and KOI8-R reads as Russian."""
    allowed = safe_charset(declared)
    for charset in ([allowed] if allowed else []) + ["utf-8"]:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    readings = [data.decode(charset, errors="replace") for charset in ("windows-1251", "koi8-r")]
    return max(readings, key=_russian_score)


def bounded(raw: object, limit: int = MAX_HEADER_CHARS) -> str:
    """A header's value as a string no longer than ``limit``, before anything reads it."""
    if raw is None:
        return ""
    text = raw if isinstance(raw, str) else str(raw)
    return text[:limit]


def decode_header_value(raw: object, defects: list[str] | None = None) -> str:
    """A header as text: encoded words decoded, raw 8-bit bytes read as Cyrillic if need be.
    An encoded word in a charset off the allow-list is read as if it had none, and noted in
    ``defects``."""
    value = bounded(raw)
    if not value:
        return ""
    if any(ord(ch) > 127 for ch in value):
        # Raw 8-bit bytes come back as surrogate escapes: recover the bytes, then read them.
        return " ".join(decode_bytes(value.encode("utf-8", "surrogateescape"), None).split())
    try:
        chunks = decode_header(value)
    except (ValueError, LookupError, HeaderParseError):
        return " ".join(value.split())
    labels = {charset for _, charset in chunks if charset and charset != "unknown-8bit"}
    unsafe = sorted(label for label in labels if safe_charset(label) is None)
    if not unsafe:
        try:
            # make_header keeps the spaces between encoded words and plain text right.
            return " ".join(str(make_header(chunks)).split())
        except (ValueError, LookupError, UnicodeDecodeError):
            pass  # a word that does not decode in its charset: read chunk by chunk below
    if defects is not None:
        defects.extend(f"unknown charset {label[:40]!r} in a header" for label in unsafe)
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        else:
            parts.append(decode_bytes(chunk, safe_charset(charset)))
    return " ".join("".join(parts).split())


# Where quoted history starts in the clients our customers use.
_QUOTE_MARKERS = [
    re.compile(r"^-{2,}\s*(Original Message|Исходное сообщение|Пересылаемое сообщение)", re.I),
    re.compile(r"^On .{5,200} wrote:\s*$"),
    re.compile(r"^\d{1,2}[./]\d{1,2}[./]\d{2,4}.{0,80}(пишет|написал|написала)[^\n]*:\s*$", re.I),
    re.compile(r"^.{0,120}(пишет|написал\(а\)|написал|написала):\s*$", re.I),
    re.compile(r"^(From|От|Отправлено|Sent):\s", re.I),
]


def trim_quoted(text: str) -> str:
    """The new part of a reply: cut at the first quote header or a run of '>' lines."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if any(marker.match(stripped) for marker in _QUOTE_MARKERS):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


def _automatic(message: Message, sender: str | None) -> str | None:
    auto_submitted = (message.get("Auto-Submitted") or "no").strip().lower()
    if auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = (message.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Loop", "List-Id", "List-Unsubscribe"):
        if message.get(header) is not None:
            return header
    if message.get("X-Auto-Response-Suppress", "").strip().lower() in ("all", "oof", "autoreply"):
        return "X-Auto-Response-Suppress"
    if (message.get("Return-Path") or "x").strip("<> \t") == "":
        return "Return-Path: <> (a bounce)"
    content_type = message.get_content_type()
    if content_type == "multipart/report" or message.get_param("report-type") == "delivery-status":
        return "delivery status notification"
    local = (sender or "").split("@")[0].lower()
    if local in ("mailer-daemon", "postmaster", "noreply", "no-reply", "bounce", "bounces"):
        return f"sender {local}"
    return None


class _BoundedHeaders(Compat32):
    """compat32, with every header value cut to its bound as the parser reads it: the stdlib
    itself runs patterns over some (``Content-Type`` parameters, in time growing with the
    square of their number) before our code sees the message."""

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        long = name.lower() in ("references", "in-reply-to")
        return name, value[: MAX_REFERENCES_CHARS if long else MAX_HEADER_CHARS]

    def header_fetch_parse(self, name: str, value: str) -> str:
        # Raw 8-bit bytes stay surrogate escapes, which decode_header_value reads as Cyrillic
        # if need be (compat32 would wrap them in a Header, and str() of it loses them).
        return value


_POLICY = _BoundedHeaders()
# Where a part that contains others begins (a multipart, or a message inside the message).
_CONTAINER = re.compile(rb"(?im)^content-type:[ \t]*(?:multipart|message)/")
_REFERENCE = re.compile(r"<[^<>\s]+>")


def _part_text(part: Message, defects: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    declared = part.get_content_charset()
    if declared and safe_charset(declared) is None:
        # Read as if unlabelled (what does not decode becomes U+FFFD), and say so.
        defects.append(f"unknown charset {declared[:40]!r}")
    return decode_bytes(payload, declared)


def _content_type(part: Message, defects: list[str]) -> str:
    content_type = part.get_content_type()
    if len(content_type) > MAX_CONTENT_TYPE_CHARS:
        defects.append(f"content type over {MAX_CONTENT_TYPE_CHARS} characters, cut")
        return content_type[:MAX_CONTENT_TYPE_CHARS]
    return content_type


def _message(raw: bytes, defects: list[str]) -> Message:
    """The parsed message; only its headers when it holds more parts than mail clients write
    (the rest would cost time growing with depth times size, and is kept in the raw bytes)."""
    if len(_CONTAINER.findall(raw)) > MAX_MULTIPARTS:
        defects.append(TOO_MANY_PARTS)
        return BytesHeaderParser(policy=_POLICY).parsebytes(raw)
    message = email.message_from_bytes(raw, policy=_POLICY)
    defects.extend(type(d).__name__ for d in message.defects)
    return message


_ADDRESSED = ("Delivered-To", "X-Original-To", "To", "Cc")


def parse(
    raw: bytes, *, max_attachment_bytes: int, max_attachments_total: int | None = None
) -> InboundMail:
    """Read one RFC 5322 message. Never raises: broken mail is read as far as it goes and its
    defects are listed, so it can be kept and reported. A file over ``max_attachment_bytes``,
    or past ``max_attachments_total`` with those before it, is listed as refused, without its
    bytes, so that the ticket shows it and the sender can be told."""
    total = 0
    defects: list[str] = []
    message = _message(raw, defects)
    name, address = parseaddr(decode_header_value(message.get("From"), defects))
    sender = address.lower() if "@" in address else None
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = bounded(part.get("Content-Disposition")).lower()
        filename = part.get_filename()
        content_type = _content_type(part, defects)
        if filename or disposition.startswith("attachment"):
            data = part.get_payload(decode=True)
            shown = decode_header_value(filename, defects)
            if isinstance(data, bytes):
                name, size = shown or "attachment", len(data)
                refused, limit = None, None
                if size > max_attachment_bytes:
                    limit = max_attachment_bytes
                    refused = f"over the limit of {describe_bytes(limit)} a file"
                elif max_attachments_total is not None and total + size > max_attachments_total:
                    limit = max_attachments_total
                    refused = f"over the limit of {describe_bytes(limit)} for all files of a mail"
                if refused is None:
                    total += size
                    attachments.append(Attachment(name, content_type, data, size))
                else:
                    defects.append(f"attachment {shown[:200]!r} {refused}")
                    attachments.append(Attachment(name, content_type, b"", size, refused, limit))
            continue
        if content_type == "text/plain":
            plain.append(_part_text(part, defects))
        elif content_type == "text/html":
            markup.append(_part_text(part, defects))
    full = "\n\n".join(p.strip() for p in plain if p.strip())
    if not full and markup:
        full = "\n\n".join(html_to_text(m) for m in markup)
    references = [
        ref
        for header in ("In-Reply-To", "References")
        for ref in _REFERENCE.findall(bounded(message.get(header), MAX_REFERENCES_CHARS))
    ]
    return InboundMail(
        sender=sender,
        sender_name=name.strip(),
        subject=decode_header_value(message.get("Subject"), defects),
        text=trim_quoted(full),
        full_text=full,
        message_id=bounded(message.get("Message-ID")).strip() or None,
        references=references,
        attachments=attachments,
        automatic=_automatic(message, sender),
        # Each kind once, and a bounded list: 30,000 parts in a bad charset are one finding.
        defects=list(dict.fromkeys(defects))[:MAX_DEFECTS],
        addressed_to=[
            address
            for _, address in getaddresses(
                [decode_header_value(v) for h in _ADDRESSED for v in message.get_all(h, [])]
            )
            if "@" in address
        ],
        authentication_results=[
            " ".join(str(v).split()) for v in message.get_all("Authentication-Results", [])
        ],
    )
