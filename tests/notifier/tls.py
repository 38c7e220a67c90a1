"""A throwaway certificate authority of one: a self-signed certificate for a test server."""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed(directory: Path, subject_alt_name: str) -> tuple[Path, Path]:
    """(certificate, key) for e.g. ``DNS:partner.example`` or ``IP:127.0.0.1``, a day long."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=sviftdesk-test"
    names = f"subjectAltName={subject_alt_name}"
    subprocess.run(
        [*command.split(), "-addext", names, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key
