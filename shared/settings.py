"""Configuration, read once from the environment (``SVIFTDESK_*``) and validated at start-up.

The settings are grouped by concern (``settings.mail_intake.smtp_listen_port``,
``settings.deliveries.notify_retry_delays_ms``…), so a component takes the part it needs. Each
setting keeps its flat variable, ``SVIFTDESK_`` and its name (``SVIFTDESK_SMTP_LISTEN_PORT``),
and flat keywords still work where settings are built or copied: ``Settings(smtp_listen_port=0)``
and ``settings.model_copy(update={"smtp_listen_port": 0})`` go to the setting's group.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Any, Self
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

SERVICES = ("intake", "sla", "notifier", "escalation", "console", "portal")
PORTS = {
    "intake": 8001,
    "sla": 8002,
    "notifier": 8003,
    "escalation": 8004,
    "console": 8005,
    "portal": 8006,
}
MIB = 1024 * 1024
ENV_PREFIX = "SVIFTDESK_"


class SettingsError(RuntimeError):
    """A bad configuration value; the message names the variable and the reason."""


def key_weakness(key: str) -> str | None:
    """Why a secret key is too weak to sign with, or None. A key is 32 characters or more of
    something random (``openssl rand -hex 32``); typed words and repeated characters are not."""
    if len(key) < 32:
        return "a key must be at least 32 characters long"
    counts = Counter(key)
    # Shannon entropy of its characters: random hex is about 4 bits each, a phrase far less.
    bits = -sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())
    if len(counts) < 10 or bits < 3.0:
        return "a key is too guessable: generate one, e.g. openssl rand -hex 32"
    return None


# Validators shared by several settings, as annotated types.


def _split(value: object) -> object:
    """A comma-separated variable, as a tuple of its non-empty parts."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _split_delays(value: object) -> object:
    if isinstance(value, str):
        return tuple(int(part) for part in value.split(",") if part.strip())
    return value


def _delays_positive(value: tuple[int, ...]) -> tuple[int, ...]:
    if not value or any(delay <= 0 for delay in value):
        raise ValueError("needs one or more positive delays in milliseconds, e.g. 1000,10000")
    return value


def _rate_limit(value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a rate limit: e.g. 20/minute;200/hour") from None
    return value


def _strong_key(value: SecretStr | None) -> SecretStr | None:
    if value is not None and (reason := key_weakness(value.get_secret_value())):
        raise ValueError(reason)
    return value


def _web_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must look like https://tracker.example/bugs")
    return value


CommaSeparated = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_split)]
Delays = Annotated[
    tuple[int, ...], NoDecode, BeforeValidator(_split_delays), AfterValidator(_delays_positive)
]
RateLimit = Annotated[str, AfterValidator(_rate_limit)]


class _Group(BaseModel):
    """One concern's settings; its fields are read from ``SVIFTDESK_<FIELD>`` like any other."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class BusSettings(_Group):
    """The event bus, the outboxes and the inboxes: every service's runtime."""

    bus_prefix: str = Field(
        default="sviftdesk", pattern=r"^[a-z][a-z0-9_.-]*$", description="exchange/queue prefix"
    )
    retry_delays_ms: Delays = (1_000, 10_000, 60_000, 300_000)
    delivery_limit: int = Field(default=10, ge=1, le=1000)
    prefetch: int = Field(default=32, ge=1, le=10_000)
    relay_poll_seconds: float = Field(default=1.0, gt=0)
    # Published events are kept this long for ops to look into, then deleted (they carry
    # customers' contacts); unpublished ones are never deleted.
    outbox_retention_hours: float = Field(default=168, gt=0)
    # Processed event ids are kept far longer than any redelivery can come (minutes).
    inbox_retention_days: float = Field(default=30, ge=1)


class HttpSettings(_Group):
    """What every service's HTTP side shows, and to whom."""

    # Web pages allowed to call the API from the browser (the site's own origin, say), comma
    # separated; unset: none, and only servers (the site's back end, partners) call it.
    cors_origins: CommaSeparated = ()
    # Off the public port: the API's description (/docs, /redoc, /openapi.json) can be turned
    # off, and /metrics moved to a port of its own that only the monitoring network reaches.
    public_docs: bool = True
    metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="0: /metrics on the API port; else intake serves it on this port, sla on +1, "
        "notifier on +2, escalation on +3, console on +4, portal on +5",
    )
    metrics_host: str = "0.0.0.0"

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        origins = tuple(origin.rstrip("/") for origin in value)
        for origin in origins:
            scheme, _, rest = origin.partition("://")
            if scheme not in ("http", "https") or not rest or "/" in rest:
                raise ValueError(
                    f"{origin!r} is not an origin: scheme and host only, "
                    "e.g. https://sviftcommunity.ru"
                )
        return origins


class LimitSettings(_Group):
    """The size of what a request may bring, and how long a retry is answered from memory."""

    max_request_bytes: int = Field(default=256 * 1024, ge=1024)
    # The request line and headers together (431 past it); ours need a few hundred bytes.
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    # One file attached to a ticket or a message, by mail or multipart/form-data (base64 in
    # JSON also has to fit under max_request_bytes); and all the files of one message.
    max_attachment_bytes: int = Field(default=20 * MIB, ge=1)
    max_message_attachments_bytes: int = Field(default=25 * MIB, ge=1)
    # A partner's or the site's Idempotency-Key is answered from memory this long; a retry
    # later than that files a new ticket.
    idempotency_retention_hours: float = Field(default=168, ge=1)


class RateLimitSettings(_Group):
    """Abuse (issue 14): budgets of anonymous writes and partner keys, in the limits package's
    notation ("20/minute;200/hour": every window must have room). Where the counts live:
    memory:// is one process's own; redis://host:6379 lets replicas share one budget."""

    rate_limit_storage_url: str = "memory://"
    rate_limit_per_client: RateLimit = "20/minute;200/hour"
    rate_limit_per_customer: RateLimit = "5/minute;20/hour;50/day"
    rate_limit_per_partner: RateLimit = "600/minute"
    # Complaints from one client that open a senior's review on their own; more within the
    # window are filed as complaints and wait for an agent to confirm them.
    rate_limit_complaint_reviews: RateLimit = "1/hour"
    # Reverse proxies (CIDRs) whose X-Forwarded-For names the client; unset: the socket's peer.
    trusted_proxies: CommaSeparated = ()

    @field_validator("rate_limit_storage_url")
    @classmethod
    def _rate_limit_storage(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("memory", "redis", "rediss"):
            raise ValueError("must be memory:// or redis://host:6379 (rediss:// with TLS)")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            try:
                ip_network(network, strict=False)
            except ValueError:
                raise ValueError(
                    f"{network!r} is not an address or network, e.g. 10.0.0.0/8"
                ) from None
        return value


class AuthSettings(_Group):
    """Signing in: how long tokens, sign-in links and console sessions last; single sign-on."""

    # A staff token works this long after it was issued, a partner key this many days.
    staff_token_hours: float = Field(default=12, gt=0, le=24 * 31)
    partner_key_days: float = Field(default=90, gt=0, le=3660)
    # The agent console's mailed sign-in links, and its sessions.
    console_link_minutes: float = Field(default=15, gt=0, le=24 * 60)
    console_session_hours: float = Field(default=12, gt=0, le=24 * 31)
    # OpenID Connect sign-in for staff (issue 16), intake being the client; unset issuer: off.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = "openid email profile"

    @field_validator("oidc_issuer")
    @classmethod
    def _oidc_issuer(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        # Plain http only on loopback, for a provider stub in tests and development.
        local = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")
        if not parts.hostname or not (parts.scheme == "https" or local):
            raise ValueError("must be an https:// URL (http:// only on 127.0.0.1 or localhost)")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _oidc_complete(self) -> Self:
        if self.oidc_issuer is not None:
            if not self.oidc_client_id:
                raise ValueError("SVIFTDESK_OIDC_ISSUER needs SVIFTDESK_OIDC_CLIENT_ID")
            if "openid" not in self.oidc_scopes.split():
                raise ValueError("SVIFTDESK_OIDC_SCOPES must include openid")
        return self


class PublicSettings(_Group):
    """What customers and staff see of us: our site, our mail's sender, our public addresses."""

    site_url: str = "https://sviftcommunity.ru"
    mail_from: str = "SviftDesk <support@sviftcommunity.ru>"
    mail_domain: str = "sviftcommunity.ru"
    # The notifier's and intake's public addresses (their own beta and rating pages stay for
    # partners); customers' mail links point at the portal (portal_public_url).
    notifier_public_url: str = "http://localhost:8003"
    intake_public_url: str = "http://localhost:8001"
    # The agent console (services/console): where sign-in links point.
    console_public_url: str = "http://localhost:8005"
    # The customers' portal (services/portal): where the links in customers' mail point.
    portal_public_url: str = "http://localhost:8006"


class PeerSettings(_Group):
    """Where a service reaches the others by HTTP (inner addresses): the console and the portal
    call them as the agent or the customer, the notifier fetches a reply's files from intake."""

    intake_url: str = "http://127.0.0.1:8001"
    sla_url: str = "http://127.0.0.1:8002"
    escalation_url: str = "http://127.0.0.1:8004"
    notifier_url: str = "http://127.0.0.1:8003"


class DeliverySettings(_Group):
    """The notifier's outgoing mail and webhooks."""

    smtp_url: str | None = Field(default=None, description="smtp://host:port; unset: .eml files")
    # smtp:// upgrades to TLS when the server offers STARTTLS; this refuses to send without it.
    smtp_require_starttls: bool = False
    # Mail and webhook deliveries: growing delays between tries, then the delivery is parked.
    notify_retry_delays_ms: Delays = (10_000, 60_000, 300_000, 1_800_000, 7_200_000)
    # A stage notice that says nothing but the new status waits this long; when another mail
    # about the ticket comes within it (the agent's reply, a newer stage), it is not sent on
    # its own: one mail per thing the customer needs to know. 0 sends every notice at once.
    mail_coalesce_seconds: float = Field(default=60.0, ge=0, le=3600)
    # Agents hear of a new request nobody has taken after this many business minutes; 0: never.
    staff_waiting_alert_minutes: int = Field(default=60, ge=0, le=100_000)
    # A whole webhook delivery, connection to answer: a slow or trickling endpoint is cut off.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Webhooks go to public https destinations only; these open plain http and the networks an
    # operator lists (a partner on a private link, say), for what the operator knows to be safe.
    webhook_allow_http: bool = False
    webhook_allowed_networks: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = ()
    webhook_max_per_partner: int = Field(default=10, ge=1, le=1000)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must look like smtp://host:port or smtps://host:port")
        return value

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def _webhook_networks(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        networks = []
        for part in (part.strip() for part in value.split(",")):
            if part:
                try:
                    networks.append(ip_network(part))
                except ValueError as exc:
                    raise ValueError(f"{exc}; list networks like 10.20.0.0/16,fd00::/8") from None
        return tuple(networks)


class TrackerSettings(_Group):
    """Bugs to development (clause 12): where forwards go, and the secret both ways sign with."""

    tracker_url: Annotated[str | None, AfterValidator(_web_url)] = Field(
        default=None, description="the development tracker's endpoint; unset: forwards wait"
    )
    tracker_secret: SecretStr | None = Field(
        default=None, description="signs our forwards and the tracker's fix callbacks"
    )
    # The whole exchange with the tracker, not each read: a dripping answer is given up.
    tracker_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Growing delays between tries of a forward; the last one repeats until the tracker answers.
    tracker_retry_delays_ms: Delays = (5_000, 30_000, 120_000, 600_000, 1_800_000)


class MailIntakeSettings(_Group):
    """Inbound mail (clause 3): intake's SMTP listener, the optional IMAP poller, their limits."""

    smtp_listen_host: str = Field(default="0.0.0.0", description="the SMTP listener's address")
    smtp_listen_port: int = Field(
        default=2525, ge=0, le=65535, description="the SMTP listener's port; 0 turns it off"
    )
    support_addresses: CommaSeparated = ("support@sviftcommunity.ru",)
    # The receiving MTAs whose Authentication-Results header intake believes: a DMARC pass there
    # lets a reply tagged only by its subject speak for the customer. Unset: nobody's.
    mail_authserv_ids: CommaSeparated = ()
    # A whole inbound message, headers and attachments included (552 over SMTP, 413 by HTTP):
    # room for 25 MiB of files, which base64 makes a third larger.
    max_mail_bytes: int = Field(default=35 * MIB, ge=1024)
    # More than this many messages from one sender within the window are kept, not filed.
    mail_throttle_messages: int = Field(default=20, ge=1)
    mail_throttle_window_seconds: int = Field(default=3600, ge=1)
    # Reading one message (off the event loop) may take this long; past it the message is kept
    # unread and listed for agents. Reading is linear, so only a parser bug gets near it.
    mail_parse_seconds: float = Field(default=5.0, gt=0)
    # Throttled mail is kept for agents to look at, then purged: a flood must not fill the disk.
    throttled_mail_retention_days: float = Field(default=30, gt=0)
    # The SMTP door's own limits, per connecting address: beyond the connections it is refused
    # (421, try later); beyond the messages per minute, per address or per envelope sender,
    # mail is kept as throttled. A header section over its limit is refused (552).
    smtp_connections_per_address: int = Field(default=10, ge=1)
    smtp_messages_per_minute: int = Field(default=30, ge=1)
    max_mail_header_bytes: int = Field(default=128 * 1024, ge=1024)
    # STARTTLS is offered when both are set (PEM files).
    smtp_tls_cert_file: Path | None = None
    smtp_tls_key_file: Path | None = None
    imap_url: SecretStr | None = Field(
        default=None, description="imaps://user:pass@host/INBOX to poll; unset: no polling"
    )
    imap_poll_seconds: float = Field(default=60.0, gt=0)

    @field_validator("support_addresses")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value or any("@" not in address for address in value):
            raise ValueError("needs one or more addresses, e.g. support@sviftcommunity.ru")
        return tuple(address.lower() for address in value)

    @field_validator("imap_url")
    @classmethod
    def _imap_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ValueError("must look like imaps://user:password@host/INBOX")
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> Self:
        if (self.smtp_tls_cert_file is None) != (self.smtp_tls_key_file is None):
            raise ValueError(
                "SVIFTDESK_SMTP_TLS_CERT_FILE and SVIFTDESK_SMTP_TLS_KEY_FILE go together"
            )
        return self


# The concerns, by the attribute of Settings that holds each.
GROUPS: dict[str, type[_Group]] = {
    "bus": BusSettings,
    "http": HttpSettings,
    "limits": LimitSettings,
    "rate_limits": RateLimitSettings,
    "auth": AuthSettings,
    "public": PublicSettings,
    "peers": PeerSettings,
    "deliveries": DeliverySettings,
    "tracker": TrackerSettings,
    "mail_intake": MailIntakeSettings,
}
# Each grouped setting's group: SVIFTDESK_SMTP_LISTEN_PORT is settings.mail_intake.smtp_listen_port.
FIELD_GROUPS: dict[str, str] = {
    name: group for group, model in GROUPS.items() for name in model.model_fields
}


def _route(values: Mapping[str, Any]) -> dict[str, Any]:
    """Flat keywords (``smtp_listen_port=0``) moved into their group's dict; the rest as given."""
    routed = {name: value for name, value in values.items() if name not in FIELD_GROUPS}
    for name, value in values.items():
        if (group := FIELD_GROUPS.get(name)) is None:
            continue
        current = routed.get(group)
        if isinstance(current, BaseModel):
            current = {field: getattr(current, field) for field in current.model_fields_set}
        routed[group] = {**(current or {}), name: value}
    return routed


class _FlatEnvSource(EnvSettingsSource):
    """The environment, where a grouped setting is still ``SVIFTDESK_<FIELD>``."""

    def __call__(self) -> dict[str, Any]:
        data = super().__call__()
        for group, model in GROUPS.items():
            values = {
                name: value
                for name in model.model_fields
                if (value := self.env_vars.get(self._env_name(name))) is not None
            }
            if values:
                given = data.get(group)
                data[group] = {**given, **values} if isinstance(given, dict) else values
        return data

    def _env_name(self, name: str) -> str:
        env_name = f"{self.env_prefix}{name}"
        return env_name if self.case_sensitive else env_name.lower()


class Settings(BaseSettings):
    """Every service's settings: what all of them need at the top, the rest by concern."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; unset: SQLite files under var/"
    )
    amqp_url: str | None = Field(default=None, description="RabbitMQ URL; unset: var/bus.db")
    policy_file: Path | None = Field(
        default=None, description="the policy file (calendar, targets)"
    )
    secret_key: Annotated[SecretStr | None, AfterValidator(_strong_key)] = Field(
        default=None, description="signs staff and partner tokens; generated under var/ if unset"
    )
    # Several keys at once, comma separated: the first signs, all verify (key rotation).
    secret_keys: Annotated[tuple[SecretStr, ...], NoDecode, BeforeValidator(_split)] = ()
    var_dir: Path = Path("var")
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    log_json: bool = True

    bus: BusSettings = BusSettings()
    http: HttpSettings = HttpSettings()
    limits: LimitSettings = LimitSettings()
    rate_limits: RateLimitSettings = RateLimitSettings()
    auth: AuthSettings = AuthSettings()
    public: PublicSettings = PublicSettings()
    peers: PeerSettings = PeerSettings()
    deliveries: DeliverySettings = DeliverySettings()
    tracker: TrackerSettings = TrackerSettings()
    mail_intake: MailIntakeSettings = MailIntakeSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _FlatEnvSource(settings_cls), dotenv_settings, file_secret_settings

    @model_validator(mode="before")
    @classmethod
    def _flat_keywords(cls, values: object) -> object:
        return _route(values) if isinstance(values, Mapping) else values

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with some settings changed, named flat (``{"smtp_listen_port": 0}``) or by
        group; like pydantic's, it does not validate the new values."""
        if update:
            routed = dict(update)
            for group in {FIELD_GROUPS[name] for name in update if name in FIELD_GROUPS}:
                changes = {
                    name: routed.pop(name) for name in update if FIELD_GROUPS.get(name) == group
                }
                base = routed.get(group, getattr(self, group))
                routed[group] = base.model_copy(update=changes)
            update = routed
        return super().model_copy(update=update, deep=deep)

    @field_validator("secret_keys")
    @classmethod
    def _strong_keys(cls, value: tuple[SecretStr, ...]) -> tuple[SecretStr, ...]:
        for number, key in enumerate(value, 1):
            if reason := key_weakness(key.get_secret_value()):
                raise ValueError(f"key {number}: {reason}")
        return value

    @model_validator(mode="after")
    def _one_way_to_give_keys(self) -> Self:
        if self.secret_key is not None and self.secret_keys:
            raise ValueError(
                "set SVIFTDESK_SECRET_KEYS alone (the new key first, the old one after it), "
                "not SVIFTDESK_SECRET_KEY beside it"
            )
        return self

    def signing_keys(self) -> tuple[bytes, ...]:
        """The configured keys, the signing one first; empty: use the generated one."""
        keys = self.secret_keys or ((self.secret_key,) if self.secret_key else ())
        return tuple(key.get_secret_value().encode() for key in keys)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = urlsplit(value).scheme
        if scheme in ("postgresql", "postgres"):
            return "postgresql+asyncpg" + value[len(scheme) :]
        if scheme not in ("postgresql+asyncpg", "sqlite+aiosqlite"):
            raise ValueError(
                f"unsupported scheme {scheme!r}: use postgresql+asyncpg://… or sqlite+aiosqlite:///…"
            )
        return value

    @field_validator("amqp_url")
    @classmethod
    def _amqp_scheme(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("amqp", "amqps"):
            raise ValueError("must start with amqp:// or amqps://")
        return value

    def database_url_for(self, service: str) -> str:
        """Each service owns its tables: its own schema on PostgreSQL, its own file on SQLite."""
        if self.database_url is not None:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.var_dir / (service + '.db')}"

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"


def env_variables() -> dict[str, tuple[str, ...]]:
    """Every variable read, with where its value lands: ``SVIFTDESK_SMTP_LISTEN_PORT`` ->
    ``("mail_intake", "smtp_listen_port")``, ``SVIFTDESK_VAR_DIR`` -> ``("var_dir",)``."""
    variables: dict[str, tuple[str, ...]] = {
        f"{ENV_PREFIX}{name.upper()}": (name,)
        for name in Settings.model_fields
        if name not in GROUPS
    }
    for name, group in FIELD_GROUPS.items():
        variables[f"{ENV_PREFIX}{name.upper()}"] = (group, name)
    return variables


def load_settings(**overrides: object) -> Settings:
    """Read the environment; a bad value stops start-up with the variable's name and reason."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            # A grouped setting's variable is named by the setting alone, not its group.
            loc = err["loc"][1:] if err["loc"] and err["loc"][0] in GROUPS else err["loc"]
            # A check across fields names its variables in its message.
            lines.append(
                f"{ENV_PREFIX}{'_'.join(str(p) for p in loc).upper()}: {err['msg']}"
                if loc
                else err["msg"]
            )
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None
