"""shared.markdown: the one renderer of articles' Markdown, used by the portal's article pages
and the console's preview. Raw HTML is shown as text; links go only to http(s) or relative
addresses and get rel=nofollow noopener noreferrer."""

from __future__ import annotations

import re

from markupsafe import Markup

from shared.markdown import render, safe_link


def test_markdown_is_rendered_with_raw_html_escaped() -> None:
    html = render("# Заголовок\n\n**жирный** <b onclick=x>тег</b>\n\n<script>alert(1)</script>")
    # Markup: a template puts it in the page as it is, without escaping it twice.
    assert isinstance(html, Markup)
    assert "<h1>Заголовок</h1>" in html and "<strong>жирный</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b " not in html and "&lt;b onclick=x&gt;" in html


def test_links_go_only_to_http_or_relative_addresses() -> None:
    html = str(
        render(
            "[a](https://x.ru/p) [b](/knowledge) [c](javascript:alert(1)) [d](JaVaScRiPt:x) "
            "[e](data:text/html,x) [f](vbscript:x) [g](mailto:a@b.c) <javascript:alert(1)> "
            "![i](data:image/png;base64,AAAA) ![j](https://x.ru/i.png) [k](&#106;avascript:x)"
        )
    )
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', html)
    assert hrefs == ["https://x.ru/p", "/knowledge", "https://x.ru/i.png"]
    links = re.findall(r"<a [^>]*>", html)
    assert len(links) == 2
    assert all('rel="nofollow noopener noreferrer"' in link for link in links)
    assert [safe_link(u) for u in ("http://a", "HTTPS://a", "a/b", "?q=1", "#x")] == [True] * 5
    assert [safe_link(u) for u in ("javascript:x", " data:x", "file:///etc", "x:y")] == [False] * 4


def test_tables_and_strikethrough_read_as_written() -> None:
    html = str(render("| Тариф | Цена |\n|---|---|\n| Базовый | 100 ₽ |\n\n~~старая цена~~"))
    assert "<table>" in html and "<td>Базовый</td>" in html
    assert "<s>старая цена</s>" in html
