"""Configuration is validated at start-up; logs carry correlation ids and no personal data."""

from __future__ import annotations

import json

import pytest
import structlog
from click.testing import CliRunner

from services.cli import main
from shared.logging import bind_correlation_id, configure_logging
from shared.settings import Settings, SettingsError, load_settings


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SVIFTDESK_DATABASE_URL", "mysql://x/y", "unsupported scheme"),
        ("SVIFTDESK_AMQP_URL", "http://rabbit", "amqp://"),
        ("SVIFTDESK_SMTP_URL", "mailpit:1025", "smtp://host:port"),
        ("SVIFTDESK_RETRY_DELAYS_MS", "100,-5", "positive"),
        ("SVIFTDESK_LOG_LEVEL", "LOUD", "SVIFTDESK_LOG_LEVEL"),
        ("SVIFTDESK_MAIL_COALESCE_SECONDS", "-1", "greater than or equal to 0"),
    ],
)
def test_bad_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert variable in str(error.value)
    assert message in str(error.value)
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code != 0
    assert variable in result.output


def test_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "AMQP_URL", "SMTP_URL"):
        monkeypatch.delenv(f"SVIFTDESK_{name}", raising=False)
    settings = Settings()
    assert settings.database_url_for("intake") == "sqlite+aiosqlite:///var/intake.db"
    assert settings.amqp_url is None and settings.smtp_url is None
    monkeypatch.setenv("SVIFTDESK_DATABASE_URL", "postgresql://u@db/sviftdesk")
    assert Settings().database_url_for("sla") == "postgresql+asyncpg://u@db/sviftdesk"


@pytest.mark.parametrize(
    ("service", "given", "missing"),
    [
        ("intake", {}, ["SVIFTDESK_AMQP_URL", "SVIFTDESK_DATABASE_URL"]),
        ("sla", {"AMQP_URL": "amqp://guest:guest@127.0.0.1:1/"}, ["SVIFTDESK_DATABASE_URL"]),
        (
            "notifier",
            {
                "AMQP_URL": "amqp://guest:guest@127.0.0.1:1/",
                "DATABASE_URL": "postgresql://u@127.0.0.1:1/sviftdesk",
            },
            ["SVIFTDESK_SMTP_URL"],
        ),
    ],
)
def test_a_service_alone_refuses_the_embedded_defaults(
    monkeypatch: pytest.MonkeyPatch, service: str, given: dict[str, str], missing: list[str]
) -> None:
    """What compose and Kubernetes run must not keep its state, or its mail, to itself."""
    for name in ("DATABASE_URL", "AMQP_URL", "SMTP_URL"):
        monkeypatch.delenv(f"SVIFTDESK_{name}", raising=False)
    for name, value in given.items():
        monkeypatch.setenv(f"SVIFTDESK_{name}", value)
    result = CliRunner().invoke(main, ["serve", service])
    assert result.exit_code != 0
    for variable in missing:
        assert variable in result.output
    named = {"SVIFTDESK_AMQP_URL", "SVIFTDESK_DATABASE_URL", "SVIFTDESK_SMTP_URL"}
    for variable in named - set(missing):
        assert variable not in result.output
    assert "sviftdesk run" in result.output


def test_logs_are_json_with_correlation_id_and_without_personal_data(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", json=True)
    log = structlog.get_logger("test")
    with bind_correlation_id("req-1"):
        log.info("ticket.created", email="ivan@example.com", note="from ivan@example.com", n=3)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["correlation_id"] == "req-1"
    assert line["email"] == "[redacted]"
    assert "ivan@example.com" not in json.dumps(line)
    assert line["n"] == 3
    configure_logging("INFO", json=False)
