"""The request page's routes over HTTP, on both backends: the key traded for a cookie and
kept out of the address and the logs; forms refused without their CSRF token; a service's
refusal shown next to its field with what was typed kept; the pages behind the rating and
beta links, whose buttons act and whose links do not."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.portal.app import create_app
from tests.intake.helpers import agent, move
from tests.support import System, eventually, text_of, ticket_body

EMAIL = "olga@example.com"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def portal(system: System) -> AsyncIterator[httpx.AsyncClient]:
    transports = {
        name: httpx.ASGITransport(app=system.apps[name])
        for name in ("intake", "sla", "escalation", "notifier")
    }
    app = create_app(system.settings, bus=system.runtime("intake").bus, transports=transports)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
        yield client


async def _filed(system: System) -> dict[str, Any]:
    response = await system.intake.post("/v1/tickets", json=ticket_body(EMAIL))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _csrf(page: httpx.Response) -> str:
    return html.unescape(CSRF.findall(page.text)[0])


async def test_the_key_becomes_a_cookie_of_that_request_and_leaves_no_trace(
    system: System, portal: httpx.AsyncClient, capfd: pytest.CaptureFixture[str]
) -> None:
    ticket = await _filed(system)
    key, number = ticket["access_token"], ticket["number"]
    opened = await portal.get(f"/requests/{number}", params={"key": key})
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/requests/{number}"
    assert opened.headers["referrer-policy"] == "no-referrer"
    cookie = opened.headers["set-cookie"]
    assert f"sviftdesk_portal_key={key}" in cookie
    assert "HttpOnly" in cookie and f"Path=/requests/{number}" in cookie
    assert "samesite=lax" in cookie.lower()

    shown = await portal.get(f"/requests/{number}")
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in shown.headers["content-security-policy"]
    assert number in shown.text and "Не проходит оплата" in shown.text
    assert key not in shown.text
    # Another request's pages do not get this key.
    assert portal.cookies.get("sviftdesk_portal_key", path=f"/requests/{number}") == key
    other = await portal.get("/requests/SC-999999")
    assert other.status_code == 401 and "ссылке из письма" in other.text

    # Part of an incident: the banner says so, in the words its customers are mailed.
    staff = await agent(system)

    async def declared() -> httpx.Response:
        return await system.clients["escalation"].post(
            "/v1/incidents",
            json={
                "title": "Оплата картой недоступна",
                "summary": "Платёжный шлюз не отвечает; мы работаем над этим.",
                "ticket_ids": [ticket["id"]],
            },
            headers=staff,
        )

    # The escalation service learns of the ticket by its event.
    await eventually(declared, lambda answer: answer.status_code == 201)
    banner = await portal.get(f"/requests/{number}")
    assert "Сбой, с которым связано ваше обращение: Оплата картой недоступна" in banner.text
    assert "Платёжный шлюз не отвечает" in banner.text

    captured = capfd.readouterr()
    assert key not in captured.out + captured.err


async def test_a_wrong_key_opens_nothing_and_sets_nothing(
    system: System, portal: httpx.AsyncClient
) -> None:
    ticket = await _filed(system)
    wrong = await portal.get(f"/requests/{ticket['number']}", params={"key": "x" * 40})
    assert wrong.status_code == 404
    assert "sviftdesk_portal_key" not in wrong.headers.get("set-cookie", "")
    assert "Прислать новую ссылку" in wrong.text


async def test_forms_need_their_token_and_refusals_keep_what_was_typed(
    system: System, portal: httpx.AsyncClient
) -> None:
    ticket = await _filed(system)
    number = ticket["number"]
    await portal.get(f"/requests/{number}", params={"key": ticket["access_token"]})
    shown = await portal.get(f"/requests/{number}")
    token = _csrf(shown)
    assert 'id="review-asked"' not in shown.text

    forged = await portal.post(f"/requests/{number}/escalation", data={"reason": "Срочно"})
    assert forged.status_code == 403 and "Форма устарела" in forged.text
    other_browser = await portal.post(
        f"/requests/{number}/escalation", data={"reason": "Срочно", "csrf": "a.b"}
    )
    assert other_browser.status_code == 403

    # Not resolved yet: intake refuses the rating; the page says why, beside the score.
    refused = await portal.post(
        f"/requests/{number}/rating",
        data={"csrf": token, "score": "4", "comment": "Мой комментарий"},
    )
    assert refused.status_code == 409, refused.text
    assert 'id="score-error"' in refused.text
    assert "Traceback" not in refused.text
    # An empty reply: intake names the field, the page shows it under the text box.
    empty = await portal.post(
        f"/requests/{number}/messages", files={"csrf": (None, token), "body": (None, "   ")}
    )
    assert empty.status_code == 422, empty.text
    assert 'id="body-error"' in empty.text
    assert "Заполните это поле." in empty.text and "String should" not in empty.text

    escalated = await portal.post(
        f"/requests/{number}/escalation", data={"csrf": token, "reason": "Третий день жду"}
    )
    assert escalated.status_code == 303
    assert escalated.headers["location"] == f"/requests/{number}?done=escalated#done"
    # Days later, without the confirmation in the address: the page still says it was asked.
    reloaded = await portal.get(f"/requests/{number}")
    asked = re.search(r'<p class="notice" id="review-asked">([^<]+)</p>', reloaded.text)
    assert asked is not None and "Вы уже попросили о рассмотрении" in asked.group(1)
    assert "по московскому времени" in asked.group(1)
    consent = await portal.post(f"/requests/{number}/consent", data={"csrf": token, "share": "yes"})
    assert consent.status_code == 303
    staff = await agent(system)
    read = await system.intake.get(f"/v1/tickets/{number}", headers=staff)
    assert read.json()["share_with_partners"] is True


async def test_a_lost_link_answer_is_the_same_for_any_address(
    system: System, portal: httpx.AsyncClient
) -> None:
    await _filed(system)
    form = await portal.get("/requests/lost")
    token = _csrf(form)
    known = await portal.post("/requests/lost", data={"csrf": token, "email": EMAIL})
    unknown = await portal.post("/requests/lost", data={"csrf": token, "email": "no@example.com"})
    assert known.status_code == unknown.status_code == 200
    notice = re.compile(r'<p class="notice done" role="status">([^<]+)</p>')
    assert notice.findall(known.text) == notice.findall(unknown.text) != []
    bad = await portal.post("/requests/lost", data={"csrf": token, "email": "not an address"})
    assert bad.status_code == 422
    assert 'id="email-error"' in bad.text and 'value="not an address"' in bad.text


async def test_rating_and_beta_links_act_only_by_their_buttons(
    system: System, portal: httpx.AsyncClient
) -> None:
    ticket = await _filed(system)
    staff = await agent(system)
    assert (await move(system, staff, ticket["id"], "resolved")).status_code == 200

    async def resolved_mail() -> list[str]:
        return [
            text_of(m) for m in system.mail() if m["To"] == EMAIL and "решено" in str(m["Subject"])
        ]

    [text] = await eventually(resolved_mail, bool)
    rating = re.findall(r"^  4: (\S+)$", text, re.MULTILINE)[0]
    assert rating.startswith(f"{system.settings.public.portal_public_url}/ratings/{ticket['id']}?")
    local = rating.removeprefix(system.settings.public.portal_public_url)
    page = await portal.get(local)
    assert page.status_code == 200 and 'value="4" required checked' in page.text
    assert (await system.intake.get("/v1/ratings", headers=staff)).json() == []
    [action] = re.findall(r'<form class="card" method="post" action="([^"]+)"', page.text)
    target = local.split("?")[0] + html.unescape(action)
    rated = await portal.post(target, data={"csrf": _csrf(page), "score": "4", "comment": "Ок"})
    assert rated.status_code == 200 and "Ваша оценка сохранена" in rated.text
    again = await portal.post(target, data={"csrf": _csrf(page), "score": "5"})
    assert again.status_code == 409 and "уже оценено" in again.text
    [saved] = (await system.intake.get("/v1/ratings", headers=staff)).json()
    assert (saved["score"], saved["comment"]) == (4, "Ок")

    beta = re.findall(r"(\S+/beta/opt-in\?token=\S+)", text)[0]
    local = beta.removeprefix(system.settings.public.portal_public_url)
    assert beta.startswith(system.settings.public.portal_public_url)
    shown = await portal.get(local)
    assert shown.status_code == 200 and "Участвовать" in shown.text
    path, token = local.split("?token=")
    token = html.unescape(token)
    joined = await portal.post(path, data={"csrf": _csrf(shown), "token": token})
    assert joined.status_code == 200 and "Вы участвуете в бета-программе" in joined.text
    forged = await portal.post(path, data={"csrf": _csrf(shown), "token": "x" + token})
    assert forged.status_code == 404
    assert (await portal.get(local.replace("token=", "token=x"))).status_code == 404
    bad_rating = await portal.get(f"/ratings/{ticket['id']}?token=x.y&score=4")
    assert bad_rating.status_code == 404 and "Ссылка недействительна" in bad_rating.text
    # The other language keeps the link's token.
    assert f'href="{local.split("?")[0]}?token=' in shown.text and "lang=en" in shown.text


async def test_a_reply_to_a_closed_request_opens_the_new_one(
    system: System, portal: httpx.AsyncClient
) -> None:
    ticket = await _filed(system)
    number = ticket["number"]
    staff = await agent(system)
    for status in ("resolved", "closed"):
        assert (await move(system, staff, ticket["id"], status)).status_code == 200
    await portal.get(f"/requests/{number}", params={"key": ticket["access_token"]})
    shown = await portal.get(f"/requests/{number}")
    assert "Это обращение закрыто: ваш ответ откроет новое." in shown.text
    replied = await portal.post(
        f"/requests/{number}/messages",
        files={"csrf": (None, _csrf(shown)), "body": (None, "Проблема вернулась")},
    )
    assert replied.status_code == 303, replied.text
    new = replied.headers["location"].split("?")[0].removeprefix("/requests/")
    assert new != number and replied.headers["location"].endswith("?done=replied#done")
    assert f"Path=/requests/{new}" in replied.headers["set-cookie"]
    opened = await portal.get(f"/requests/{new}")
    assert opened.status_code == 200 and "Проблема вернулась" in opened.text


async def test_an_address_naming_no_request_never_reaches_intake(system: System) -> None:
    asked: list[str] = []

    class Recorded(httpx.ASGITransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            asked.append(request.url.path)
            return await super().handle_async_request(request)

    transports: dict[str, httpx.AsyncBaseTransport] = {
        name: httpx.ASGITransport(app=system.apps[name]) for name in ("sla", "escalation")
    }
    transports["intake"] = Recorded(app=system.apps["intake"])
    app = create_app(system.settings, bus=system.runtime("intake").bus, transports=transports)
    ticket = await _filed(system)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal"
    ) as portal:
        for address in ("/requests/%2e%2e", "/requests/%2e", "/requests/a%20b", "/requests/SC-1;x"):
            opened = await portal.get(address, params={"key": ticket["access_token"]})
            assert opened.status_code == 404, address
            portal.cookies.set("sviftdesk_portal_key", ticket["access_token"])
            shown = await portal.get(address)
            assert shown.status_code == 401, address
            download = await portal.get(f"{address}/attachments/{ticket['id']}")
            assert download.status_code == 404, address
        assert asked == [], asked
        # The request's own address still opens it, through intake.
        opened = await portal.get(
            f"/requests/{ticket['number']}", params={"key": ticket["access_token"]}
        )
        assert opened.status_code == 303 and asked == [f"/v1/tickets/{ticket['number']}"]
