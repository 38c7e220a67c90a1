"""The beta programme: only customers who opted in are ever invited, once, in their language."""

from __future__ import annotations

import html
import re
import uuid
from urllib.parse import urlsplit

from shared.auth import Role
from tests.support import System, text_of, ticket_body

# The mail links to the portal's pages, whose button POSTs to the notifier's API beneath.
LINK = re.compile(r"https?://\S+/beta/opt-(?:in|out)\?token=\S+")


async def _customer(system: System, email: str, language: str) -> str:
    body = ticket_body(email)
    body["customer"] = {"email": email, "name": email.split("@")[0], "language": language}
    assert (await system.intake.post("/v1/tickets", json=body)).status_code == 201
    mails = await system.wait_for_mail(len(system.mail()) + 1)
    [receipt] = [m for m in mails if m["To"] == email]
    [link] = LINK.findall(text_of(receipt))
    return link


async def _click(system: System, link: str) -> dict[str, object]:
    """What a customer does: open the link (a page), then press its button (a POST)."""
    parts = urlsplit(link)
    notifier = system.clients["notifier"]
    page = await notifier.get(f"/v1{parts.path}?{parts.query}")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    [action] = re.findall(r'<form method="post" action="([^"]+)"', page.text)
    response = await notifier.post("/v1" + parts.path + html.unescape(action))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _invite(system: System) -> int:
    admin = system.runtime("notifier").signer.issue(uuid.uuid4(), Role.admin)
    response = await system.clients["notifier"].post(
        "/v1/beta/invitations",
        json={"feature": "Экспорт", "text_ru": "Попробуйте.", "text_en": "Try it."},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["recipients"])


async def test_following_a_link_changes_nothing_until_the_customer_presses_the_button(
    system: System,
) -> None:
    """Mail scanners and link previews open every link: opening one must not sign anyone up
    (or out)."""
    link = await _customer(system, "vera@example.com", "ru")
    parts = urlsplit(link)
    notifier = system.clients["notifier"]
    for _ in range(2):  # a scanner, then a preview
        page = await notifier.get(f"/v1{parts.path}?{parts.query}")
        assert page.status_code == 200 and "<button" in page.text
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"
    assert await _invite(system) == 0
    assert await _click(system, link) == {"opted_in": True}
    # A browser posting the form gets a page back, not JSON.
    out = urlsplit(link.replace("opt-in", "opt-out"))
    await notifier.get(f"/v1{out.path}?{out.query}")
    assert await _invite(system) == 1
    done = await notifier.post(f"/v1{out.path}?{out.query}", headers={"Accept": "text/html"})
    assert done.status_code == 200 and "You have left the beta programme." in done.text
    assert await _invite(system) == 0


async def test_only_opted_in_customers_are_invited_once_in_their_language(system: System) -> None:
    ru_link = await _customer(system, "vera@example.com", "ru")
    en_link = await _customer(system, "john@example.com", "en")
    await _customer(system, "never@example.com", "ru")  # never opts in
    leaver_link = await _customer(system, "leaver@example.com", "en")
    assert await _click(system, ru_link) == {"opted_in": True}
    assert await _click(system, en_link) == {"opted_in": True}
    assert await _click(system, leaver_link) == {"opted_in": True}
    assert await _click(system, leaver_link.replace("opt-in", "opt-out")) == {"opted_in": False}

    notifier = system.clients["notifier"]
    invitation = {
        "feature": "Тёмная тема",
        "text_ru": "Включите тёмную тему в настройках профиля.",
        "text_en": "Turn on the dark theme in your profile settings.",
    }
    agent = system.runtime("notifier").signer.issue(uuid.uuid4(), Role.agent)
    refused = await notifier.post(
        "/v1/beta/invitations", json=invitation, headers={"Authorization": f"Bearer {agent}"}
    )
    assert refused.status_code == 403
    admin = system.runtime("notifier").signer.issue(uuid.uuid4(), Role.admin)
    response = await notifier.post(
        "/v1/beta/invitations", json=invitation, headers={"Authorization": f"Bearer {admin}"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["recipients"] == 2

    mails = await system.wait_for_mail(6)
    invitations = {str(m["To"]): m for m in mails if "Тёмная тема" in str(m["Subject"])}
    assert set(invitations) == {"vera@example.com", "john@example.com"}
    assert "Включите тёмную тему" in text_of(invitations["vera@example.com"])
    assert "Turn on the dark theme" in text_of(invitations["john@example.com"])
    assert "opt-out" in text_of(invitations["john@example.com"])
    assert "[SC-" not in str(invitations["vera@example.com"]["Subject"])


async def test_a_forged_link_changes_nothing(system: System) -> None:
    link = await _customer(system, "vera@example.com", "ru")
    forged = link.replace("token=", "token=x")
    parts = urlsplit(forged)
    response = await system.clients["notifier"].get(f"/v1{parts.path}?{parts.query}")
    assert response.status_code == 404
    missing = await system.clients["notifier"].get("/v1/beta/opt-in")
    assert missing.status_code == 422 and "token" in missing.json()["detail"]
