"""What a customer reads: templates rendered in their language, wrapped as an email.

No I/O beyond reading the bundled templates.
"""

from __future__ import annotations

import contextlib
import email.policy
import re
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Any

import idna
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from shared.contracts.mail import (
    AUTOMATIC_HEADERS,
    ValueSigner,
    message_id,
    reply_address,
    tagged_subject,
)
from shared.settings import Settings

BETA_LINK_PURPOSE = "beta-membership"

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain text and HTML of ``template`` in ``language`` (ru or en).

    A template without an HTML part of its own gets its text laid out as paragraphs, and the
    footer below the signature delimiter as the small print of its own HTML.
    """
    subject = _env.get_template(f"{language}/{template}.subject.j2").render(**context)
    text = _env.get_template(f"{language}/{template}.txt.j2").render(**context)
    html_name = f"{language}/{template}.html.j2"
    if (TEMPLATES / html_name).exists():
        html = _env.get_template(html_name).render(**context)
    else:
        body, delimiter, _footer = text.partition(SIGNATURE_DELIMITER)
        paragraphs = [
            Markup("<br>\n").join(_linked(line) for line in unwrapped(block))
            for block in body.split("\n\n")
            if block.strip()
        ]
        html = _env.get_template("layout.html.j2").render(
            **context, language=language, paragraphs=paragraphs, footer=bool(delimiter)
        )
    return " ".join(subject.split()), text, html


# What parts a letter from its footer (RFC 3676 4.3): mail programs show what follows as such.
SIGNATURE_DELIMITER = "\n-- \n"


def unwrapped(block: str) -> list[str]:
    """The lines of a paragraph of the text part, with the ones the templates wrap for plain
    text joined again: a line that goes on in lower case continues the sentence before it,
    unless that one ended with a colon (a list, an address). Indented lines stay lines."""
    lines: list[str] = []
    for line in block.strip("\n").splitlines():
        stripped = line.strip()
        if (
            lines
            and stripped[:1].islower()
            and line[:1] == stripped[:1]
            and not lines[-1].rstrip().endswith(":")
        ):
            lines[-1] = f"{lines[-1].rstrip()} {stripped}"
        else:
            lines.append(line.rstrip())
    return lines


# Mail a person wrote (an agent's reply, a senior's outcome), sent without the automatic marks.
PERSONAL_TEMPLATES = frozenset({"agent_reply", "escalation_closed"})
_URL = re.compile(r"https?://[^\s<>\"']+")


def _linked(line: str) -> Markup:
    """A line of the text part for the HTML part: escaped, its addresses made links (most
    mail programs show the HTML part, where a bare address may not be clickable)."""
    out, last = Markup(), 0
    for found in _URL.finditer(line):
        url = found.group().rstrip(".,;:!?)»")
        out += escape(line[last : found.start()])
        out += Markup('<a href="{0}">{0}</a>').format(url)
        last = found.start() + len(url)
    return out + escape(line[last:])


def mail_address(address: str) -> tuple[str, bool]:
    """The address as mail carries it: an internationalised domain in its ASCII (IDNA) form,
    which every server takes; and whether the local part still needs SMTPUTF8."""
    local, _, domain = address.rpartition("@")
    # Validated at the door; a domain idna cannot encode goes as it is.
    with contextlib.suppress(idna.IDNAError):
        domain = idna.encode(domain, uts46=True).decode("ascii")
    return f"{local}@{domain}", not local.isascii()


def thread_headers(
    delivery_id: str, number: str | None, settings: Settings, signer: ValueSigner
) -> tuple[str, str | None]:
    """The Message-ID and Reply-To of a mail: signed, so that intake takes a reply quoting
    either as the customer's own words, and a forged From with a copied subject as unverified."""
    sender = parseaddr(settings.public.mail_from)[1].lower()
    support = (
        sender
        if sender in settings.mail_intake.support_addresses
        else settings.mail_intake.support_addresses[0]
    )
    reply_to = reply_address(support, number, signer) if number else None
    return message_id(delivery_id, number, settings.public.mail_domain, signer), reply_to


def build_email(
    *,
    sender: str,
    recipient: str,
    number: str | None,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    language: str,
    reply_to: str | None = None,
    automatic: bool = True,
) -> EmailMessage:
    """``automatic``: a notice the desk sends by itself, marked so (RFC 3834) that
    auto-responders stay quiet; a person's reply is not, so mail systems do not bury it as
    bulk."""
    address, international = mail_address(recipient)
    # An address with letters beyond ASCII before the @ can travel only as SMTPUTF8 mail.
    message = EmailMessage(policy=email.policy.SMTPUTF8 if international else email.policy.default)
    message["From"] = sender
    message["To"] = address
    if reply_to is not None:
        message["Reply-To"] = reply_to
    # The ticket tag lets a reply thread back; mail about no ticket has none.
    message["Subject"] = tagged_subject(number, subject) if number else subject
    message["Message-ID"] = message_id
    message["Date"] = formatdate(localtime=False, usegmt=True)
    if automatic:
        for name, value in AUTOMATIC_HEADERS.items():
            message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # After the body: building it moves Content-* headers into the parts.
    message["Content-Language"] = language
    return message


def retry_delay(attempts: int, delays_ms: tuple[int, ...]) -> float | None:
    """Seconds before the next try after ``attempts`` failures, or None: park it."""
    if attempts > len(delays_ms):
        return None
    return delays_ms[attempts - 1] / 1000
