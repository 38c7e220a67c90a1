"""Where a partner's webhook may go: public destinations only, checked when the partner
subscribes and again at every connection, which goes to the very address that was checked
(a name that resolves elsewhere a second later — DNS rebinding — gains nothing)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

import httpx

from services.notifier.domain.webhooks import Address, Network, numeric_host, refusal

Resolver = Callable[[str, int], Awaitable[list[Address]]]
RESOLVE_SECONDS = 5.0


class DestinationRefusedError(Exception):
    """A webhook URL that may not be called; the message says why."""


async def system_resolver(host: str, port: int) -> list[Address]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An IPv6 address may come with its zone ("fe80::1%eth0"); the address is what counts.
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


class DestinationGuard:
    def __init__(
        self,
        *,
        allow_http: bool,
        allowed_networks: tuple[Network, ...],
        resolver: Resolver = system_resolver,
    ) -> None:
        self._schemes = ("https", "http") if allow_http else ("https",)
        self._allowed = allowed_networks
        self.resolver = resolver  # replaced in tests, to play a rebinding name

    async def check(self, url: str) -> Address:
        """The one address to connect to for this URL; DestinationRefusedError if none may be."""
        parsed = httpx.URL(url)
        if parsed.scheme not in self._schemes:
            raise DestinationRefusedError(
                f"{parsed.scheme}:// is not allowed; use {' or '.join(self._schemes)}://"
            )
        host = parsed.host.rstrip(".").lower()
        if not host:
            raise DestinationRefusedError("the URL has no host")
        address = numeric_host(host)
        if address is not None:
            addresses = [address]
        else:
            # A name that cannot be public is refused without asking DNS.
            if "." not in host or host == "localhost" or host.endswith(".localhost"):
                raise DestinationRefusedError(f"{host} is not a public host name")
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
            try:
                async with asyncio.timeout(RESOLVE_SECONDS):
                    addresses = await self.resolver(host, port)
            except (OSError, TimeoutError):
                addresses = []
            if not addresses:
                raise DestinationRefusedError(f"{host} does not resolve")
        # Every address the name has: the resolver might hand a later connection any of them.
        for candidate in addresses:
            reason = refusal(candidate, self._allowed)
            if reason is not None:
                raise DestinationRefusedError(f"{host}: {reason}")
        return addresses[0]


class GuardedTransport(httpx.AsyncBaseTransport):
    """Checks each request's destination, then connects to the checked address while the
    Host header and TLS (SNI and the certificate's name) keep the URL's host name."""

    def __init__(self, guard: DestinationGuard) -> None:
        self._guard = guard
        # No kept-alive connections: the pool knows a connection by address, and two partners'
        # names on one address must not share a TLS session made for the other's name.
        self._inner = httpx.AsyncHTTPTransport(limits=httpx.Limits(max_keepalive_connections=0))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        address = await self._guard.check(str(request.url))
        if request.url.scheme == "https":
            request.extensions = {**request.extensions, "sni_hostname": request.url.host}
        request.url = request.url.copy_with(host=str(address))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
