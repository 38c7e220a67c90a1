"""Write deploy/.env for docker compose: deploy/.env.example's settings with a generated
secret key and passwords (``make deploy/.env``). An existing file is kept: its key signs
every token and its passwords are already in the databases' volumes.

Standard library only: it runs before anything is installed."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

EXAMPLE = Path(__file__).with_name(".env.example")
GENERATED = ("POSTGRES_PASSWORD", "RABBITMQ_PASSWORD")


def render(example: str) -> str:
    lines = []
    for line in example.splitlines():
        name = line.partition("=")[0].strip()
        # Hex: safe inside the URLs compose builds from them, no quoting needed.
        lines.append(f"{name}={secrets.token_hex(24)}" if name in GENERATED else line)
    lines += [
        "",
        "# Generated: signs staff and partner tokens and derives customers' keys. Keep it",
        "# secret; to rotate it, see README.md (Security).",
        f"SVIFTDESK_SECRET_KEY={secrets.token_hex(32)}",
    ]
    return "\n".join(lines) + "\n"


def main(target: Path) -> int:
    if target.exists():
        print(f"{target} exists: kept (delete it to generate new secrets)", file=sys.stderr)
        return 0
    target.touch(mode=0o600)
    target.write_text(render(EXAMPLE.read_text()))
    print(f"{target} written with a new secret key and passwords", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLE.with_name(".env")))
