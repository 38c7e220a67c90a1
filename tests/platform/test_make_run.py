"""`make run`'s command, as a real process: four services on 8001–8004, mail as .eml files."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shared.settings import PORTS
from tests.support import ticket_body

SMTP_PORT = 2525  # intake's SMTP listener, on by default


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


# Tests on the fixed ports 8001-8004 and 2525 share one worker, so no two run at once.
@pytest.mark.xdist_group("fixed_ports")
@pytest.mark.slow
def test_sviftdesk_run_serves_the_slice_on_the_embedded_default(tmp_path: Path) -> None:
    busy = [port for port in (*PORTS.values(), SMTP_PORT) if not _port_free(port)]
    assert not busy, f"ports {busy} are taken: stop whatever runs there (a `make run`?)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SVIFTDESK_")}
    env |= {"SVIFTDESK_VAR_DIR": str(tmp_path / "var"), "SVIFTDESK_LOG_JSON": "true"}
    command = [str(Path(sys.executable).parent / "sviftdesk"), "run"]
    process = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if all(
                    httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200
                    for port in PORTS.values()
                ):
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None, "sviftdesk run exited early"
            assert time.monotonic() < deadline, "services did not become ready"
            time.sleep(0.2)

        with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=10) as smtp:  # inbound mail, too
            assert smtp.noop()[0] == 250
        response = httpx.post(
            f"http://127.0.0.1:{PORTS['intake']}/v1/tickets", json=ticket_body(), timeout=10
        )
        assert response.status_code == 201, response.text
        mail_dir = tmp_path / "var" / "mail"
        while not list(mail_dir.glob("*.eml")):
            assert time.monotonic() < deadline, "no receipt was written"
            time.sleep(0.1)
        [path] = mail_dir.glob("*.eml")
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert response.json()["number"] in str(mail["Subject"])
        for service in ("intake", "sla", "notifier", "escalation"):
            assert (tmp_path / "var" / f"{service}.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output.decode()[-2000:]
    assert b"ivan@example.com" not in output, "personal data in the logs"
    # Heard where HTTP is: on loopback unless `--host` or SVIFTDESK_SMTP_LISTEN_HOST say more.
    assert f"SMTP 127.0.0.1:{SMTP_PORT}".encode() in output, "the SMTP port is not announced"
