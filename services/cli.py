"""The ``sviftdesk`` command: run, serve one service, migrate, inspect parked events."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from fastapi import FastAPI

from services import SERVICE_APPS
from shared import signin
from shared.auth import Role, TokenSigner, load_signer
from shared.bus import Bus
from shared.bus.rabbit import RabbitBus
from shared.db import Database
from shared.logging import configure_logging
from shared.migrations import upgrade
from shared.runtime import make_bus
from shared.serving import Server, server_config, tune_gc
from shared.settings import PORTS, SERVICES, Settings, SettingsError, load_settings

SERVICE_CHOICE = click.Choice(SERVICES)
# How long `run` waits for its servers to stop before cancelling them.
SHUTDOWN_GRACE_SECONDS = 15.0


def app_factory(service: str) -> Callable[..., FastAPI]:
    factory: Callable[..., FastAPI] = importlib.import_module(SERVICE_APPS[service]).create_app
    return factory


def migrations_dir(service: str) -> Path:
    module = importlib.import_module(SERVICE_APPS[service])
    assert module.__file__ is not None
    return Path(module.__file__).parent / "migrations"


def schema_of(service: str) -> str:
    tables = importlib.import_module(f"services.{service}.tables")
    return str(tables.SCHEMA)


async def migrate_services(settings: Settings, services: tuple[str, ...] = SERVICES) -> None:
    for service in services:
        await upgrade(
            settings.database_url_for(service), schema_of(service), migrations_dir(service)
        )


def _settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    configure_logging(settings.log_level, json=settings.log_json)
    return settings


@click.group()
def main() -> None:
    """SviftDesk: the support back end of sviftcommunity."""


@main.command()
@click.argument("services", nargs=-1, type=SERVICE_CHOICE)
def migrate(services: tuple[str, ...]) -> None:
    """Bring the database schema of SERVICES (default: all) up to date."""
    settings = _settings()
    asyncio.run(migrate_services(settings, services or SERVICES))
    click.echo(f"migrated: {', '.join(services or SERVICES)}")


class _Server(Server):
    """Several servers share one process here, so the runner, not each server, owns signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _parse_ports(values: tuple[str, ...]) -> dict[str, int]:
    ports = dict(PORTS)
    for value in values:
        name, _, number = value.partition("=")
        if name not in PORTS or not number.isdecimal() or not 0 < int(number) < 65536:
            raise click.BadParameter(
                f"{value!r}: expected SERVICE=PORT, SERVICE one of {', '.join(SERVICES)}",
                param_hint="--port",
            )
        ports[name] = int(number)
    return ports


def _bind(host: str, port: int, what: str) -> socket.socket:
    """The listening socket, bound here so that a port in use is one line, not a traceback
    from each of four servers."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio turns Nagle off only on connections of a socket
    # that says so, and with it on, every answer on a kept-alive connection waited 40 ms
    # for the client's delayed ACK (each console page pays several such calls).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(
            f"{what} cannot listen on {host}:{port}: {exc.strerror}. Is another SviftDesk "
            f"(a `make run`?) running? Stop it, or choose other ports with --port/--smtp-port."
        ) from None
    sock.set_inheritable(True)
    return sock


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    "port_options",
    multiple=True,
    metavar="SERVICE=PORT",
    help="listen elsewhere than 8001-8006, e.g. --port intake=9001 (repeatable)",
)
@click.option("--smtp-port", type=click.IntRange(0, 65535), help="intake's SMTP port (0: off)")
@click.option("--no-migrate", is_flag=True, help="skip migrations at start")
def run(host: str, port_options: tuple[str, ...], smtp_port: int | None, no_migrate: bool) -> None:
    """Run all six services in one process (ports 8001-8006 unless --port says otherwise).

    Ctrl-C stops them gracefully; a second Ctrl-C stops at once."""
    settings = _settings()
    ports = _parse_ports(port_options)
    if "smtp_listen_host" not in settings.mail_intake.model_fields_set:
        # Mail is heard where HTTP is (loopback by default), unless ops say otherwise.
        settings = settings.model_copy(update={"smtp_listen_host": host})
    if smtp_port is not None:
        settings = settings.model_copy(update={"smtp_listen_port": smtp_port})
    settings = _console_reaches(settings, host, ports)
    sockets = {name: _bind(host, ports[name], name) for name in SERVICES}
    if settings.mail_intake.smtp_listen_port:
        # Only a check: intake's listener binds the port itself once it starts.
        _bind(
            settings.mail_intake.smtp_listen_host,
            settings.mail_intake.smtp_listen_port,
            "intake's SMTP",
        ).close()
    try:
        asyncio.run(_run_all(settings, host, sockets, migrate_first=not no_migrate))
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        for sock in sockets.values():
            sock.close()


def _console_reaches(settings: Settings, host: str, ports: dict[str, int]) -> Settings:
    """In one process the console calls its neighbours where they listen (and its sign-in
    links point at itself), unless the settings say otherwise."""
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    update: dict[str, object] = {
        f"{name}_url": f"http://{local}:{ports[name]}"
        for name in ("intake", "sla", "escalation", "notifier")
        if f"{name}_url" not in settings.peers.model_fields_set
    }
    if "console_public_url" not in settings.public.model_fields_set:
        update["console_public_url"] = f"http://{local}:{ports['console']}"
    if "portal_public_url" not in settings.public.model_fields_set:
        # Customers' mail links point at the portal served beside it.
        update["portal_public_url"] = f"http://{local}:{ports['portal']}"
    return settings.model_copy(update=update)


async def _run_all(
    settings: Settings, host: str, sockets: dict[str, socket.socket], *, migrate_first: bool
) -> None:
    if migrate_first:
        await migrate_services(settings)
    bus: Bus = make_bus(settings)
    await bus.start()
    servers = {
        name: _Server(
            server_config(
                app_factory(name)(settings, bus=bus),
                host=host,
                port=sockets[name].getsockname()[1],
                max_header_bytes=settings.limits.max_header_bytes,
            )
        )
        for name in SERVICES
    }
    tune_gc()
    loop = asyncio.get_running_loop()
    serving = asyncio.gather(
        *(server.serve(sockets=[sockets[name]]) for name, server in servers.items())
    )
    signals = 0

    def stop(*_: Any) -> None:
        # A server still starting (its broker accepts and never answers) does not look at
        # should_exit: after a grace period, or at a second signal, it is cancelled.
        nonlocal signals
        signals += 1
        for server in servers.values():
            server.should_exit = True
        if signals == 1:
            click.echo("stopping (Ctrl-C again to stop at once)", err=True)
            loop.call_later(SHUTDOWN_GRACE_SECONDS, serving.cancel)
        else:
            serving.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    where = "embedded (SQLite, events in var/bus.db)" if not settings.amqp_url else "RabbitMQ"
    mail_intake = settings.mail_intake
    smtp = (
        f", intake SMTP {mail_intake.smtp_listen_host}:{mail_intake.smtp_listen_port}"
        if mail_intake.smtp_listen_port
        else ""
    )
    click.echo(
        f"SviftDesk on {where}: "
        + ", ".join(f"{name} http://{host}:{sockets[name].getsockname()[1]}" for name in SERVICES)
        + smtp,
        err=True,
    )
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await serving
    finally:
        await bus.close()


@main.command()
@click.argument("service", type=SERVICE_CHOICE)
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", type=int, default=None, help="default: the service's own port")
def serve(service: str, host: str, port: int | None) -> None:
    """Run one SERVICE alone (what docker compose and Kubernetes run)."""
    settings = _settings()
    # The embedded defaults serve one process on one machine; a service alone, as compose and
    # Kubernetes run it, would quietly keep state, or mail, where no one else can see it.
    needs = [
        (
            "SVIFTDESK_AMQP_URL",
            settings.amqp_url,
            "the embedded bus joins only the services of one process",
        ),
        (
            "SVIFTDESK_DATABASE_URL",
            settings.database_url,
            "replicas share their state in PostgreSQL; a SQLite file would be each one's own",
        ),
    ]
    if service == "notifier":
        needs.append(
            (
                "SVIFTDESK_SMTP_URL",
                settings.deliveries.smtp_url,
                "without it mail is written to files in the container and no customer gets it",
            )
        )
    missing = [f"{name} ({why})" for name, value, why in needs if not value]
    if missing:
        raise click.ClickException(
            f"{service} alone needs " + "; ".join(missing) + ". To try SviftDesk on one "
            "machine without them, `sviftdesk run` starts every service in one process."
        )
    try:
        app = app_factory(service)(settings)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    tune_gc()
    config = server_config(
        app,
        host=host,
        port=port or PORTS[service],
        max_header_bytes=settings.limits.max_header_bytes,
    )
    Server(config).run()


@main.group()
def dlq() -> None:
    """Parked events: those a consumer gave up on after its retries."""


async def _with_bus(settings: Settings, action: Callable[[Bus], Any]) -> Any:
    """``action`` on RabbitMQ, or on the embedded bus's file under SVIFTDESK_VAR_DIR (beside a
    running `sviftdesk run` too: its consumers see replayed events within a second)."""
    bus = make_bus(settings)
    await bus.start()
    try:
        if isinstance(bus, RabbitBus):
            async with asyncio.timeout(15):
                await bus.wait_connected()
        return await action(bus)
    finally:
        await bus.close()


@dlq.command("list")
@click.option("--service", type=SERVICE_CHOICE, multiple=True, help="default: every consumer")
def dlq_list(service: tuple[str, ...]) -> None:
    """Show parked events with the error that parked them."""
    settings = _settings()

    async def show(bus: Bus) -> None:
        for consumer in service or _consumers(settings):
            for parked in await bus.parked(consumer):
                click.echo(
                    f"{consumer}\t{parked.event.id}\t{parked.event.type}\t{parked.event.time:%Y-%m-%dT%H:%M:%S%z}\t{parked.error}"
                )

    asyncio.run(_with_bus(settings, show))


@dlq.command("replay")
@click.option("--service", type=SERVICE_CHOICE, multiple=True, help="default: every consumer")
def dlq_replay(service: tuple[str, ...]) -> None:
    """Send parked events back to their consumer, retries reset."""
    settings = _settings()

    async def replay(bus: Bus) -> None:
        for consumer in service or _consumers(settings):
            count = await bus.replay(consumer)
            click.echo(f"{consumer}: replayed {count}")

    asyncio.run(_with_bus(settings, replay))


async def _on_intake(settings: Settings, action: Callable[[Database, TokenSigner], Any]) -> Any:
    """Run ``action`` on intake's database (migrated first), where credentials live."""
    from services.intake.tables import SCHEMA

    await migrate_services(settings, ("intake",))
    db = Database.connect(settings.database_url_for("intake"), SCHEMA)
    try:
        return await action(db, load_signer(settings))
    finally:
        await db.dispose()


def _issue(**fields: Any) -> None:
    from pydantic import ValidationError

    from services.intake.credentials import use_cases as credentials
    from services.intake.credentials.schemas import CredentialIn
    from shared.errors import ProblemError

    settings = _settings()
    try:
        request = CredentialIn(**fields)

        async def issue(db: Database, signer: TokenSigner) -> Any:
            async with credentials.unit_on(db) as uow:
                return await credentials.issue_from(uow, signer, request)

        issued = asyncio.run(_on_intake(settings, issue))
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise click.ClickException(reasons) from None
    except (ProblemError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    who = issued.email or issued.partner_name
    click.echo(
        f"{issued.role} {who}: id {issued.id}, valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC;"
        " the token, shown only now:",
        err=True,
    )
    click.echo(issued.token)
    if issued.role is not Role.partner:
        minutes = settings.auth.console_link_minutes
        grant = signin.new_grant(issued.id, issued.role, minutes)
        link = signin.link(load_signer(settings), settings.public.console_public_url, grant)
        click.echo(
            f"Sign in to the console (once, within {minutes:g} minutes): {link}",
            err=True,
        )


@main.group()
def agents() -> None:
    """Staff tokens: agents, senior specialists, admins."""


@agents.command("create")
@click.option("--email", required=True, help="the person's email")
@click.option("--name", default=None, help="the person's name, as the admin pages show it")
@click.option(
    "--role",
    type=click.Choice(["agent", "senior", "admin"]),
    default="agent",
    show_default=True,
)
def agents_create(email: str, name: str | None, role: str) -> None:
    """Issue a staff token and print it once (intake keeps only its hash), with a one-time
    sign-in link to the console."""
    _issue(role=role, email=email, name=name)


@main.group()
def partners() -> None:
    """Partner API keys, with scopes."""


@partners.command("create")
@click.option("--name", required=True, help="the partner's name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="tickets:write, tickets:read, webhooks, mail:write (repeat for several)",
)
def partners_create(name: str, scopes: tuple[str, ...]) -> None:
    """Issue a partner key and print it once (intake keeps only its hash)."""
    _issue(role="partner", partner_name=name, scopes=list(scopes))


@main.group("credentials")
def credentials_group() -> None:
    """Issued staff tokens and partner keys."""


@credentials_group.command("list")
def credentials_list() -> None:
    """Every issued credential: id, role, whose, scopes, created, revoked."""
    from services.intake.credentials import use_cases as credentials

    async def listing(db: Database, _signer: TokenSigner) -> Any:
        async with credentials.unit_on(db) as uow:
            return await credentials.listing(uow)

    for item in asyncio.run(_on_intake(_settings(), listing)):
        revoked = f"revoked {item.revoked_at:%Y-%m-%dT%H:%M:%S%z}" if item.revoked_at else "active"
        who = item.email or item.partner_name
        click.echo(f"{item.id}\t{item.role}\t{who}\t{','.join(item.scopes)}\t{revoked}")


@credentials_group.command("revoke")
@click.argument("credential_id", type=click.UUID)
def credentials_revoke(credential_id: uuid.UUID) -> None:
    """Revoke a token or key: intake refuses it from now on."""
    from services.intake.credentials import use_cases as credentials
    from shared.errors import ProblemError

    async def revoke(db: Database, _signer: TokenSigner) -> Any:
        async with credentials.unit_on(db) as uow:
            return await credentials.revoke(uow, credential_id)

    try:
        asyncio.run(_on_intake(_settings(), revoke))
    except ProblemError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"revoked {credential_id}")


def _consumers(settings: Settings) -> tuple[str, ...]:
    from shared.contracts.consumers import BINDINGS

    return tuple(BINDINGS)


if __name__ == "__main__":
    main()
