"""Rate limits: the budgets of anonymous writes (per client address and per customer) and of
partner keys, answered 429 with ``Retry-After`` once spent.

Counts live where SVIFTDESK_RATE_LIMIT_STORAGE_URL says: ``memory://`` is the process's own;
``redis://`` lets every replica spend one budget. Windows move (the ``limits`` package's
moving window), so a burst at a window's edge gets no second helping.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any, Protocol
from urllib.parse import urlsplit

import structlog
from fastapi import Request
from limits import RateLimitItem, WindowStats, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from shared.contracts.api import Problem
from shared.errors import ProblemError
from shared.settings import RateLimitSettings

log = structlog.get_logger(__name__)

Network = IPv4Network | IPv6Network
STORAGE_TIMEOUT_SECONDS = 0.5
STORAGE_RETRY_SECONDS = 5.0  # after a failure, requests go unlimited this long
SWEEP_SECONDS = 60.0  # how often the in-process windows forget keys with no hit left in them

# For the OpenAPI document of every limited operation.
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "description": "Too many requests: the Retry-After header and the detail say when to "
        "try again",
        "headers": {
            "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
        },
    }
}


class TooManyRequestsError(ProblemError):
    status, title = 429, "Too many requests"

    def __init__(self, *, field: str, what: str, limit: RateLimitItem, retry_after: int) -> None:
        at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=retry_after)
        reason = f"more than {limit.amount} per {_window(limit)} {what}"
        super().__init__(
            f"Too many requests: {reason}. Try again in {retry_after} seconds, "
            f"after {at.isoformat().replace('+00:00', 'Z')}.",
            errors=[{"field": field, "reason": reason}],
        )
        self.headers = {"Retry-After": str(retry_after)}


# How a refusal names what ran out, by the field the budget is about.
ABOUT = {
    "customer.email": "for this email address",
    "email": "from this email address",
    "ticket": "on this ticket",
    "token": "with this link",
    "current_password": "for this account",
}


def _window(limit: RateLimitItem) -> str:
    name = limit.GRANULARITY.name
    return name if limit.multiples == 1 else f"{limit.multiples} {name}s"


def client_address(
    peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]
) -> str:
    """Who is calling: the socket's peer, or, when that peer is one of our proxies, the last
    address in X-Forwarded-For that none of our proxies added (anything left of it the client
    wrote itself). An IPv6 client is its /64, which one subscriber gets whole."""

    def is_trusted(address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in trusted)

    address = peer or "unknown"
    if is_trusted(address):
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
        untrusted = [hop for hop in hops if not is_trusted(hop)]
        address = untrusted[-1] if untrusted else (hops[0] if hops else address)
    try:
        parsed = ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6:
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _async_storage_url(url: str) -> str:
    scheme = urlsplit(url).scheme
    return f"async+{url}" if scheme in ("memory", "redis", "rediss") else url


def _hashed(value: str) -> str:
    # Customers' addresses are personal data: the shared storage sees only a digest.
    return hashlib.sha256(value.lower().encode()).hexdigest()[:32]


class Windows(Protocol):
    """Moving windows: what ``limits``' moving-window strategy offers, and ``LocalWindows``."""

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats: ...


class LocalWindows:
    """Moving windows in this process, for ``memory://``. (The ``limits`` package's own memory
    storage, after every hit, walks every key it holds with a thread hop each: with a day's
    customers as keys it kept a core busy under any steady load.) A key keeps the times of its
    hits, oldest first, and drops those out of its window when hit; keys with none left are
    forgotten in a sweep once a minute."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._hits: dict[str, tuple[float, deque[float]]] = {}  # key: (its window, times)
        self._next_sweep = clock() + SWEEP_SECONDS

    def _live(self, item: RateLimitItem, identifiers: tuple[str, ...], now: float) -> deque[float]:
        window = float(item.get_expiry())
        _, times = self._hits.setdefault(item.key_for(*identifiers), (window, deque()))
        while times and times[0] <= now - window:
            times.popleft()
        return times

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        times = self._live(item, identifiers, now)
        if len(times) >= item.amount:
            return False
        times.append(now)
        return True

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        now = self._clock()
        _, kept = self._hits.get(item.key_for(*identifiers), (0.0, deque()))
        times = [at for at in kept if at > now - item.get_expiry()]
        reset = times[0] + item.get_expiry() if times else now
        return WindowStats(reset, max(0, item.amount - len(times)))

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_SECONDS
        idle = [
            key
            for key, (window, times) in self._hits.items()
            if not times or times[-1] <= now - window
        ]
        for key in idle:
            del self._hits[key]

    def __len__(self) -> int:
        """The keys held (a sweep forgets idle ones)."""
        return len(self._hits)


def _shared(url: str) -> Windows:
    """Windows in a storage every replica shares (Redis), by the ``limits`` package."""
    options: dict[str, Any] = {}
    if url.startswith("redis"):
        # An unreachable Redis costs a request at most a second, never a hang: it is asked
        # once, without retries, and the request goes on without a limit.
        options = {
            "implementation": "redispy",
            "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS,
            "socket_timeout": STORAGE_TIMEOUT_SECONDS,
            "retry": Retry(NoBackoff(), 0),
        }
    storage = storage_from_string(_async_storage_url(url), **options)
    assert isinstance(storage, Storage)  # the async+ scheme gives the asyncio variant
    return MovingWindowRateLimiter(storage)


class RateLimiter:
    """One service's budgets; routes call ``anonymous`` or ``partner`` before they act."""

    def __init__(self, limits: RateLimitSettings, namespace: str) -> None:
        """``namespace`` keeps this service's counts apart in a shared storage."""
        url = limits.rate_limit_storage_url
        self.windows = LocalWindows() if urlsplit(url).scheme == "memory" else _shared(url)
        self.namespace = namespace
        self.trusted = [ip_network(cidr, strict=False) for cidr in limits.trusted_proxies]
        self.per_client = parse_many(limits.rate_limit_per_client)
        self.per_customer = parse_many(limits.rate_limit_per_customer)
        self.per_partner = parse_many(limits.rate_limit_per_partner)
        self.complaint_reviews = parse_many(limits.rate_limit_complaint_reviews)
        self._storage_down_until = 0.0

    def client_of(self, request: Request) -> str:
        peer = request.client.host if request.client else None
        return client_address(peer, request.headers.getlist("x-forwarded-for"), self.trusted)

    async def anonymous(
        self, request: Request, *, customer: str | None = None, field: str = "customer"
    ) -> None:
        """Spend one of the caller's address's writes and, if the write is about a customer
        (an email address, a ticket), one of that customer's: a script cannot flood the desk
        from one address, nor mail one person from many."""
        await self._spend(
            self.per_client, "client", self.client_of(request), "client", "from this address"
        )
        if customer is not None:
            what = ABOUT.get(field, f"about this {field}")
            await self._spend(self.per_customer, "customer", _hashed(customer), field, what)

    async def partner(self, partner_id: uuid.UUID) -> None:
        """Spend one of a partner key's requests (its quota)."""
        await self._spend(
            self.per_partner, "partner", str(partner_id), "Authorization", "with this partner key"
        )

    async def may_review_complaint(self, request: Request) -> bool:
        """Whether an anonymous complaint from this client opens a review by itself: a burst
        of them opens one, not one each."""
        key = self.client_of(request)
        return await self._hit_all(self.complaint_reviews, "complaint", key) is None

    async def _spend(
        self, limits: Sequence[RateLimitItem], kind: str, key: str, field: str, what: str
    ) -> None:
        spent = await self._hit_all(limits, kind, key)
        if spent is not None:
            limit, retry_after = spent
            raise TooManyRequestsError(field=field, what=what, limit=limit, retry_after=retry_after)

    async def _hit_all(
        self, limits: Sequence[RateLimitItem], kind: str, key: str
    ) -> tuple[RateLimitItem, int] | None:
        """Hit every window; the first one without room, and the seconds until it has."""
        if time.monotonic() < self._storage_down_until:
            return None
        try:
            async with asyncio.timeout(STORAGE_TIMEOUT_SECONDS * 2):
                for limit in limits:
                    if not await self.windows.hit(limit, self.namespace, kind, key):
                        stats = await self.windows.get_window_stats(
                            limit, self.namespace, kind, key
                        )
                        return limit, max(1, math.ceil(stats.reset_time - time.time()))
        except Exception as exc:
            # The shared storage is down: the desk keeps taking requests rather than stop,
            # and does not make each of them wait on the storage meanwhile.
            self._storage_down_until = time.monotonic() + STORAGE_RETRY_SECONDS
            log.warning("ratelimit.storage_unavailable", kind=kind, error=type(exc).__name__)
        return None
