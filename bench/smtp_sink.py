"""An SMTP sink in a process of its own, for `bench_notifier.py`: in the measured process a
sink thread would fight the event loop for the GIL and measure that fight instead.

    python bench/smtp_sink.py PORT LOG

Appends ``recipient monotonic-seconds`` to LOG for each message, as it arrives.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TextIO

from aiosmtpd.controller import Controller


class Recorder:
    def __init__(self, log: TextIO) -> None:
        self.log = log

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        arrived = time.monotonic()
        for recipient in envelope.rcpt_tos:
            self.log.write(f"{recipient} {arrived}\n")
        self.log.flush()
        return "250 OK"


def main(port: int, log_path: Path) -> None:
    with log_path.open("a") as log:
        controller = Controller(
            Recorder(log), hostname="127.0.0.1", port=port, server_hostname="sink.bench"
        )
        controller.start()
        print("ready", flush=True)
        sys.stdin.read()  # until the bench closes our stdin
        controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
