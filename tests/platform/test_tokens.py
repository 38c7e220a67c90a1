"""Signed tokens and links: whatever a request holds, a forgery is refused, never a failure."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from services.cli import main
from shared.auth import Role, TokenSigner, key_id, load_signer
from shared.settings import Settings, SettingsError, key_weakness, load_settings
from tests.support import TEST_SECRET_KEY, System


def test_a_token_holding_any_text_is_refused_not_a_failure() -> None:
    signer = TokenSigner(TEST_SECRET_KEY.encode())
    token = signer.issue(uuid.uuid4(), Role.agent)
    assert signer.verify(token) is not None
    payload, _, signature = token.rpartition(".")
    assert signer.verify(f"{payload}.ü{signature[1:]}") is None
    assert signer.verify(f"{payload}.\U0006a119") is None

    link = signer.sign_value("beta-membership", "olga@example.com")
    assert signer.verify_value("beta-membership", link) == "olga@example.com"
    assert signer.verify_value("beta-membership", link[:-1] + "ж") is None
    assert signer.verify_value("beta-membership", "\x1c\U0006a119.\U000dc877") is None
    assert signer.verify_value("another-purpose", link) is None


OLD_KEY, NEW_KEY = TEST_SECRET_KEY, secrets.token_hex(32)


async def _queue(settings: Settings, token: str) -> httpx.Response:
    async with System.start(settings, services=("intake",)) as system:
        return await system.intake.get("/v1/queue", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_the_signing_key_rotates_without_logging_everyone_out(settings: Settings) -> None:
    """Tokens do not touch storage: one backend is enough."""
    before = settings.model_copy(update={"secret_keys": (SecretStr(OLD_KEY),)})
    token = TokenSigner(OLD_KEY.encode()).issue(uuid.uuid4(), Role.agent)
    assert (await _queue(before, token)).status_code == 200

    # The new key signs from now on; the old one still verifies what it signed.
    both = before.model_copy(update={"secret_keys": (SecretStr(NEW_KEY), SecretStr(OLD_KEY))})
    assert (await _queue(both, token)).status_code == 200
    fresh = load_signer(both).issue(uuid.uuid4(), Role.agent)
    assert fresh.split(".")[1] == key_id(NEW_KEY.encode())

    # Once every old token has expired, the old key goes: what it signed stops working.
    after = before.model_copy(update={"secret_keys": (SecretStr(NEW_KEY),)})
    refused = await _queue(after, token)
    assert refused.status_code == 401 and "not valid" in refused.json()["detail"]
    assert (await _queue(after, fresh)).status_code == 200


@pytest.mark.parametrize("backend", ["embedded"], indirect=True)
async def test_tokens_expire(settings: Settings) -> None:
    signer = load_signer(settings)
    assert signer.lifetime(Role.agent) == timedelta(hours=12)
    assert signer.lifetime(Role.partner) == timedelta(days=90)
    past = datetime.now(UTC) - timedelta(hours=12, minutes=1)
    stale = signer.issue(uuid.uuid4(), Role.agent, now=past)
    refused = await _queue(settings, stale)
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    # A token from before expiry existed (sd1, never expiring) is refused the same way.
    legacy = await _queue(settings, "sd1.e30.AAAA.c2lnbmF0dXJl")
    assert legacy.status_code == 401 and "expired" in legacy.json()["detail"]
    almost = signer.issue(uuid.uuid4(), Role.agent, now=past + timedelta(minutes=5))
    assert (await _queue(settings, almost)).status_code == 200


@pytest.mark.parametrize(
    "key",
    [
        "k" * 40,  # one repeated character
        "abababababababababababababababab",  # two
        "password-password-password-password",  # a phrase
        # random but short; named, as every worker of `make test` must collect the same ids
        pytest.param(secrets.token_hex(15), id="random-but-short"),
    ],
)
def test_a_weak_secret_key_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, key: str
) -> None:
    monkeypatch.setenv("SVIFTDESK_VAR_DIR", str(tmp_path))
    for variable in ("SVIFTDESK_SECRET_KEY", "SVIFTDESK_SECRET_KEYS"):
        monkeypatch.delenv("SVIFTDESK_SECRET_KEY", raising=False)
        monkeypatch.delenv("SVIFTDESK_SECRET_KEYS", raising=False)
        monkeypatch.setenv(variable, f"{NEW_KEY},{key}" if variable.endswith("S") else key)
        result = CliRunner().invoke(main, ["migrate"])
        assert result.exit_code != 0
        assert variable in result.output and "key" in result.output
    # Both at once would leave unclear which key signs.
    monkeypatch.setenv("SVIFTDESK_SECRET_KEY", OLD_KEY)
    monkeypatch.setenv("SVIFTDESK_SECRET_KEYS", NEW_KEY)
    with pytest.raises(SettingsError, match="SVIFTDESK_SECRET_KEYS alone"):
        load_settings()


def test_the_generated_embedded_key_is_strong(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    load_signer(settings)  # would raise on a weak key
    assert key_weakness((tmp_path / "secret_key").read_text()) is None
