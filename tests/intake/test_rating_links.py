"""The resolved mail's rating links: one per score, each opening intake's page with that score
chosen; opening it changes nothing, its button rates, a comment included, on both backends."""

from __future__ import annotations

import html
import re
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest

from tests.intake.helpers import Limited, agent, from_address, move, new_ticket
from tests.support import System, text_of

# The mail links to the portal's rating page, which rates through intake's page beneath.
LINK = re.compile(r"^  ([1-5]): (https?://\S+/ratings/\S+)$", re.MULTILINE)


async def _resolved_mail(system: System, email: str) -> EmailMessage:
    mails = await system.wait_for_mail(len(system.mail()) + 1)
    while not any(m["To"] == email and "решено" in str(m["Subject"]) for m in mails):
        mails = await system.wait_for_mail(len(mails) + 1)
    return next(m for m in mails if m["To"] == email and "решено" in str(m["Subject"]))


def _local(link: str) -> str:
    """Intake's page for the portal's link: the same ticket, score and token."""
    parts = urlsplit(link)
    ticket_id = parts.path.removeprefix("/ratings/")
    return f"/v1/tickets/{ticket_id}/rating/page?{parts.query}"


async def test_a_rating_link_opens_a_page_and_its_button_rates(system: System) -> None:
    staff = await agent(system)
    ticket = await new_ticket(system, "rater@example.com")
    await system.wait_for_mail(1)  # the receipt
    assert (await move(system, staff, ticket["id"], "resolved")).status_code == 200
    mail = await _resolved_mail(system, "rater@example.com")
    links = dict(LINK.findall(text_of(mail)))
    assert sorted(links) == ["1", "2", "3", "4", "5"]
    assert all(ticket["access_token"] not in link for link in links.values())  # not the key
    html_part = mail.get_body(preferencelist=("html",))
    assert html_part is not None
    shown = html_part.get_content()
    assert all(f'<a href="{html.escape(link)}">' in shown for link in links.values())

    # Opening a link (a mail scanner does it too) shows the score chosen, and rates nothing.
    for score, link in links.items():
        page = await system.intake.get(_local(link))
        assert page.status_code == 200, page.text
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-store"
        [checked] = re.findall(r'value="(\d)" checked', page.text)
        assert checked == score
    assert (await system.intake.get("/v1/ratings", headers=staff)).json() == []

    page = await system.intake.get(_local(links["2"]))
    [action] = re.findall(r'<form method="post" action="([^"]+)"', page.text)
    target = urlsplit(_local(links["2"])).path + html.unescape(action)
    form = {"score": "2", "comment": "Ответили, но <b>долго</b>"}
    rated = await system.intake.post(target, data=form)
    assert rated.status_code == 200, rated.text
    assert "Спасибо" in rated.text and "<b>" not in rated.text
    [rating] = (await system.intake.get("/v1/ratings", headers=staff)).json()
    assert (rating["score"], rating["comment"]) == (2, "Ответили, но <b>долго</b>")

    again = await system.intake.post(target, data={"score": "5"})
    assert again.status_code == 409
    assert "rated" in again.text
    assert len((await system.intake.get("/v1/ratings", headers=staff)).json()) == 1


async def test_a_forged_or_bad_rating_post_changes_nothing(system: System) -> None:
    staff = await agent(system)
    ticket = await new_ticket(system, "rater@example.com")
    other = await new_ticket(system, "other@example.com")
    for t in (ticket, other):
        assert (await move(system, staff, t["id"], "resolved")).status_code == 200
    token = system.runtime("intake").signer.sign_value("rating-link", ticket["id"])
    page = f"/v1/tickets/{ticket['id']}/rating/page"
    assert (await system.intake.get(f"{page}?token={token}&score=4")).status_code == 200
    for forged in (
        f"/v1/tickets/{other['id']}/rating/page?token={token}",  # another ticket's link
        f"{page}?token={token[:-2]}xx",
        f"{page}?token={system.runtime('intake').signer.sign_value('beta', ticket['id'])}",
    ):
        assert (await system.intake.get(forged)).status_code == 404
        assert (await system.intake.post(forged, data={"score": "5"})).status_code == 404
    for bad, field in (
        ({"score": "9"}, "score"),
        ({}, "score"),
        ({"score": "x"}, "score"),
        ({"score": "5", "comment": "Спасибо\x00"}, "comment"),  # PostgreSQL's text: a 500
    ):
        refused = await system.intake.post(f"{page}?token={token}", data=bad)
        assert refused.status_code == 422, refused.text
        assert field in refused.json()["detail"]
    assert (await system.intake.get(f"{page}?token={token}&score=7")).status_code == 422
    assert (await system.intake.get("/v1/ratings", headers=staff)).json() == []


@pytest.mark.parametrize("backend", ["embedded"])  # the limits' counts are in memory
async def test_the_rating_page_is_limited_like_every_anonymous_write(limited: Limited) -> None:
    async with limited(rate_limit_per_client="1/minute") as system:
        ticket = await new_ticket(system)
        token = system.runtime("intake").signer.sign_value("rating-link", ticket["id"])
        url = f"/v1/tickets/{ticket['id']}/rating/page?token={token}"
        async with from_address(system, "198.51.100.7") as script:
            first = await script.post(url, data={"score": "5"})
            second = await script.post(url, data={"score": "5"})
        assert first.status_code == 409  # not resolved yet: its own answer
        assert second.status_code == 429
        assert second.headers["retry-after"]
