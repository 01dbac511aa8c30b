"""Which URLs may receive webhooks: http or https only, with a host, without credentials, and not this
server itself (its own port on a loopback, unspecified or local address), so that a subscription cannot make
Tandem call its own API. Redirects are never followed when delivering, so a receiver cannot point back either."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from api.problems import invalid

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def check_url(url: str, *, listen_host: str, listen_port: int | None) -> None:
    """InvalidInput naming `url` unless the URL may receive webhooks."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. brackets around what is not an IPv6 address: http://[0]/
        raise invalid("url", f"is not a URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise invalid("url", f"must be an http or https URL, not {parts.scheme or 'one without a scheme'}")
    if not parts.hostname:
        raise invalid("url", "names no host")
    if parts.username or parts.password:
        raise invalid("url", "must not carry credentials: the signature authenticates Tandem to the receiver")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise invalid("url", "has a port that is not a number from 1 to 65535") from exc
    try:
        addresses = _addresses(parts.hostname)
    except socket.gaierror as exc:
        raise invalid("url", f"its host {parts.hostname!r} does not resolve") from exc
    if listen_port is not None and port == listen_port and any(_is_own(a, listen_host) for a in addresses):
        raise invalid("url", f"points at this Tandem server itself ({parts.hostname}:{port})")


def _addresses(host: str) -> set[Address]:
    return {ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in socket.getaddrinfo(host, None)}


def _is_own(address: Address, listen_host: str) -> bool:
    """An address that reaches this server: loopback, unspecified, the one it listens on or the host's own."""
    if address.is_loopback or address.is_unspecified:
        return True
    own: set[Address] = set()
    for name in (listen_host, socket.gethostname()):
        try:
            own |= _addresses(name)
        except socket.gaierror:
            continue
    return address in own
