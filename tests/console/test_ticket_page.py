"""The ticket page, complete (issue 16): files both ways, the whole timeline from every
service, and suggested articles. One journey in the browser; the console's own calls (the
download's headers, the multipart form's CSRF) over httpx against the same desk."""

from __future__ import annotations

import asyncio
import base64
import os
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from shared.auth import Role
from shared.settings import MIB, Settings
from tests.console.conftest import Desk
from tests.console.test_console import signed_in
from tests.intake.helpers import issue, new_ticket
from tests.support import eventually, text_of

AGENT = "anna@sviftcommunity.ru"
FILE_LIMIT = MIB  # lowered, so that an over-limit file costs a megabyte, not twenty


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_attachment_bytes": FILE_LIMIT})


async def test_an_agent_answers_with_a_canned_reply_a_file_and_an_article(
    desk: Desk, tmp_path: Path
) -> None:
    system = desk.system
    # The notifier fetches an agent's files from intake over HTTP: here, intake's app.
    sender = system.apps["notifier"].state.sender
    await sender.intake.aclose()
    sender.intake = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=system.apps["intake"]), base_url="http://intake"
    )
    agent_id, staff = await issue(system, Role.agent, email=AGENT)
    screenshot = os.urandom(40_000)
    filed = await new_ticket(
        system,
        "ivan@example.com",
        subject="Не проходит оплата картой",
        attachments=[
            {
                "filename": "screen.png",
                "content_type": "image/png",
                "data": base64.b64encode(screenshot).decode(),
            }
        ],
    )
    article = await system.intake.post(
        "/v1/articles",
        json={
            "language": "ru",
            "title": "Оплата картой отклонена: что проверить",
            "body": "Проверьте лимит по карте и включены ли платежи в интернете.",
            "status": "published",
        },
        headers=staff,
    )
    assert article.status_code == 201, article.text
    canned = await system.intake.post(
        "/v1/canned-replies",
        json={"title": "Лимит", "body": "{customer_name}, проверьте лимит.", "language": "ru"},
        headers=staff,
    )
    assert canned.status_code == 201, canned.text

    page = await signed_in(desk, agent_id)
    await page.get_by_role("button", name="Взять следующий").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(filed["number"])
    ticket_url = page.url

    # The customer's file is listed with its size and type, and downloads byte for byte.
    timeline = page.locator(".timeline")
    await expect(timeline).to_contain_text("screen.png · 40,0 КБ · image/png")
    async with page.expect_download() as downloading:
        await timeline.get_by_role("link", name="screen.png").click()
    download = await downloading.value
    assert download.suggested_filename == "screen.png"
    assert (await asyncio.to_thread(Path(await download.path()).read_bytes)) == screenshot

    # A canned reply, then the suggested article's link after it.
    await page.get_by_label("Шаблон ответа").select_option(label="Лимит (ru)")
    await page.get_by_role("button", name="Вставить", exact=True).click()
    reply = page.get_by_label("Ответ клиенту")
    await expect(reply).to_have_value("Иван Петров, проверьте лимит.")
    articles = page.get_by_role("region", name="Статьи базы знаний по теме")
    await articles.get_by_role("button", name="Оплата картой отклонена").click()
    await expect(reply).to_have_value(
        "Иван Петров, проверьте лимит.\nОплата картой отклонена: что проверить: "
        + article.json()["url"]
    )
    typed = await reply.input_value()

    # A file over intake's limit: its reason beside the field, the words kept.
    big, small = tmp_path / "video.mp4", tmp_path / "инструкция.pdf"
    big.write_bytes(os.urandom(FILE_LIMIT + 1))
    small.write_bytes(instructions := os.urandom(300_000))
    await page.get_by_label("Приложить файлы").set_input_files([small, big])
    await page.get_by_role("button", name="Отправить ответ").click()
    await expect(page.locator("#reply-files-error")).to_contain_text(str(FILE_LIMIT))
    await expect(reply).to_have_value(typed)

    await page.get_by_label("Приложить файлы").set_input_files(small)
    await page.get_by_role("button", name="Отправить ответ").click()
    staff_entry = page.locator(".entry.staff")
    await expect(staff_entry).to_contain_text("Иван Петров, проверьте лимит.")
    await expect(staff_entry).to_contain_text("инструкция.pdf · 300,0 КБ · application/pdf")

    # The customer's mail carries the words, the article's link and the file.
    def replied(mails: list[EmailMessage]) -> list[EmailMessage]:
        return [
            m
            for m in mails
            if "ivan@example.com" in str(m["To"]) and "проверьте лимит" in text_of(m)
        ]

    [mail] = replied(await eventually(lambda: system.wait_for_mail(1), replied, timeout=30))
    assert article.json()["url"] in text_of(mail)
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == "инструкция.pdf"
    assert attached.get_content() == instructions  # type: ignore[attr-defined]

    # More time, with the customer's reason, and a forward to development: both in the
    # timeline, after the reply, each with its label.
    await page.get_by_label("На сколько рабочих дней").fill("2")
    await page.get_by_label("Причина (её прочтёт клиент)").fill("Нужна проверка у банка")
    await page.get_by_role("button", name="Продлить").click()
    await page.get_by_label("Описание ошибки для разработчиков").fill(
        "Оплата картой отклоняется при верном лимите: шаги в обращении."
    )
    await page.get_by_role("button", name="Передать", exact=True).click()
    await expect(timeline).to_contain_text("Передано в разработку")
    texts = await timeline.locator(".entry").all_inner_texts()

    def place(words: str) -> int:
        [found] = [n for n, text in enumerate(texts) if words in text]
        return found

    extended = place("Срок решения продлён (рабочих дней: 2): Нужна проверка у банка")
    assert place("проверьте лимит") < extended < place("Передано в разработку")
    await page.set_viewport_size({"width": 390, "height": 844})
    # At a phone's width the page fits, long links in replies included.
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 720})
    await expect(articles).to_be_visible()  # fetched once the page is shown
    await desk.screenshot(page, "ticket")

    # Over httpx, with the browser's cookie: the download is an attachment, never sniffed;
    # a multipart form without the session's CSRF token is refused and sends nothing.
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    async with httpx.AsyncClient(base_url=desk.url, cookies=cookies) as client:
        link = await timeline.get_by_role("link", name="инструкция.pdf").get_attribute("href")
        got = await client.get(str(link))
        assert got.status_code == 200 and got.content == instructions
        assert got.headers["content-type"] == "application/octet-stream"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["content-disposition"].startswith("attachment")
        forged = await client.post(
            ticket_url + "/messages",
            data={"body": "forged"},
            files={"attachments": ("x.txt", b"x", "text/plain")},
        )
        assert forged.status_code == 403
        unknown = await client.get(f"{ticket_url}/attachments/{filed['id']}")
        assert unknown.status_code == 404

        # A mailed file over the limit is listed as not taken, with no link to download.
        _, mailer = await issue(system, Role.partner, partner_name="MailCo", scopes=("mail:write",))
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = "olga@example.com", "support@x.ru", "Ошибка"
        mail.set_content("Скриншот во вложении.")
        mail.add_attachment(os.urandom(FILE_LIMIT + 1), "image", "png", filename="large.png")
        mailed = await system.intake.post(
            "/v1/inbound/email",
            content=mail.as_bytes(),
            headers={**mailer, "Content-Type": "message/rfc822"},
        )
        assert mailed.status_code == 200, mailed.text
        shown = await client.get(f"/tickets/{mailed.json()['number']}")  # by its number too
        assert shown.status_code == 200
        assert "large.png" in shown.text and "не принят" in shown.text
        assert "attachments/" not in shown.text
    await page.reload()
    await expect(timeline).not_to_contain_text("forged")
