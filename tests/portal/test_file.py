"""File a request from the portal's form (clause 4), over HTTP: the files reach intake whole, a
refused field is shown beside it with what was typed kept, suggestions come as one types, the
form can be framed by the company's site only."""

from __future__ import annotations

import re

from services.portal.web import CSRF_COOKIE
from tests.portal.public import Site, site

__all__ = ["site"]

# Bigger than the portal's general body limit (256 KiB): a screenshot of real size.
SCREENSHOT = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2048
FIELDS = {
    "customer.name": "Олег",
    "customer.email": "oleg@example.com",
    "category": "bug",
    "subject": "Не проходит оплата",
    "body": "Скриншот ошибки во вложении.",
}


async def test_form_files_a_request_with_its_screenshot(site: Site) -> None:
    form = await site.browser.get("/new")
    assert form.status_code == 200
    text = form.text
    # Every control is labelled; the guidance of clauses 1, 2, 5, 10 and 29 is on the page.
    for control in re.findall(r'<(?:input|select|textarea)[^>]*id="([^"]+)"', text):
        assert f'for="{control}"' in text, control
    assert "24 рабочих часов" in text and "Телефонной поддержки у нас нет" in text
    assert "понедельник" in text and 'enctype="multipart/form-data"' in text
    assert form.headers["cache-control"] == "no-store"

    action = await site.action_of("/new")
    files = {"attachments": ("screen.png", SCREENSHOT, "image/png")}
    # An empty second file input, as a browser sends it, is no file.
    empty = ("attachments", ("", b"", "application/octet-stream"))
    done = await site.browser.post(
        action, data=FIELDS, files=[("attachments", files["attachments"]), empty]
    )
    assert done.status_code == 200, done.text
    number = re.search(r"SC-\d{6}", done.text)
    assert number and "Обращение принято" in done.text
    assert "oleg@example.com" in done.text and "Мы ответим до" in done.text

    staff = await site.staff()
    found = await site.system.intake.get(f"/v1/tickets/{number.group(0)}", headers=staff)
    ticket = found.json()
    assert (ticket["channel"], ticket["category"], ticket["subject"]) == (
        "web",
        "bug",
        FIELDS["subject"],
    )
    [attachment] = ticket["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("screen.png", len(SCREENSHOT))
    download = await site.system.intake.get(
        f"/v1/tickets/{ticket['id']}/attachments/{attachment['id']}", headers=staff
    )
    assert download.content == SCREENSHOT

    # Pressing again (the same form shown once) files nothing more.
    again = await site.browser.post(action, data=FIELDS, files=files)
    assert number.group(0) in again.text
    listed = await site.system.intake.get(
        "/v1/tickets", params={"customer": "oleg@example.com"}, headers=staff
    )
    assert len(listed.json()["items"]) == 1


async def test_a_refused_field_is_shown_beside_it_and_the_input_kept(site: Site) -> None:
    action = await site.action_of("/new")
    wrong = {**FIELDS, "customer.email": "not-an-address", "category": ""}
    shown = await site.browser.post(action, data=wrong, files={"attachments": ("", b"", "")})
    assert shown.status_code == 422
    text = shown.text
    assert 'id="e-customer-email"' in text and 'aria-invalid="true"' in text
    assert 'value="not-an-address"' in text and "Скриншот ошибки во вложении." in text
    assert "Traceback" not in text
    # In the page's language, not in the service's English.
    assert "Проверьте адрес электронной почты" in text and "valid email" not in text
    action = await site.action_of("/new?lang=en")
    too_long = {**FIELDS, "subject": "x" * 201, "category": ""}
    english = await site.browser.post(action, data=too_long, files={"attachments": ("", b"", "")})
    assert english.status_code == 422
    assert "At most 200 characters" in english.text and "String should" not in english.text
    # No token, or another browser's: refused, nothing filed.
    for bad in (action.split("?")[0], re.sub(r"csrf=[^&]+", "csrf=forged", action)):
        refused = await site.browser.post(bad, data=FIELDS, files={"attachments": ("", b"", "")})
        assert refused.status_code == 403
    staff = await site.staff()
    listed = await site.system.intake.get("/v1/tickets", headers=staff)
    assert listed.json()["items"] == []


async def test_suggestions_and_the_framed_variant(site: Site) -> None:
    article = await site.article(title="Как оплатить подписку", body="Оплата картой или по счёту.")
    hint = await site.browser.get("/new/suggest", params={"subject": "не проходит оплата"})
    assert hint.status_code == 200 and "Как оплатить подписку" in hint.text
    assert f'href="/kb/{article["id"]}-kak-oplatit-podpisku"' in hint.text
    assert "Как оплатить" not in (await site.browser.get("/new/suggest")).text

    framed = await site.browser.get("/embed/new")
    assert framed.status_code == 200
    policy = framed.headers["content-security-policy"]
    assert "frame-ancestors https://sviftcommunity.ru" in policy
    assert "unsafe-inline" not in policy
    assert '<header class="bar">' not in framed.text and 'action="/embed/new?' in framed.text
    plain = await site.browser.get("/new")
    assert "frame-ancestors 'none'" in plain.headers["content-security-policy"]
    assert site.browser.cookies.get(CSRF_COOKIE)
