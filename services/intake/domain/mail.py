"""Inbound mail, read the way a person would: plain Python over the email package, no I/O.

Real Russian mail comes in UTF-8, windows-1251 and KOI8-R, sometimes with a raw 8-bit Subject
and no encoded word, sometimes with a wrong charset label. HTML-only mail is turned into text.
Quoted history is trimmed from what the ticket shows; the original is always kept. Automatic
mail (auto-replies, lists, bounces) is recognised so that it never opens a ticket.

Real mail is also often broken: a multipart without its boundary, no blank line after the
headers, an 8-bit file name, a charset label that lies, base64 cut short. Such mail is read as
far as it goes (the parts found by their boundary lines, the text in the charset it reads as,
else the body as plain text) and every repair is listed in ``defects`` for the agent: broken
is not unreadable, and only mail without a sender is beyond answering.

Anyone on the internet writes these bytes, so every step is linear in their size: a header is
cut to a bounded length before any pattern or decoder sees it, only charsets on an allow-list
are used (``punycode`` or ``utf-7`` labels would run slow or odd decoders), HTML is read in one
pass, and a message with more multipart levels than any mail client writes is not taken apart.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import email
import email.policy
import mimetypes
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import Compat32
from email.utils import getaddresses, parseaddr

import charset_normalizer

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
TOO_MANY_PARTS = (
    f"more than {MAX_MULTIPARTS} multipart parts: not taken apart, text read from the raw body"
)
# Multiparts mended by finding their boundary line, and parts whose charset is looked for by
# the detector, per message: more is not mail that went wrong but mail written to cost us.
MAX_MENDED = 4
MAX_GUESSES = 20
GUESS_BYTES = 65536


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


# Counted by patterns, not character by character: a guess reads up to GUESS_BYTES of text.
_LOWER = re.compile("[а-яё]")
_UPPER = re.compile("[А-ЯЁ]")
_ASCII_LETTERS = re.compile("[A-Za-z]")
_MIXED = re.compile("[A-Za-z][а-яёА-ЯЁ]|[а-яёА-ЯЁ][A-Za-z]")


def _russian_score(text: str) -> float:
    """Real Russian text is mostly lower-case letters; the wrong single-byte table turns it
    into capitals and pseudo-letters, which is how windows-1251 and KOI8-R are told apart."""
    return len(_LOWER.findall(text)) - 0.5 * len(_UPPER.findall(text))


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


# Labels Russian text is often sent under by mistake: a Western default, or the other table.
_OFTEN_WRONG = frozenset(
    codecs.lookup(label).name for label in ("latin-1", "cp1252", "cp1251", "koi8-r")
)
_CYRILLIC_TABLES = ("cp1251", "koi8-r")
# What the detector chooses among for 8-bit text that is neither UTF-8 nor Russian.
_GUESSES = ["cp1252", "iso8859_2", "cp1251", "koi8_r", "gb18030", "big5", "shift_jis", "euc_kr"]


def _reads_russian(text: str) -> bool:
    """Cyrillic, mostly in lower case, as Russian prose is (a wrong table gives capitals),
    little else beyond ASCII (another script in a Cyrillic table gives pseudo-graphics), and in
    words of its own (German in one gives "schlдgt")."""
    sample = text[:GUESS_BYTES]
    letters = len(_LOWER.findall(sample)) + len(_UPPER.findall(sample))
    beyond_ascii = len(sample) - len(sample.encode("ascii", errors="ignore"))
    return (
        0 < letters >= 0.8 * beyond_ascii
        and _russian_score(sample) > 0.5 * letters
        and 5 * len(_MIXED.findall(sample)) <= letters
    )


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 but for a few bytes (a message cut short, a stray byte): other 8-bit tables
    rarely form valid UTF-8 sequences at all."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad
    return good >= 4 * bad


def _guess(data: bytes, *, detect: bool) -> tuple[str, str]:
    """8-bit text in no charset it names: UTF-8 with a few bad bytes, else Russian in
    windows-1251 or KOI8-R, else (with ``detect``) what the detector finds among _GUESSES."""
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace"), "utf-8"
    readings = {charset: data.decode(charset, errors="replace") for charset in _CYRILLIC_TABLES}
    best = max(readings, key=lambda charset: _russian_score(readings[charset][:GUESS_BYTES]))
    if detect and not _reads_russian(readings[best]):
        found = charset_normalizer.from_bytes(data[:GUESS_BYTES], cp_isolation=_GUESSES).best()
        codec = safe_charset(found.encoding) if found is not None else None
        if codec is not None:
            return data.decode(codec, errors="replace"), codec
    return readings[best], best


def _believable(text: str, label: str) -> bool:
    """Whether text read in a single-byte table it was labelled with is not Russian in
    another: Western text is mostly ASCII letters, Russian read as Latin-1 is all accents."""
    sample = text[:GUESS_BYTES]
    accented = len(sample) - len(sample.encode("ascii", errors="ignore"))
    if label not in _CYRILLIC_TABLES and accented < len(_ASCII_LETTERS.findall(sample)):
        return True
    return _reads_russian(text)


def read_text(data: bytes, declared: str | None, *, detect: bool = False) -> tuple[str, str | None]:
    """Bytes of a text, as text, and a note when its charset label was not believed: the
    declared charset if it is allowed, decodes and reads as well as any, else UTF-8, else a
    guess (see _guess)."""
    label = safe_charset(declared)
    if label is not None:
        try:
            text = data.decode(label)
        except UnicodeDecodeError:
            pass
        else:
            if label not in _OFTEN_WRONG or data.isascii() or _believable(text, label):
                return text, None
            for other in _CYRILLIC_TABLES:
                reading = data.decode(other, errors="replace")
                if other != label and _reads_russian(reading):
                    return reading, f"text labelled {declared!r} is in {other}: read so"
            return text, None
    shown = f"labelled {declared!r}" if label else "without a charset"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text, charset = _guess(data, detect=detect)
        if charset == "utf-8":
            return text, f"text {shown} is utf-8 but for some bytes: shown as \ufffd"
        return text, f"8-bit text {shown}: read as {charset}"
    return text, None if label is None or data.isascii() else f"text {shown} is in utf-8: read so"


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Bytes to text: the declared charset if it is allowed and fits, else UTF-8, else
    whichever of windows-1251 and KOI8-R reads as Russian."""
    return read_text(data, declared)[0]


def bounded(raw: object, limit: int = MAX_HEADER_CHARS) -> str:
    """A header's value as a string no longer than ``limit``, before anything reads it."""
    if raw is None:
        return ""
    text = raw if isinstance(raw, str) else str(raw)
    # A NUL has no place in text (PostgreSQL refuses it): dropped, not a reason to refuse mail.
    return text[:limit].replace("\x00", "")


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


# The stdlib parser's findings as an agent reads them; others keep the parser's name.
_BROKEN_BASE64 = "broken base64 in a part: decoded as far as it goes"
_DEFECT_NOTES: dict[str, str | None] = {
    "NoBoundaryInMultipartDefect": "a multipart without its boundary",
    "StartBoundaryNotFoundDefect": "a multipart whose boundary never appears",
    "CloseBoundaryNotFoundDefect": "a multipart never closed: the message may be cut short",
    "MultipartInvariantViolationDefect": None,  # one of the two first says it better
    "MissingHeaderBodySeparatorDefect": "no blank line after the headers",
    "InvalidBase64PaddingDefect": _BROKEN_BASE64,
    "InvalidBase64CharactersDefect": _BROKEN_BASE64,
    "InvalidBase64LengthDefect": _BROKEN_BASE64,
}
# A boundary line followed by a part's header: where a multipart's parts begin.
_BOUNDARY_LINE = re.compile(rb"(?im)^--([!#-\[\]-~]{1,70})[ \t]*\r?\n(?=content-)")
_BOUNDARY_ONLY = re.compile(rb"--[!#-\[\]-~]{1,70}(?:--)?[ \t]*")
_HEADER_LINE = re.compile(rb"[!-9;-~]{1,76}:|[ \t]")
# A body read as plain text is read this far: far more than a ticket shows.
MAX_RECOVERED_BYTES = 262144
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


@dataclass
class _Reading:
    """What reading one message found, and what it may still spend on repairs."""

    defects: list[str]
    mendable: int = MAX_MENDED
    guesses: int = MAX_GUESSES

    def note(self, found: Sequence[object]) -> None:
        for defect in found:
            note = _DEFECT_NOTES.get(type(defect).__name__, type(defect).__name__)
            if note:
                self.defects.append(note)

    def text(self, data: bytes, declared: str | None) -> str:
        detect = self.guesses > 0
        text, why = read_text(data, declared, detect=detect)
        if why is not None:
            self.guesses -= 1
            self.defects.append(why)
        if "\x00" in text:
            self.defects.append("NUL characters in the text, left out")
            text = text.replace("\x00", "")
        return text


def _payload(part: Message, reading: _Reading) -> bytes | None:
    """A part's content, decoded; base64 cut short is decoded as far as it goes."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return None
    if any(type(d).__name__ == "InvalidBase64LengthDefect" for d in part.defects):
        # The stdlib hands the base64 itself back: decode the whole groups it holds.
        digits = _NOT_BASE64.sub(b"", data)
        with contextlib.suppress(binascii.Error, ValueError):
            data = base64.b64decode(digits[: len(digits) // 4 * 4])
    reading.note(part.defects)
    return data


_RAW_8BIT = re.compile("[\udc80-\udcff]")


def _filename(part: Message, reading: _Reading) -> str | None:
    """A part's file name as get_filename finds it, but with 8-bit bytes in an RFC 2231 value
    (``filename*=utf-8''счёт.pdf``) read as text rather than escaped into ``\\udcd1…``."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        value = part.get_param(param, None, header)
        if value is None:
            continue
        text = str(value[2] if isinstance(value, tuple) else value)
        if _RAW_8BIT.search(text):
            # Raw 8-bit bytes come back as surrogates; decode_header_value reads them.
            reading.defects.append("a file name in raw 8-bit, not encoded: read as text")
        if isinstance(value, tuple):
            # Percent escapes come back as Latin-1 characters, raw 8-bit bytes as surrogates.
            try:
                data = text.encode("latin-1", "surrogateescape")
            except UnicodeEncodeError:
                return text.strip() or None
            return read_text(data, str(value[0] or "") or None)[0].strip() or None
        return text.strip() or None
    return None


def _part_text(part: Message, data: bytes, reading: _Reading) -> str:
    declared = part.get_content_charset()
    if declared and safe_charset(declared) is None:
        # Read as if unlabelled (what does not decode becomes U+FFFD), and say so.
        reading.defects.append(f"unknown charset {declared[:40]!r}")
    return reading.text(data, declared)


def _without_scaffolding(body: bytes) -> bytes:
    """A body read as plain text: without boundary lines and the part headers after them."""
    kept: list[bytes] = []
    in_head = False
    for line in body[:MAX_RECOVERED_BYTES].splitlines():
        if _BOUNDARY_ONLY.fullmatch(line):
            in_head = True
        elif not (in_head and _HEADER_LINE.match(line)):
            in_head = False
            kept.append(line)
    return b"\n".join(kept)


def _mended(part: Message) -> tuple[Message, str] | None:
    """A multipart that lost its boundary (none given, or not the one used), taken apart
    by the first boundary line that starts a part in it."""
    body = part.get_payload()
    if not isinstance(body, str):
        return None
    data = body.encode("utf-8", "surrogateescape")
    found = _BOUNDARY_LINE.search(data)
    if found is None:
        return None
    boundary = found.group(1).decode("ascii")
    head = f'Content-Type: {part.get_content_type()}; boundary="{boundary}"\r\n\r\n'
    mended = email.message_from_bytes(
        head.encode("utf-8", "surrogateescape") + data, policy=_POLICY
    )
    return (mended, boundary) if mended.is_multipart() else None


def _leaves(message: Message, reading: _Reading) -> Iterator[Message]:
    """The parts that hold content, in order; a multipart that lost its boundary is mended
    where a boundary line shows its parts, and otherwise left whole for its text."""
    pending = [message]
    while pending:
        part = pending.pop()
        if part.is_multipart():
            reading.note(part.defects)
            pending.extend(reversed([p for p in part.get_payload() if isinstance(p, Message)]))
            continue
        if part.get_content_maintype() == "multipart" and reading.mendable > 0:
            mended = _mended(part)
            if mended is not None:
                reading.mendable -= 1
                reading.note(part.defects)
                reading.defects.append(f"parts found by their boundary line '--{mended[1]}'")
                pending.append(mended[0])
                continue
        yield part


def _content_type(part: Message, defects: list[str]) -> str:
    content_type = part.get_content_type()
    if len(content_type) > MAX_CONTENT_TYPE_CHARS:
        defects.append(f"content type over {MAX_CONTENT_TYPE_CHARS} characters, cut")
        return content_type[:MAX_CONTENT_TYPE_CHARS]
    return content_type


def _message(raw: bytes, reading: _Reading) -> Message:
    """The parsed message; only its headers when it holds more parts than mail clients write
    (the rest would cost time growing with depth times size, and is kept in the raw bytes)."""
    if len(_CONTAINER.findall(raw)) > MAX_MULTIPARTS:
        reading.defects.append(TOO_MANY_PARTS)
        reading.mendable = 0
        return BytesHeaderParser(policy=_POLICY).parsebytes(raw)
    message = email.message_from_bytes(raw, policy=_POLICY)
    reading.note(message.defects)
    return message


_ADDRESSED = ("Delivered-To", "X-Original-To", "To", "Cc")


def parse(
    raw: bytes, *, max_attachment_bytes: int, max_attachments_total: int | None = None
) -> InboundMail:
    """Read one RFC 5322 message. Never raises: broken mail is read as far as it goes and its
    defects are listed, so it can be filed, kept and reported. A file over
    ``max_attachment_bytes``, or past ``max_attachments_total`` with those before it, is listed
    as refused, without its bytes, so that the ticket shows it and the sender can be told."""
    total = 0
    defects: list[str] = []
    reading = _Reading(defects)
    message = _message(raw, reading)
    name, address = parseaddr(decode_header_value(message.get("From"), defects))
    sender = address.lower() if "@" in address else None
    plain: list[str] = []
    markup: list[str] = []
    attachments: list[Attachment] = []
    for part in _leaves(message, reading):
        disposition = bounded(part.get("Content-Disposition")).lower()
        filename = _filename(part, reading)
        content_type = _content_type(part, defects)
        named = bool(filename) or disposition.startswith("attachment")
        data = _payload(part, reading)
        if data is None:
            continue
        if not named and content_type in ("text/plain", "text/html"):
            read = _part_text(part, data, reading)
            (plain if content_type == "text/plain" else markup).append(read)
        elif not named and part.get_content_maintype() == "multipart":
            # Its parts could not be told apart: its words are in there, among their headers.
            body = reading.text(_without_scaffolding(data), None)
            if body.strip():
                plain.append(body)
                defects.append("parts not found: the body read as plain text")
        elif named or data:
            # A part without a name is a file too (an inline image): nothing is left out.
            shown = decode_header_value(filename, defects) or "attachment" + (
                mimetypes.guess_extension(content_type) or ""
            )
            size = len(data)
            refused, limit = None, None
            if size > max_attachment_bytes:
                limit = max_attachment_bytes
                refused = f"over the limit of {describe_bytes(limit)} a file"
            elif max_attachments_total is not None and total + size > max_attachments_total:
                limit = max_attachments_total
                refused = f"over the limit of {describe_bytes(limit)} for all files of a mail"
            if refused is None:
                total += size
                attachments.append(Attachment(shown, content_type, data, size))
            else:
                defects.append(f"attachment {shown[:200]!r} {refused}")
                attachments.append(Attachment(shown, content_type, b"", size, refused, limit))
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
