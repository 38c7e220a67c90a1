"""Each ticket's mail speaks the language it was filed in (issue 15)."""

from __future__ import annotations

from tests.intake.helpers import agent, move, new_ticket
from tests.support import System, text_of


async def test_each_ticket_is_written_to_in_the_language_it_was_filed_in(system: System) -> None:
    """A returning customer's second ticket, in English after a Russian first one: its receipt
    and its stages speak English, and the first ticket's still speak Russian."""
    staff = await agent(system)
    customer = {"email": "olga@example.com", "name": "Ольга", "language": "ru"}
    first = await new_ticket(system, "olga@example.com", customer=customer)
    customer = {"email": "olga@example.com", "name": "Olga", "language": "en"}
    second = await new_ticket(system, "olga@example.com", customer=customer, subject="Payment")
    await system.wait_for_mail(2)
    for ticket in (first, second):
        assert (await move(system, staff, ticket["id"], "waiting_customer")).status_code == 200
    mails = await system.wait_for_mail(4)
    language = {
        (
            str(m["Subject"]).split("]")[0].strip("["),
            "received" in str(m["Subject"]) or "получено" in str(m["Subject"]),
        ): m["Content-Language"]
        for m in mails
    }
    assert language == {
        (first["number"], True): "ru",
        (first["number"], False): "ru",
        (second["number"], True): "en",
        (second["number"], False): "en",
    }, [str(m["Subject"]) for m in mails]
    [notice] = [
        m for m in mails if second["number"] in str(m["Subject"]) and "reply" in str(m["Subject"])
    ]
    assert "Hello" in text_of(notice) and "Здравствуйте" not in text_of(notice)
