"""The beta programme from the portal (clause 28), over HTTP: the mail's link only shows a
page; its button (a POST with the page's token) joins or leaves; a bad link changes nothing."""

from __future__ import annotations

import re

from services.notifier import repository
from services.notifier.domain.messages import BETA_LINK_PURPOSE
from tests.intake.helpers import new_ticket
from tests.portal.public import Site, site
from tests.support import eventually

__all__ = ["site"]

EMAIL = "vera@example.com"


async def _members(site: Site) -> int:
    """How many are in the programme now (opted in)."""
    async with site.system.runtime("notifier").db.sessions() as session:
        return len(await repository.beta_members(session))


async def test_joining_and_leaving_need_the_button(site: Site) -> None:
    await new_ticket(site.system, EMAIL)
    # The notifier knows the customer once it has handled the ticket's event.
    await eventually(lambda: site.system.count_rows("notifier", "ticket_contact"), bool)
    token = site.system.runtime("notifier").signer.sign_value(BETA_LINK_PURPOSE, EMAIL)

    shown = await site.browser.get("/beta/opt-in", params={"token": token})
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    assert "Участвовать в бета-программе" in shown.text
    assert await _members(site) == 0  # following the link joined no one
    csrf = re.search(r'name="csrf" value="([^"]+)"', shown.text)
    assert csrf
    forged = await site.browser.post("/beta/opt-in", data={"csrf": "x", "token": token})
    assert forged.status_code == 403 and await _members(site) == 0

    joined = await site.browser.post("/beta/opt-in", data={"csrf": csrf[1], "token": token})
    assert joined.status_code == 200 and "Вы участвуете в бета-программе." in joined.text
    assert await _members(site) == 1
    left = await site.browser.post("/beta/opt-out", data={"csrf": csrf[1], "token": token})
    assert "Вы вышли из бета-программы." in left.text
    assert await _members(site) == 0


async def test_a_bad_link_is_told_and_changes_nothing(site: Site) -> None:
    shown = await site.browser.get("/beta/opt-in", params={"token": "forged"})
    assert shown.status_code == 404 and "Ссылка недействительна" in shown.text
    csrf = await site.csrf_of("/feedback")
    posted = await site.browser.post("/beta/opt-out", data={"csrf": csrf, "token": "forged"})
    assert posted.status_code == 404 and "Ссылка недействительна" in posted.text
    assert "приходит в наших письмах" in (await site.browser.get("/beta/opt-in")).text
    assert await _members(site) == 0
