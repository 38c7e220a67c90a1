"""deploy/ stays in step with the code: every service, port and variable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from shared.settings import PORTS, SERVICES, Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    return data


def _known_variables() -> set[str]:
    return {f"SVIFTDESK_{name.upper()}" for name in Settings.model_fields}


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
    assert "15672:15672" in services["rabbitmq"]["ports"]  # the management UI


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
