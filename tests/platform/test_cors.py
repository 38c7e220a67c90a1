"""The site's pages may call the API from the browser; other pages may not (clause 4)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from services.intake.app import create_app
from shared.settings import Settings, SettingsError, load_settings

SITE = "https://sviftcommunity.ru"


def _client(tmp_path: Path, **settings: object) -> httpx.AsyncClient:
    app = create_app(Settings(var_dir=tmp_path, **settings))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")


async def test_the_sites_pages_may_call_the_api(tmp_path: Path) -> None:
    async with _client(tmp_path, cors_origins=(SITE, "http://localhost:3000")) as client:
        preflight = await client.options(
            "/v1/tickets",
            headers={
                "Origin": SITE,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type, idempotency-key",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == SITE
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()

        answer = await client.get("/healthz", headers={"Origin": SITE})
        assert answer.headers["access-control-allow-origin"] == SITE
        assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()
        # Too large a body is refused in a way the page can read.
        huge = await client.post("/v1/feedback", content=b"x" * 2_000_000, headers={"Origin": SITE})
        assert huge.status_code == 413
        assert huge.headers["access-control-allow-origin"] == SITE

        stranger = await client.options(
            "/v1/tickets",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert stranger.status_code == 400
        assert "access-control-allow-origin" not in stranger.headers


async def test_no_origin_is_allowed_unless_configured(tmp_path: Path) -> None:
    async with _client(tmp_path) as client:
        answer = await client.get("/healthz", headers={"Origin": SITE})
        assert answer.status_code == 200
        assert "access-control-allow-origin" not in answer.headers


@pytest.mark.parametrize(
    "value", ["sviftcommunity.ru", "https://sviftcommunity.ru/support", "ftp://x"]
)
def test_an_origin_is_a_scheme_and_a_host(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SVIFTDESK_CORS_ORIGINS", f"{SITE}, {value}")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "SVIFTDESK_CORS_ORIGINS" in str(error.value) and "not an origin" in str(error.value)


def test_origins_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SVIFTDESK_CORS_ORIGINS", f"{SITE}/, http://localhost:3000")
    assert load_settings().http.cors_origins == (SITE, "http://localhost:3000")
