"""Configuration is validated at start-up; logs carry correlation ids and no personal data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import structlog
from click.testing import CliRunner

from services.cli import main
from shared.logging import bind_correlation_id, configure_logging
from shared.settings import GROUPS, Settings, SettingsError, env_variables, load_settings


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
    assert settings.amqp_url is None and settings.deliveries.smtp_url is None
    monkeypatch.setenv("SVIFTDESK_DATABASE_URL", "postgresql://u@db/sviftdesk")
    assert Settings().database_url_for("sla") == "postgresql+asyncpg://u@db/sviftdesk"


README = Path(__file__).resolve().parents[2] / "README.md"
# A valid value other than the default for each setting that is not a number or a flag.
SAMPLES = {
    "SVIFTDESK_DATABASE_URL": "postgresql+asyncpg://u@db/sviftdesk",
    "SVIFTDESK_AMQP_URL": "amqp://rabbit/",
    "SVIFTDESK_SMTP_URL": "smtp://mail.example.com:25",
    "SVIFTDESK_POLICY_FILE": "/etc/sviftdesk/policy.toml",
    "SVIFTDESK_VAR_DIR": "/srv/var",
    "SVIFTDESK_BUS_PREFIX": "other",
    "SVIFTDESK_SECRET_KEY": "0123456789abcdef" * 2,
    "SVIFTDESK_SECRET_KEYS": "0123456789abcdef" * 2 + "," + "fedcba9876543210" * 2,
    "SVIFTDESK_WEBHOOK_ALLOWED_NETWORKS": "10.20.0.0/16",
    "SVIFTDESK_MAIL_FROM": "Desk <desk@example.com>",
    "SVIFTDESK_MAIL_DOMAIN": "example.com",
    "SVIFTDESK_CORS_ORIGINS": "https://example.com",
    "SVIFTDESK_OIDC_ISSUER": "https://sso.example.com",
    "SVIFTDESK_OIDC_CLIENT_ID": "desk",
    "SVIFTDESK_OIDC_CLIENT_SECRET": "secret",
    "SVIFTDESK_OIDC_SCOPES": "openid email",
    "SVIFTDESK_LOG_LEVEL": "DEBUG",
    "SVIFTDESK_METRICS_HOST": "127.0.0.1",
    "SVIFTDESK_SMTP_LISTEN_HOST": "127.0.0.1",
    "SVIFTDESK_SUPPORT_ADDRESSES": "help@example.com",
    "SVIFTDESK_MAIL_AUTHSERV_IDS": "mx.example.com",
    "SVIFTDESK_SMTP_TLS_CERT_FILE": "/etc/tls/cert.pem",
    "SVIFTDESK_SMTP_TLS_KEY_FILE": "/etc/tls/key.pem",
    "SVIFTDESK_IMAP_URL": "imaps://user:password@imap.example.com/INBOX",
    "SVIFTDESK_RATE_LIMIT_STORAGE_URL": "redis://cache:6379",
    "SVIFTDESK_TRUSTED_PROXIES": "10.0.0.0/8",
    "SVIFTDESK_TRACKER_SECRET": "secret",
}
# What a setting needs beside it to be valid.
COMPANIONS = {
    "SVIFTDESK_OIDC_ISSUER": ("SVIFTDESK_OIDC_CLIENT_ID",),
    "SVIFTDESK_SMTP_TLS_CERT_FILE": ("SVIFTDESK_SMTP_TLS_KEY_FILE",),
    "SVIFTDESK_SMTP_TLS_KEY_FILE": ("SVIFTDESK_SMTP_TLS_CERT_FILE",),
}


def _documented() -> list[str]:
    """The variables of the README's configuration table (its first column)."""
    names: list[str] = []
    for line in README.read_text().splitlines():
        if line.startswith("| `SVIFTDESK_"):
            names += re.findall(r"SVIFTDESK_[A-Z_]+", line.split("|")[1])
    return names


def _sample(variable: str, default: object) -> str:
    if variable in SAMPLES:
        return SAMPLES[variable]
    if variable.startswith("SVIFTDESK_RATE_LIMIT_PER_") or variable.endswith("_REVIEWS"):
        return "1/second"
    if variable.endswith("_MS"):
        return "7,8"
    if variable.endswith("_URL"):
        return "https://elsewhere.example.com/path"
    if isinstance(default, bool):
        return str(not default).lower()
    assert isinstance(default, int | float), (variable, default)
    return str(default + 1)


def test_every_setting_is_documented() -> None:
    documented = _documented()
    assert len(documented) == len(set(documented))
    assert set(documented) == set(env_variables())
    # The table of groups names each group, and each of its variables by name or pattern.
    rows = [line.split("|") for line in README.read_text().splitlines()]
    groups = {r[1].strip(" `"): r[3] for r in rows if len(r) > 3 and r[1].strip(" `") in GROUPS}
    assert set(groups) == set(GROUPS)
    for variable, (*group, _name) in env_variables().items():
        if group:
            patterns = re.findall(r"`([A-Z_*]+)`", groups[group[0]])
            short = variable.removeprefix("SVIFTDESK_")
            assert any(re.fullmatch(p.replace("*", ".*"), short) for p in patterns), variable


@pytest.mark.parametrize("variable", _documented())
def test_each_documented_variable_still_sets_its_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """The settings are grouped by concern; the variables kept their flat names."""
    path = env_variables()[variable]
    *group, name = path
    model = GROUPS[group[0]] if group else Settings
    default = model.model_fields[name].default
    for other in env_variables():
        monkeypatch.delenv(other, raising=False)
    for companion in (variable, *COMPANIONS.get(variable, ())):
        monkeypatch.setenv(companion, _sample(companion, default))
    settings = load_settings()
    holder = getattr(settings, group[0]) if group else settings
    assert name in holder.model_fields_set
    assert getattr(holder, name) != default


def test_flat_keywords_reach_their_group() -> None:
    settings = Settings(smtp_listen_port=0, max_request_bytes=4096, var_dir=Path("v"))
    assert settings.mail_intake.smtp_listen_port == 0
    assert settings.limits.max_request_bytes == 4096 and settings.var_dir == Path("v")
    copy = settings.model_copy(update={"smtp_listen_port": 2626, "log_json": False})
    assert copy.mail_intake.smtp_listen_port == 2626 and not copy.log_json
    assert copy.limits.max_request_bytes == 4096
    assert settings.mail_intake.smtp_listen_port == 0
    with pytest.raises(SettingsError, match="SVIFTDESK_SMTP_LISTEN_PORT"):
        load_settings(smtp_listen_port=-1)


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
