"""Inbound mail, read the way a person would: plain Python over the email package, no I/O.

Real Russian mail comes in UTF-8, windows-1251 and KOI8-R, sometimes with a raw 8-bit Subject
and no encoded word, sometimes with a wrong charset label. HTML-only mail is turned into text.
Quoted history is trimmed from what the ticket shows; the original is always kept. Automatic
mail (auto-replies, lists, bounces) is recognised so that it never opens a ticket.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


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


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Bytes to text: the declared charset if it decodes cleanly, else UTF-8, else whichever of
    windows-1251 and KOI8-R reads as Russian."""
    for charset in ([declared] if declared else []) + ["utf-8"]:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    readings = [data.decode(charset, errors="replace") for charset in ("windows-1251", "koi8-r")]
    return max(readings, key=_russian_score)


def decode_header_value(raw: object) -> str:
    """A header as text: encoded words decoded, raw 8-bit bytes read as Cyrillic if need be."""
    if not raw:
        return ""
    if isinstance(raw, str) and any(ord(ch) > 127 for ch in raw):
        # Raw 8-bit bytes come back as surrogate escapes: recover the bytes, then read them.
        return " ".join(decode_bytes(raw.encode("utf-8", "surrogateescape"), None).split())
    if isinstance(raw, str):
        try:
            # make_header keeps the spaces between encoded words and plain text right.
            return " ".join(str(make_header(decode_header(raw))).split())
        except (ValueError, LookupError, UnicodeDecodeError):
            pass  # a bad charset label: read chunk by chunk below
    try:
        chunks = decode_header(raw)  # type: ignore[arg-type]
    except (ValueError, LookupError):
        return " ".join(str(raw).split())
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        else:
            known = charset if charset and charset != "unknown-8bit" else None
            parts.append(decode_bytes(chunk, known))
    return " ".join("".join(parts).split())


_BLOCK_TAGS = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>")
_DROP = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>")
_TAGS = re.compile(r"(?s)<[^>]+>")


def html_to_text(markup: str) -> str:
    text = _DROP.sub("", markup)
    text = _BLOCK_TAGS.sub("\n", text)
    text = re.sub(r"(?i)<\s*li\b[^>]*>", "\n• ", text)
    text = html.unescape(_TAGS.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


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
    content_type = message.get_content_type()
    if content_type == "multipart/report" or message.get_param("report-type") == "delivery-status":
        return "delivery status notification"
    local = (sender or "").split("@")[0].lower()
    if local in ("mailer-daemon", "postmaster", "noreply", "no-reply", "bounce", "bounces"):
        return f"sender {local}"
    return None


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


_ADDRESSED = ("Delivered-To", "X-Original-To", "To", "Cc")


def parse(raw: bytes, *, max_attachment_bytes: int) -> InboundMail:
    """Read one RFC 5322 message. Never raises: broken mail is read as far as it goes and its
    defects are listed, so it can be kept and reported."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    defects = [type(d).__name__ for d in message.defects]
    name, address = parseaddr(decode_header_value(message.get("From")))
    sender = address.lower() if "@" in address else None
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").lower()
        filename = part.get_filename()
        content_type = part.get_content_type()
        if filename or disposition.startswith("attachment"):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                if len(data) > max_attachment_bytes:
                    defects.append(f"attachment {decode_header_value(filename)!r} over the limit")
                else:
                    attachments.append(
                        Attachment(
                            decode_header_value(filename) or "attachment", content_type, data
                        )
                    )
            continue
        if content_type == "text/plain":
            plain.append(_part_text(part))
        elif content_type == "text/html":
            markup.append(_part_text(part))
    full = "\n\n".join(p.strip() for p in plain if p.strip())
    if not full and markup:
        full = "\n\n".join(html_to_text(m) for m in markup)
    references = [
        ref
        for header in ("In-Reply-To", "References")
        for ref in re.findall(r"<[^>]+>", message.get(header) or "")
    ]
    return InboundMail(
        sender=sender,
        sender_name=name.strip(),
        subject=decode_header_value(message.get("Subject")),
        text=trim_quoted(full),
        full_text=full,
        message_id=(message.get("Message-ID") or "").strip() or None,
        references=references,
        attachments=attachments,
        automatic=_automatic(message, sender),
        defects=defects,
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
