"""The SMTP server the notifier mails to during `make chaos`, in a process of its own (killed
and restarted as one of the faults; in the run's process it would fight the filers for the GIL).

    python chaos/sink.py PORT LOG

Appends each message's Message-ID to LOG, a line each, once the message is in.
"""

from __future__ import annotations

import email
import email.policy
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, log: TextIO) -> None:
        self.log = log

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.log.write(f"{message['Message-ID']}\n")
        self.log.flush()
        return "250 OK"


def main(port: int, log_path: Path) -> None:
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with log_path.open("a") as log:
        controller = Controller(
            Recorder(log), hostname="127.0.0.1", port=port, server_hostname="sink.chaos"
        )
        controller.start()
        stopped.wait()
        controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
