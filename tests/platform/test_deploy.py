"""deploy/ stays in step with the code: every service, port and variable."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.auth import load_signer
from shared.settings import PORTS, SERVICES, Settings, env_variables

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return data


def _known_variables() -> set[str]:
    return set(env_variables())


def test_compose_runs_every_service_on_its_port_after_migrations() -> None:
    services = _compose()["services"]
    assert {"postgres", "rabbitmq", "mailpit", "migrate", *SERVICES} <= set(services)
    assert services["migrate"]["command"] == ["migrate"]
    for name in SERVICES:
        service = services[name]
        port = PORTS[name]
        assert service["command"] == ["serve", name, "--port", str(port)]
        assert f"{port}:{port}" in service["ports"]
        assert str(port) in " ".join(service["healthcheck"]["test"])
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        environment = service["environment"]
        for variable in ("SVIFTDESK_DATABASE_URL", "SVIFTDESK_AMQP_URL", "SVIFTDESK_SMTP_URL"):
            assert variable in environment, (name, variable)
        assert environment["SVIFTDESK_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "127.0.0.1:15672:15672" in services["rabbitmq"]["ports"]  # the management UI


def test_every_variable_deploy_names_is_one_the_code_reads() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text() + (DEPLOY / ".env.example").read_text()
    named = set(re.findall(r"\bSVIFTDESK_[A-Z_]+", text))
    assert named, "deploy/ names no SVIFTDESK_ variables"
    assert named <= _known_variables(), named - _known_variables()
    spec = {
        "SVIFTDESK_DATABASE_URL",
        "SVIFTDESK_AMQP_URL",
        "SVIFTDESK_SMTP_URL",
        "SVIFTDESK_POLICY_FILE",
    }
    assert spec <= named


def test_one_image_serves_every_service() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["sviftdesk"]' in dockerfile
    assert "requirements.lock" in dockerfile


def _env(path: Path) -> dict[str, str]:
    pairs = (line.partition("=") for line in path.read_text().splitlines())
    return {name: value for name, sep, value in pairs if sep and not name.startswith("#")}


def _interpolate(text: str, env: dict[str, str]) -> str:
    """What compose does with ${NAME:?message}: the value, or an error without one."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert env.get(name), f"{name} is required and has no value"
        return env[name]

    return re.sub(r"\$\{(\w+):\?[^}]*\}", value, text)


def test_compose_works_as_shipped_with_generated_secrets(tmp_path: Path) -> None:
    compose = (DEPLOY / "docker-compose.yml").read_text()
    # No password has a default: without deploy/.env, compose stops and says what to run.
    assert not re.search(r"\$\{\w+:-", compose), "a variable with a default"
    assert compose.count(":?run make deploy/.env}") >= 3
    services = _compose()["services"]
    for name in ("postgres", "rabbitmq", "mailpit"):
        for published in services[name].get("ports", []):
            assert published.startswith("127.0.0.1:"), (name, published)
    with pytest.raises(AssertionError, match="POSTGRES_PASSWORD"):
        _interpolate(compose, _env(DEPLOY / ".env.example"))

    target = tmp_path / ".env"
    run = [sys.executable, str(DEPLOY / "make_env.py"), str(target)]
    subprocess.run(run, check=True, capture_output=True)
    assert target.stat().st_mode & 0o077 == 0  # the secrets are the owner's alone
    env = _env(target)
    first = target.read_text()
    subprocess.run(run, check=True, capture_output=True)
    assert target.read_text() == first  # kept: its key signed the tokens out there

    # What the services get is a valid configuration, with a strong key and fresh passwords.
    data = yaml.safe_load(_interpolate(compose, env))
    for name in SERVICES:
        given = {**env, **data["services"][name]["environment"]}
        settings = Settings(
            **{k[10:].lower(): v for k, v in given.items() if k[:10] == "SVIFTDESK_"}
        )
        assert settings.signing_keys() and load_signer(settings)
    other = tmp_path / "other.env"
    subprocess.run([*run[:-1], str(other)], check=True, capture_output=True)
    for name in ("POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "SVIFTDESK_SECRET_KEY"):
        assert len(env[name]) >= 32 and env[name] != _env(other)[name]
