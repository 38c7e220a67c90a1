"""`make chaos`: a fault run proving that an outage delays, never drops.

Starts its own PostgreSQL cluster and RabbitMQ node on free ports under a temporary directory
(never the machine's), the four services on them as `sviftdesk serve` would run them, and an
SMTP server for their mail. It files tickets steadily by HTTP and SMTP, retrying each with its
Idempotency-Key (or the same message) as a real client does, while it kills RabbitMQ, restarts
PostgreSQL, kills the notifier and intake (SIGKILL) and stops the SMTP server, restarting each.
Then it waits for the system to settle and prints what came of every accepted request
(chaos/check.py decides). Exit status 1 when anything accepted was lost or doubled.

    python chaos/run.py [--gap 15] [--outage 5] [--http-rate 3] [--smtp-rate 1] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import glob
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import aiosmtplib
import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chaos.check import Fault, Receipt, Request, Ticket, report, verify  # noqa: E402

SERVICES = ("intake", "sla", "notifier", "escalation")
SUPPORT = "support@sviftcommunity.ru"
_taken: set[int] = set()


def free_port() -> int:
    """A free port below the ephemeral range: Erlang listens without SO_REUSEADDR, so a port
    some recent connection used (TIME_WAIT) would refuse RabbitMQ."""
    while True:
        port = random.randint(20_000, 32_000)
        if port in _taken:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


async def wait_until(what: str, probe: Callable[[], Awaitable[bool]], within: float) -> None:
    deadline = time.monotonic() + within
    while not await probe():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {within:.0f} s")
        await asyncio.sleep(0.2)


async def port_open(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    return True


def spawn(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A server in a process group of its own (a kill takes its children too), logging to
    ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


def run_checked(command: list[str], **options: Any) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **options)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)}: {done.stdout}{done.stderr}")


class Postgres:
    """A cluster of our own: initdb under the temporary directory, TCP on a free port only."""

    def __init__(self, home: Path) -> None:
        found = shutil.which("initdb") or max(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"), default=None
        )
        if found is None:
            raise SystemExit("make chaos needs PostgreSQL's server programs (initdb, pg_ctl)")
        self.bin = Path(found).parent
        self.home = home
        self.data = home / "data"
        self.port = free_port()
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/sviftdesk"
        # initdb refuses to run as root: as root, the cluster is the postgres user's.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _pg(self, *args: str) -> None:
        run_checked([*self.as_user, *args])

    async def init(self) -> None:
        self.home.mkdir()
        if self.as_user:
            shutil.chown(self.home, "postgres")
        self._pg(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                 "-E", "UTF8", "--no-sync")  # fmt: skip
        await self.start()
        conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres")
        try:
            await conn.execute("CREATE DATABASE sviftdesk")
        finally:
            await conn.close()

    async def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
        options += "-c max_connections=400"
        await asyncio.to_thread(
            self._pg, str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
            str(self.home / "postgres.log"), "-w", "-t", "120", "-o", options, "start",
        )  # fmt: skip

    async def stop(self, mode: str = "fast") -> None:
        await asyncio.to_thread(
            self._pg, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"
        )


class Rabbit:
    """A node of our own: its own name, ports, data and cookie (HOME), no plugins, and not the
    machine's rabbitmq-env.conf."""

    def __init__(self, home: Path) -> None:
        # Debian's /usr/sbin wrappers would run the node as the rabbitmq user, with its cookie.
        scripts = Path("/usr/lib/rabbitmq/bin")
        if not scripts.is_dir() and shutil.which("rabbitmq-server") is None:
            raise SystemExit("make chaos needs RabbitMQ's server (rabbitmq-server, rabbitmqctl)")
        self.server = str(scripts / "rabbitmq-server") if scripts.is_dir() else "rabbitmq-server"
        self.ctl = str(scripts / "rabbitmqctl") if scripts.is_dir() else "rabbitmqctl"
        self.home = home
        self.port = free_port()
        self.node = f"sviftdesk-chaos-{os.getpid()}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "HOME": str(home),  # the Erlang cookie, shared by the node and rabbitmqctl
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(home / "mnesia"),
            "RABBITMQ_LOG_BASE": str(home / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(home / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(home / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(home / "rabbitmq-env.conf"),
        }

    def init(self) -> None:
        self.home.mkdir()
        (self.home / "enabled_plugins").write_text("[].\n")
        (self.home / "rabbitmq.conf").write_text("loopback_users.guest = true\n")
        (self.home / "rabbitmq-env.conf").write_text("")

    async def start(self) -> None:
        self.process = spawn([self.server], self.home / "server.log", self.env)
        await wait_until("RabbitMQ's port", lambda: port_open(self.port), 120)
        # rabbitmqctl reaches the node only with its cookie: checked here, once it listens.
        await asyncio.to_thread(
            run_checked,
            [self.ctl, "-n", self.node, "await_startup", "--timeout", "60"],
            env=self.env,
        )

    async def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.process.wait)

    async def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            await asyncio.to_thread(
                run_checked, [self.ctl, "-n", self.node, "stop"], env=self.env, timeout=60
            )
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.process.wait)


class Service:
    """One service as `sviftdesk serve` runs it, in a process of its own."""

    def __init__(self, name: str, env: dict[str, str], logs: Path) -> None:
        self.name, self.env, self.logs = name, env, logs
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = spawn(
            [sys.executable, "-m", "services.cli", "serve", self.name, "--host", "127.0.0.1",
             "--port", str(self.port)],
            self.logs / f"{self.name}.log",
            self.env,
        )  # fmt: skip
        async with httpx.AsyncClient(timeout=2) as client:

            async def ready() -> bool:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited; see {self.logs}/{self.name}.log")
                try:
                    answer = await client.get(f"http://127.0.0.1:{self.port}/readyz")
                except httpx.HTTPError:
                    return False
                return answer.status_code == 200

            await wait_until(f"{self.name} ready", ready, 120)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await asyncio.to_thread(self.process.wait)

    async def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            await asyncio.to_thread(self.process.wait, 20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            await asyncio.to_thread(self.process.wait)


class MailSink:
    """The SMTP server the notifier sends to (chaos/sink.py), in a process of its own."""

    def __init__(self, home: Path) -> None:
        self.port = free_port()
        self.home = home
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        self.process = spawn(
            [sys.executable, str(ROOT / "chaos" / "sink.py"), str(self.port),
             str(self.home / "mail.log")],
            self.home / "sink.log",
            dict(os.environ),
        )  # fmt: skip
        await wait_until("the SMTP server", lambda: port_open(self.port), 60)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await asyncio.to_thread(self.process.wait)

    async def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            await asyncio.to_thread(self.process.wait)

    def message_ids(self) -> Counter[str]:
        log = self.home / "mail.log"
        return Counter(log.read_text().splitlines()) if log.exists() else Counter()


class Filer:
    """Files tickets at a steady rate, each retried (same key, same message) until accepted."""

    def __init__(self, intake: Service, smtp_port: int, retry_for: float) -> None:
        self.intake, self.smtp_port, self.retry_for = intake, smtp_port, retry_for
        self.requests: list[Request] = []
        self.stopped_at: float | None = None
        self.run_id = secrets.token_hex(3)
        # Below intake's limit of SMTP connections from one address (10), retries included.
        self.smtp_connections = asyncio.Semaphore(8)

    async def file(self, channel: str, rate: float, stop: asyncio.Event) -> None:
        tries = []
        n = 0
        async with httpx.AsyncClient(timeout=15) as client:
            while not stop.is_set():
                n += 1
                one = self._http(client, n) if channel == "http" else self._smtp(n)
                tries.append(asyncio.create_task(one))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1 / rate)
            self.requests += await asyncio.gather(*tries)

    def _give_up(self) -> bool:
        return self.stopped_at is not None and time.monotonic() > self.stopped_at + self.retry_for

    async def _http(self, client: httpx.AsyncClient, n: int) -> Request:
        marker = f"chaos-h-{n:06d}"
        body = {
            "channel": "web",
            "customer": {"email": f"h{n}.{self.run_id}@example.com", "name": "Хаос"},
            "subject": f"Не проходит оплата {marker}",
            "body": "При оплате картой страница зависает.",
        }
        headers = {"Idempotency-Key": f"{self.run_id}-{marker}"}
        url = f"http://127.0.0.1:{self.intake.port}/v1/tickets"
        answers: list[str] = []
        while not self._give_up():
            try:
                answer = await client.post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                answers.append(type(exc).__name__)
            else:
                answers.append(str(answer.status_code))
                if answer.status_code == 201:
                    number = answer.json()["number"]
                    return Request(marker, "http", tuple(answers), time.time(), number)
                if answer.status_code < 500 and answer.status_code != 429:
                    break  # the run asked wrongly: no retry mends it
            await asyncio.sleep(1)
        return Request(marker, "http", tuple(answers))

    async def _smtp(self, n: int) -> Request:
        marker = f"chaos-m-{n:06d}"
        sender = f"m{n}.{self.run_id}@example.com"
        message = EmailMessage()
        message["From"] = sender
        message["To"] = SUPPORT
        message["Subject"] = f"Не приходит код {marker}"
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain="example.com")
        message.set_content("Здравствуйте! Код подтверждения не приходит уже час.")
        answers: list[str] = []
        while not self._give_up():
            try:
                async with self.smtp_connections:
                    _, said = await aiosmtplib.send(
                        message, hostname="127.0.0.1", port=self.smtp_port, timeout=15,
                        sender=sender, recipients=[SUPPORT], start_tls=False,
                    )  # fmt: skip
            except aiosmtplib.SMTPResponseException as exc:
                answers.append(str(exc.code))
            except (aiosmtplib.SMTPException, OSError) as exc:
                answers.append(type(exc).__name__)
            else:
                answers.append("250")
                # "2.0.0 Accepted (SC-000123)": the number, or what was done instead
                what = said.rsplit("(", 1)[-1].rstrip(")")
                number = what if what.startswith("SC-") else None
                return Request(marker, "smtp", tuple(answers), time.time(), number)
            await asyncio.sleep(1)
        return Request(marker, "smtp", tuple(answers))


async def settled(url: str, expected: int) -> tuple[int, int]:
    """Tickets still without a sent receipt, and without a clock."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        waiting = await conn.fetchval(
            "SELECT count(*) FROM intake.ticket t WHERE NOT EXISTS (SELECT 1 FROM"
            " notifier.delivery d WHERE d.ticket_id = t.id AND d.template = 'receipt'"
            " AND d.status = 'sent')"
        )
        unclocked = await conn.fetchval(
            "SELECT count(*) FROM intake.ticket t WHERE NOT EXISTS"
            " (SELECT 1 FROM sla.clock c WHERE c.ticket_id = t.id)"
        )
        tickets = await conn.fetchval("SELECT count(*) FROM intake.ticket")
    finally:
        await conn.close()
    return waiting + max(0, expected - tickets), unclocked


async def collect(url: str) -> tuple[list[Ticket], list[Receipt], list[str]]:
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        tickets = [
            Ticket(str(row["id"]), f"SC-{row['number']:06d}", row["subject"])
            for row in await conn.fetch("SELECT id, number, subject FROM intake.ticket")
        ]
        receipts = [
            Receipt(
                str(row["ticket_id"]),
                row["status"],
                row["sent_at"].timestamp() if row["sent_at"] else None,
            )
            for row in await conn.fetch(
                "SELECT ticket_id, status, sent_at FROM notifier.delivery"
                " WHERE template = 'receipt'"
            )
        ]
        clocks = [
            str(row["ticket_id"]) for row in await conn.fetch("SELECT ticket_id FROM sla.clock")
        ]
    finally:
        await conn.close()
    return tickets, receipts, clocks


def parked_events(env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "dlq", "list"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"sviftdesk dlq list: {done.stderr}")
    return len(done.stdout.splitlines())


def workdir() -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="sviftdesk-chaos-"))
    tmp.chmod(0o755)  # the postgres user reaches its cluster inside
    return tmp


async def main(args: argparse.Namespace) -> int:
    tmp = workdir()
    say(f"working in {tmp}")
    postgres, rabbit, sink = Postgres(tmp / "postgres"), Rabbit(tmp / "rabbitmq"), MailSink(tmp)
    smtp_in = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SVIFTDESK_DATABASE_URL": postgres.url,
        "SVIFTDESK_AMQP_URL": rabbit.url,
        "SVIFTDESK_SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
        "SVIFTDESK_SECRET_KEY": secrets.token_hex(32),
        "SVIFTDESK_VAR_DIR": str(tmp / "var"),
        "SVIFTDESK_SMTP_LISTEN_HOST": "127.0.0.1",
        "SVIFTDESK_SMTP_LISTEN_PORT": str(smtp_in),
        # Outages of seconds are waited out, not parked: retries span a minute and more.
        "SVIFTDESK_RETRY_DELAYS_MS": "500,2000,5000,15000,30000,60000",
        "SVIFTDESK_NOTIFY_RETRY_DELAYS_MS": "1000,2000,5000,10000,30000,60000",
        "SVIFTDESK_RELAY_POLL_SECONDS": "0.5",
        # One client files everything: the limits for the public would refuse it.
        "SVIFTDESK_RATE_LIMIT_PER_CLIENT": "1000000/minute",
        "SVIFTDESK_RATE_LIMIT_PER_CUSTOMER": "1000000/minute",
        "SVIFTDESK_SMTP_MESSAGES_PER_MINUTE": "1000000",
        "SVIFTDESK_LOG_LEVEL": "WARNING",
    }
    services = {name: Service(name, env, tmp) for name in SERVICES}
    faults: list[Fault] = []
    try:
        say("starting PostgreSQL, RabbitMQ and the SMTP server")
        rabbit.init()
        await asyncio.gather(postgres.init(), rabbit.start(), sink.start())
        await asyncio.to_thread(
            run_checked, [sys.executable, "-m", "services.cli", "migrate"], env=env, cwd=ROOT
        )
        for service in services.values():  # one at a time: each declares its queues
            await service.start()
        say("services ready: " + ", ".join(f"{s.name} :{s.port}" for s in services.values()))

        filer = Filer(services["intake"], smtp_in, retry_for=args.retry_for)
        stop = asyncio.Event()
        filing = asyncio.gather(
            filer.file("http", args.http_rate, stop), filer.file("smtp", args.smtp_rate, stop)
        )

        async def fault(name: str, down: Callable[[], Awaitable[Any]],
                        up: Callable[[], Awaitable[Any]], outage: float) -> None:  # fmt: skip
            await asyncio.sleep(args.gap)
            say(f"fault: {name}")
            down_at = time.time()
            await down()
            await asyncio.sleep(outage)
            await up()
            faults.append(Fault(name, down_at, time.time()))
            say(f"  back after {faults[-1].up_at - down_at:.1f} s")

        outage = args.outage
        await fault("RabbitMQ killed (SIGKILL)", rabbit.kill, rabbit.start, outage)
        await fault("PostgreSQL restarted", lambda: postgres.stop("immediate"), postgres.start,
                    outage)  # fmt: skip
        await fault("notifier killed (SIGKILL)", services["notifier"].kill,
                    services["notifier"].start, 1)  # fmt: skip
        await fault("RabbitMQ killed again", rabbit.kill, rabbit.start, outage)
        await fault("intake killed (SIGKILL)", services["intake"].kill,
                    services["intake"].start, 1)  # fmt: skip
        await fault("SMTP server killed", sink.kill, sink.start, 2 * outage)
        await fault("RabbitMQ killed a third time", rabbit.kill, rabbit.start, outage)
        await asyncio.sleep(args.gap)
        say("filing stops; requests still unanswered are retried for a while")
        stop.set()
        filer.stopped_at = time.monotonic()
        await filing
        accepted = sum(r.accepted_at is not None for r in filer.requests)

        say(f"waiting up to {args.settle:.0f} s for every receipt and clock")
        started = time.monotonic()
        while True:
            waiting, unclocked = await settled(postgres.url, accepted)
            if (waiting, unclocked) == (0, 0) or time.monotonic() - started > args.settle:
                break
            await asyncio.sleep(2)
        say(
            f"settled after {time.monotonic() - started:.1f} s"
            if (waiting, unclocked) == (0, 0)
            else f"not settled: {waiting} receipts, {unclocked} clocks still missing"
        )
        tickets, receipts, clocks = await collect(postgres.url)
        verdict = verify(
            filer.requests,
            tickets,
            receipts,
            clocks,
            parked_events=await asyncio.to_thread(parked_events, env),
            faults=faults,
        )
        print()
        print(report(verdict))
        mail = sink.message_ids()
        resent = sum(n - 1 for n in mail.values() if n > 1)
        print(
            f"mail at the SMTP server: {sum(mail.values())} messages, "
            f"{resent} of them a resend of one already received (a send cut off by a kill)"
        )
        return 0 if verdict.ok else 1
    finally:
        say("stopping")
        for service in services.values():
            with contextlib.suppress(Exception):
                await service.stop()
        with contextlib.suppress(Exception):
            await rabbit.stop()
        with contextlib.suppress(Exception):
            await postgres.stop()
        with contextlib.suppress(Exception):
            await sink.stop()
        if args.keep:
            say(f"kept {tmp} (logs of every service, PostgreSQL and RabbitMQ)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gap", type=float, default=15, help="seconds between faults")
    parser.add_argument("--outage", type=float, default=5, help="seconds a server stays down")
    parser.add_argument("--http-rate", type=float, default=2, help="HTTP requests a second")
    parser.add_argument("--smtp-rate", type=float, default=1, help="mails a second")
    parser.add_argument(
        "--retry-for",
        type=float,
        default=60,
        help="seconds a request is still retried after filing stops",
    )
    parser.add_argument("--settle", type=float, default=240, help="seconds to wait for receipts")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    sys.exit(asyncio.run(main(parser.parse_args())))
