"""deploy/kubernetes/ is valid Kubernetes and stays in step with the code, as compose does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import kubernetes_validate
import pytest
import yaml
from pydantic import ValidationError

from services.cli import main
from shared.settings import PORTS, SERVICES, MailIntakeSettings, Settings, env_variables
from tests.support import TEST_SECRET_KEY

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
KUBE = DEPLOY / "kubernetes"
# The oldest release these manifests promise to fit, and the newest the validator knows.
KUBE_VERSIONS = ("1.30", kubernetes_validate.latest_version())


def _kustomization() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    return data


def _manifest_files() -> list[Path]:
    return sorted(p for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml")


def _documents() -> list[dict[str, Any]]:
    return [
        doc
        for path in _manifest_files()
        for doc in yaml.safe_load_all(path.read_text())
        if doc is not None
    ]


def _find(kind: str, name: str) -> dict[str, Any]:
    found = [d for d in _documents() if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, len(found))
    return found[0]


def _env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as kustomize and `kubectl create secret --from-env-file` read them."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def _port(container: dict[str, Any], port: int | str) -> int:
    """A probe's or a Service's port, named or numbered, as the container's number."""
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in container["ports"] if p["name"] == port]
    return int(number)


def _image_user() -> int:
    """The uid deploy/Dockerfile creates and runs as."""
    (uid,) = re.findall(r"useradd [^\n]*--uid (\d+)", (DEPLOY / "Dockerfile").read_text())
    return int(uid)


def _parses(args: list[str]) -> None:
    """The ``sviftdesk`` command accepts ``args`` (an unknown option or service raises)."""
    with click.Context(main) as context:
        command = main.get_command(context, args[0])
        assert command is not None, args
        command.make_context(args[0], list(args[1:]), parent=context)


def _known_variables() -> set[str]:
    return set(env_variables())


@pytest.mark.parametrize("version", KUBE_VERSIONS)
def test_every_manifest_is_valid_kubernetes(version: str) -> None:
    documents = _documents()
    assert documents
    for document in documents:
        # strict: an unknown field (a typo, a field from a newer release) is an error.
        kubernetes_validate.validate(document, version, strict=True)


def test_kustomization_lists_exactly_the_manifests_and_its_files_exist() -> None:
    kustomization = _kustomization()
    assert set(kustomization["resources"]) == {p.name for p in _manifest_files()}
    assert not list(KUBE.glob("*.yml")), "name manifests *.yaml, so the checks here see them"
    listed = list(kustomization["resources"])
    for generator in kustomization.get("configMapGenerator", []):
        listed += generator.get("envs", []) + generator.get("files", [])
    for name in listed:
        assert (KUBE / name).is_file(), name
    # The Secret's example is for ops to copy; applying it would ship placeholder credentials.
    assert "secret.example.env" not in listed
    labels = {k: v for entry in kustomization["labels"] for k, v in entry["pairs"].items()}
    assert labels["app.kubernetes.io/part-of"] == "sviftdesk"


def test_every_service_is_deployed_on_its_port_with_probes() -> None:
    config = _kustomization()["configMapGenerator"][0]["name"]
    for name in SERVICES:
        port = PORTS[name]
        deployment = _find("Deployment", f"sviftdesk-{name}")
        spec = deployment["spec"]
        assert spec["replicas"] >= 2, name
        pod = spec["template"]["spec"]
        (container,) = pod["containers"]
        # The HTTP server must take connections on the pod's address, not only loopback.
        assert container["args"] == ["serve", name, "--host", "0.0.0.0", "--port", str(port)]
        _parses(container["args"])
        assert _port(container, "http") == port
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert _port(container, container[probe]["httpGet"]["port"]) == port, (name, probe)
        assert [
            source.get("configMapRef", source.get("secretRef"))["name"]
            for source in container["envFrom"]
        ] == [
            config,
            "sviftdesk",  # the Secret last: where both set a variable, the Secret wins
        ]
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == _image_user()
        assert {"requests", "limits"} <= set(container["resources"])
        # Shutdown is bounded at 10 s a step (shared/runtime.py): more than one step's worth.
        assert pod["terminationGracePeriodSeconds"] >= 30

        selector = spec["selector"]["matchLabels"]
        assert selector.items() <= spec["template"]["metadata"]["labels"].items()
        service = _find("Service", f"sviftdesk-{name}")
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
        assert service["spec"]["selector"] == selector
        (service_port,) = service["spec"]["ports"]
        assert service_port["port"] == port
        assert _port(container, service_port["targetPort"]) == port
        budget = _find("PodDisruptionBudget", f"sviftdesk-{name}")
        assert budget["spec"]["minAvailable"] == 1
        assert budget["spec"]["selector"]["matchLabels"] == selector


def test_intake_takes_mail_from_outside_on_the_port_it_listens_on() -> None:
    deployment = _find("Deployment", "sviftdesk-intake")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item["value"] for item in container.get("env", [])}
    assert env["SVIFTDESK_SMTP_LISTEN_HOST"] == "0.0.0.0"
    listen_port = int(env["SVIFTDESK_SMTP_LISTEN_PORT"])
    assert listen_port == MailIntakeSettings.model_fields["smtp_listen_port"].default
    smtp = _find("Service", "sviftdesk-intake-smtp")
    assert smtp["spec"]["type"] == "LoadBalancer"
    assert smtp["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    (port,) = smtp["spec"]["ports"]
    assert _port(container, port["targetPort"]) == listen_port


def test_the_migrate_job_runs_migrate_with_the_services_settings() -> None:
    job = _find("Job", "sviftdesk-migrate")
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    _parses(container["args"])
    services = _find("Deployment", "sviftdesk-intake")["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == services[0]["envFrom"]


def test_every_container_runs_the_image_the_kustomization_names() -> None:
    (image,) = _kustomization()["images"]
    containers = [
        c
        for d in _documents()
        if d["kind"] in ("Deployment", "Job")
        for c in d["spec"]["template"]["spec"]["containers"]
    ]
    assert len(containers) == len(SERVICES) + 1
    for container in containers:
        assert container["image"] == image["name"], container["name"]


def test_every_variable_named_is_one_the_code_reads() -> None:
    text = "".join(p.read_text() for p in sorted(KUBE.iterdir()) if p.is_file())
    named = set(re.findall(r"\bSVIFTDESK_[A-Z_]+", text))
    assert named <= _known_variables(), named - _known_variables()
    secret = _env_file(KUBE / "secret.example.env")
    # Required once services run apart (serve, shared.auth.load_signer), and secret.
    assert {"SVIFTDESK_DATABASE_URL", "SVIFTDESK_AMQP_URL", "SVIFTDESK_SECRET_KEY"} <= set(secret)
    config = _env_file(KUBE / "config.env")
    # Unset, outgoing mail would go to files in the pod and the beta links to localhost.
    assert {"SVIFTDESK_SMTP_URL", "SVIFTDESK_NOTIFIER_PUBLIC_URL"} <= set(config)
    assert not set(config) & {
        "SVIFTDESK_DATABASE_URL",
        "SVIFTDESK_AMQP_URL",
        "SVIFTDESK_SECRET_KEY",
    }
    compose = {k for k in _env_file(DEPLOY / ".env.example") if k.startswith("SVIFTDESK_")}
    assert compose <= set(config), compose - set(config)


def test_the_shipped_settings_are_valid_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in (KUBE / "config.env", KUBE / "secret.example.env"):
        for key, value in _env_file(path).items():
            monkeypatch.setenv(key, value)
    # The placeholder key is refused on purpose, so that no one ships it; a real one passes.
    with pytest.raises(ValidationError, match="secret_key"):
        Settings()
    monkeypatch.setenv("SVIFTDESK_SECRET_KEY", TEST_SECRET_KEY)
    settings = Settings()
    assert settings.database_url and settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.amqp_url and settings.deliveries.smtp_url
