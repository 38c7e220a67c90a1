"""Anyone can type anyone's address into the web form. Until that address writes to us itself,
our mail to it quotes none of the submitter's words, the submitter learns nothing kept of that
person, and what they filed cannot keep that person from being forgotten (issue 14)."""

from __future__ import annotations

from email.message import EmailMessage
from email.mime.text import MIMEText

from shared.auth import Role
from tests.intake.helpers import agent, bearer, issue, move, read
from tests.support import System, text_of, ticket_body

SPAM = {"subject": "Дешёвые часы на spam.example", "body": "Заходите на spam.example"}
SPAMMER = {"email": "olga@example.com", "name": "Скидки на spam.example", "language": "ru"}


def mail_to(system: System, number: str) -> list[EmailMessage]:
    return [m for m in system.mail() if f"[{number}]" in str(m["Subject"])]


def everything_in(mail: EmailMessage) -> str:
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    return str(mail["Subject"]) + text_of(mail) + str(html.get_content())  # type: ignore[attr-defined]


async def file(system: System, customer: dict[str, str], **fields: str) -> dict[str, str]:
    body = {**ticket_body(), "customer": customer, **fields}
    answer = await system.intake.post("/v1/tickets", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, str] = answer.json()
    return created


async def mail_us(system: System, sender: str, subject: str) -> None:
    """The address writes to us itself, as a mail provider forwards it."""
    _, provider = await issue(system, Role.partner, partner_name="Mailgun", scopes=("mail:write",))
    message = MIMEText("Пишу сам.", "plain", "utf-8")
    message["From"], message["To"], message["Subject"] = (
        sender,
        "support@sviftcommunity.ru",
        subject,
    )
    answer = await system.intake.post(
        "/v1/inbound/email",
        content=message.as_bytes(),
        headers={**provider, "Content-Type": "message/rfc822"},
    )
    assert answer.status_code == 200, answer.text


async def test_mail_to_an_address_that_never_wrote_quotes_nothing_of_the_form(
    system: System,
) -> None:
    created = await file(system, SPAMMER, **SPAM)
    [receipt] = await system.wait_for_mail(1)
    assert receipt["To"] == "olga@example.com"
    text = everything_in(receipt)
    assert "spam.example" not in text
    # What it carries: the number, when to expect an answer, and the link.
    assert created["number"] in text and "не позднее" in text
    assert f"/requests/{created['number']}?key={created['access_token']}" in text
    # Later mail about the ticket quotes nothing of it either.
    staff = await agent(system)
    assert (await move(system, staff, created["id"], "in_progress")).status_code == 200
    await system.wait_for_mail(2)
    [*_, status_mail] = mail_to(system, created["number"])
    assert "spam.example" not in everything_in(status_mail)


async def test_once_the_address_has_written_by_mail_our_mail_may_quote_it(system: System) -> None:
    await mail_us(system, "olga@example.com", "Вопрос про оплату")
    await system.wait_for_mail(1)
    created = await file(
        system,
        {"email": "olga@example.com", "name": "Ольга", "language": "ru"},
        subject="Не проходит оплата",
    )
    await system.wait_for_mail(2)
    [receipt] = mail_to(system, created["number"])
    text = everything_in(receipt)
    assert "Ольга" in text and "Не проходит оплата" in text


async def test_a_token_holder_sees_the_name_they_gave_never_a_kept_one(system: System) -> None:
    olga = await file(system, {"email": "olga@example.com", "name": "Ольга Смирнова"})
    stranger = await file(system, {**SPAMMER, "name": "Кто-то"}, **SPAM)
    seen = await read(system, stranger["id"], bearer(stranger["access_token"]))
    assert seen["customer"]["name"] == "Кто-то"
    assert "Смирнова" not in str(seen)
    own = await read(system, olga["id"], bearer(olga["access_token"]))
    assert own["customer"]["name"] == "Ольга Смирнова"


async def test_a_ticket_filed_under_someones_address_cannot_stop_their_erasure(
    system: System,
) -> None:
    admin = await agent(system, Role.admin)
    planted = await file(system, SPAMMER, **SPAM)
    erased = await system.intake.post(
        "/v1/privacy/erasure", json={"email": "olga@example.com"}, headers=admin
    )
    assert erased.status_code == 200, erased.text
    seen = await read(system, planted["id"], admin)
    assert seen["status"] == "closed" and "spam.example" not in str(seen)
    # What the address itself wrote by mail is work in progress, and still holds erasure off.
    await mail_us(system, "ivan@example.com", "Помогите с оплатой")
    web = await file(system, {"email": "ivan@example.com", "name": "Иван"})
    held = await system.intake.post(
        "/v1/privacy/erasure", json={"email": "ivan@example.com"}, headers=admin
    )
    assert held.status_code == 409, held.text
    assert held.json()["detail"].count("SC-") == 1 and web["number"] not in held.json()["detail"]
