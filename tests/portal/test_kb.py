"""The knowledge base over HTTP (clause 16): a Russian article found by another form of its
words, stable readable addresses, "did this help?" counted once per reader."""

from __future__ import annotations

from tests.portal.public import Site, site

__all__ = ["site"]


async def test_search_finds_an_inflected_russian_word_and_the_article_reads(site: Site) -> None:
    article = await site.article(
        title="Как оплатить подписку",
        body=(
            "Оплата принимается **картой**.\n\n<script>alert(1)</script>\n\n"
            "[Тарифы](https://sviftcommunity.ru/prices) [нет](javascript:alert(1))"
        ),
        tags=["оплата"],
    )
    await site.article(language="en", title="Payment failed", body="Check the card.")
    found = await site.browser.get("/kb", params={"q": "оплатой"})
    assert found.status_code == 200
    href = f"/kb/{article['id']}-kak-oplatit-podpisku"
    assert f'href="{href}"' in found.text and "Payment failed" not in found.text
    assert 'role="search"' in found.text and 'for="kb-q"' in found.text
    nothing = await site.browser.get("/kb", params={"q": "квантовая телепортация"})
    assert "Ничего не нашлось." in nothing.text
    # No words: the latest articles in the reader's language.
    latest = await site.browser.get("/kb", headers={"Accept-Language": "en"})
    assert "Payment failed" in latest.text and "Как оплатить" not in latest.text

    shown = await site.browser.get(href)
    assert shown.status_code == 200
    assert "<strong>картой</strong>" in shown.text
    # The article's own HTML is text, never markup.
    assert "<script>alert" not in shown.text and "&lt;script&gt;" in shown.text
    # Its links: only http(s), and they pass on neither the referrer nor the opener.
    assert (
        '<a href="https://sviftcommunity.ru/prices" rel="nofollow noopener noreferrer">Тарифы</a>'
        in shown.text
    )
    assert 'href="javascript' not in shown.text
    # The address our mail uses, an old slug, the bare id: one page.
    for old in (
        f"/help/articles/{article['id']}",
        f"/kb/{article['id']}-old",
        f"/kb/{article['id']}",
    ):
        moved = await site.browser.get(old)
        assert (moved.status_code, moved.headers["location"]) == (301, href), old
    missing = await site.browser.get("/kb/00000000-0000-0000-0000-000000000000-x")
    assert missing.status_code == 404 and "Такой страницы нет." in missing.text
    assert (await site.browser.get("/kb/nonsense")).status_code == 404


async def test_did_this_help_counts_a_readers_answer_once(site: Site) -> None:
    article = await site.article(title="Восстановление пароля", body="Нажмите «Забыли пароль?».")
    href = f"/kb/{article['id']}-vosstanovlenie-parolya"
    csrf = await site.csrf_of(href)
    voted = await site.browser.post(f"{href}/vote", data={"csrf": csrf, "helpful": "no"})
    assert voted.status_code == 303 and voted.headers["location"] == f"{href}?voted=no#vote"
    # Changing one's mind replaces the answer.
    await site.browser.post(f"{href}/vote", data={"csrf": csrf, "helpful": "yes"})
    counted = await site.system.intake.get(f"/v1/articles/{article['id']}")
    assert (counted.json()["helpful_votes"], counted.json()["unhelpful_votes"]) == (1, 0)
    thanked = await site.browser.get(f"{href}?voted=yes")
    assert "Спасибо, ваш ответ учтён." in thanked.text
    # A vote without the page's token is not counted.
    forged = await site.browser.post(f"{href}/vote", data={"csrf": "x", "helpful": "no"})
    assert forged.status_code == 403
    after = await site.system.intake.get(f"/v1/articles/{article['id']}")
    assert after.json()["unhelpful_votes"] == 0
