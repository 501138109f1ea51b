"""The client's address: the peer's, unless the peer is a trusted proxy that says who it was for.

`X-Forwarded-For` and `Forwarded` are believed only from peers listed in
`SKILLSREG_TRUSTED_PROXIES` (addresses or networks, comma-separated; default none), so a client
cannot pick a new address per request to slip past a per-client rate limit.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import re
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_FOR = re.compile(r'for\s*=\s*("[^"]*"|[^;,\s]+)', re.IGNORECASE)


@functools.lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    )


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header hop: `1.2.3.4`, `1.2.3.4:80`, `"[2001:db8::1]:4711"`."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1 : value.find("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, nets: tuple[Network, ...]
) -> bool:
    return address is not None and any(address in net for net in nets)


def forwarded_hops(headers: Any) -> list[str]:
    """The addresses a request passed through, nearest last (`Forwarded` wins if present)."""
    forwarded = headers.getall("forwarded", []) if hasattr(headers, "getall") else []
    if forwarded:
        return [m.group(1) for line in forwarded for m in _FOR.finditer(line)]
    xff = headers.getall("x-forwarded-for", []) if hasattr(headers, "getall") else []
    return [hop.strip() for line in xff for hop in line.split(",") if hop.strip()]


def client_address(peer: str, headers: Any, trusted: str) -> str:
    """The nearest address, walking back from the peer, that is not a trusted proxy."""
    nets = trusted_networks(trusted)
    if not nets or not _trusted(_address(peer), nets):
        return peer
    for hop in reversed(forwarded_hops(headers)):
        address = _address(hop)
        if address is None:
            break  # a hop we cannot read: stop believing what lies behind it
        if not _trusted(address, nets):
            return str(address)
    return peer


def rate_limit_key(request: Any) -> str:
    """The key a per-client rate limit counts under (Litestar's `identifier_for_request`)."""
    peer = request.client.host if request.client else ""
    trusted = request.app.state.runtime.settings.trusted_proxies
    return client_address(peer, request.headers, trusted)


def leave_forwarding_to_the_app() -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; here only
    SKILLSREG_TRUSTED_PROXIES decides, so servers configured after this trust no peer (an
    explicit FORWARDED_ALLOW_IPS is left alone)."""
    os.environ.setdefault("FORWARDED_ALLOW_IPS", "")
