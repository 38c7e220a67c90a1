"""A customer who lost the link to their request gets new ones by mail (issue 17): the same
answer for any address, new keys for the tickets still open, the old links dead."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from tests.intake.helpers import Limited, agent, bearer, events, from_address, move, new_ticket
from tests.support import System, eventually, text_of

LINK = re.compile(r"https?://\S+/requests/(SC-\d+)\?key=(\S+)")


async def test_a_lost_link_is_sent_again_with_a_new_key(system: System) -> None:
    staff = await agent(system)
    first = await new_ticket(system, "Lost@Example.com", subject="Не приходит счёт")
    second = await new_ticket(system, "lost@example.com", subject="Второй вопрос")
    done = await new_ticket(system, "lost@example.com", subject="Уже закрыт")
    assert (await move(system, staff, done["id"], "resolved")).status_code == 200
    assert (await move(system, staff, done["id"], "closed")).status_code == 200

    unknown = await system.intake.post("/v1/access-links", json={"email": "nobody@example.com"})
    known = await system.intake.post(
        "/v1/access-links", json={"email": "LOST@example.com", "language": "en"}
    )
    # Whether the address ever wrote to us is not told.
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()

    async def sent() -> list[EmailMessage]:
        return [m for m in system.mail() if "Links to your requests" in str(m["Subject"])]

    [mail] = await eventually(sent, bool)
    assert mail["To"] == "lost@example.com"
    assert not [m for m in system.mail() if m["To"] == "nobody@example.com"]
    links = dict(LINK.findall(text_of(mail)))
    # The open ones, newest first; a closed ticket is final and gets none.
    assert list(links) == [second["number"], first["number"]]
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and f'href="{LINK.search(text_of(mail))[0]}"' in str(  # type: ignore[index]
        html.get_content()  # type: ignore[attr-defined]
    ).replace("&amp;", "&")

    for ticket in (first, second):
        new_key = links[ticket["number"]]
        opened = await system.intake.get(f"/v1/tickets/{ticket['id']}", headers=bearer(new_key))
        assert opened.status_code == 200
        stale = await system.intake.get(
            f"/v1/tickets/{ticket['id']}", headers=bearer(ticket["access_token"])
        )
        assert stale.status_code == 404
    # At rest the event holds the keys' parts, never a key.
    [issued] = await events(system, "customer.access_links_issued")
    assert not set(links.values()) & {str(v) for t in issued["data"]["tickets"] for v in t.values()}


@pytest.mark.parametrize("backend", ["embedded"])  # the limits' counts are in memory
async def test_asking_for_links_is_limited_per_address(limited: Limited) -> None:
    async with limited(rate_limit_per_customer="1/minute") as system:
        ask = {"email": "lost@example.com"}
        async with (
            from_address(system, "198.51.100.7") as one,
            from_address(system, "198.51.100.8") as other,
        ):
            assert (await one.post("/v1/access-links", json=ask)).status_code == 202
            refused = await other.post("/v1/access-links", json=ask)
        assert refused.status_code == 429 and refused.headers["retry-after"]
