"""The portal's frame, over HTTP: every page in the customer's language, with the headers that
keep it to itself, and a page (never a stack trace) when something goes wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from services.portal.app import create_app
from services.portal.web import CSRF_COOKIE, CsrfError, check_csrf, csrf_token
from shared.logging import redact_pii
from shared.serving import server_config
from shared.settings import Settings


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    # These pages call no service and need no database: the app is not even started.
    return create_app(Settings(var_dir=tmp_path / "var", log_json=False))


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal") as client:
        yield client


def browser(app: FastAPI, cookie: str | None) -> Request:
    headers = [(b"cookie", f"{CSRF_COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "headers": headers, "app": app})


async def test_pages_are_russian_by_default_and_english_by_choice(
    client: httpx.AsyncClient,
) -> None:
    home = await client.get("/")
    assert home.status_code == 200
    assert '<html lang="ru">' in home.text and "Чем мы можем помочь?" in home.text
    # The desk's hours on every page (clause 1).
    assert "с понедельника по четверг" in home.text
    english = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "How can we help?" in english.text
    chosen = await client.get("/?lang=en")
    assert chosen.cookies.get("sviftdesk_portal_lang") == "en"
    # Remembered by the cookie over the browser's own wish.
    again = await client.get("/", headers={"Accept-Language": "ru"})
    assert '<html lang="en">' in again.text
    lost = await client.get("/requests/lost")
    assert "<h1>Send me a new link</h1>" in lost.text
    assert '<label for="lost-email">Your email address</label>' in lost.text


async def test_headers_keep_pages_to_the_customer(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    policy = home.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert home.headers["referrer-policy"] == "no-referrer"
    assert home.headers["cache-control"] == "no-cache"
    for asset in ("/static/portal.css", "/static/htmx-2.0.11.min.js"):
        assert (await client.get(asset)).status_code == 200


async def test_unknown_pages_and_failures_are_pages(client: httpx.AsyncClient) -> None:
    missing = await client.get("/no/such/page")
    assert missing.status_code == 404
    assert "text/html" in missing.headers["content-type"]
    assert "Такой страницы нет." in missing.text
    wrong = await client.delete("/")
    assert wrong.status_code == 405 and "Traceback" not in wrong.text
    assert "<h1>" in wrong.text


async def test_csrf_token_is_bound_to_the_browsers_cookie(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    home = await client.get("/")
    cookie = home.cookies.get(CSRF_COOKIE)
    assert cookie and len(cookie) >= 32
    assert "httponly" in home.headers["set-cookie"].lower()
    token, fresh = csrf_token(browser(app, cookie))
    assert fresh is None
    check_csrf(browser(app, cookie), token)
    # Another browser's token, or none at all, is refused.
    with pytest.raises(CsrfError):
        check_csrf(browser(app, "x" * 43), token)
    with pytest.raises(CsrfError):
        check_csrf(browser(app, None), token)
    with pytest.raises(CsrfError):
        check_csrf(browser(app, cookie), cookie)


def test_a_key_in_an_address_is_never_logged(app: FastAPI) -> None:
    """`serve` writes no access log; and if a proxy's or uvicorn's line quotes the mail's
    link anyway, the log filter hides the key."""
    config = server_config(app, host="127.0.0.1", port=8006, max_header_bytes=8192)
    assert config.access_log is False
    line = redact_pii(None, "info", {"event": 'GET /requests/SC-000001?key=s3cr3t HTTP/1.1" 303'})
    assert "s3cr3t" not in line["event"]
