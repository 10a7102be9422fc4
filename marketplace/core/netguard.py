"""The outbound URL guard: where the marketplace may send requests a seller chose.

Sellers register the production URL their server listens on, and the marketplace POSTs
to it. Without a guard a seller could make the marketplace call its own internal network
(metadata services, databases, the admin behind the firewall): server-side request
forgery. So a URL is checked when it is registered and again right before every send
(`check_outbound_url`), because a domain name can be pointed somewhere else later.

The rules (isv-api-reference §1.0: "HTTPS only (443 …), domain names only (no IP)"):
- always: an absolute http(s) URL with a host, no user name or password in it, at most
  500 characters (the column);
- unless `settings.ISV_ALLOW_HTTP` (True outside production): scheme https and port 443
  (no explicit other port — a seller server on the internet listens on 443, and allowing
  any port would let the guard be used to probe services on public hosts);
- unless `settings.ISV_ALLOW_PRIVATE_ADDRESSES` (True outside production): the host is a
  domain name, not an IP literal, and *every* address it resolves to
  (`socket.getaddrinfo`) is public — not private (10/8, 172.16/12, 192.168/16, fc00::/7,
  100.64/10), loopback (127/8, ::1), link-local (169.254/16, fe80::/10), unspecified
  (0.0.0.0, ::), multicast or reserved, also when written as an IPv4-mapped IPv6 address;
  a host that doesn't resolve is refused.

Checking the name and then connecting resolves the name twice; a host with a very short
DNS lifetime could answer differently the second time (DNS rebinding). `public_addresses`
returns the checked addresses for a client that wants to connect to one of them.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .exceptions import DomainError

MAX_URL_LENGTH = 500


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 scope ("fe80::1%eth0")
        try:
            addresses.append(ipaddress.ip_address(text))
        except ValueError:
            continue
    return addresses


def public_addresses(url: str) -> list[str]:
    """The addresses the URL's host resolves to, after `check_outbound_url(url)` passed."""
    check_outbound_url(url)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return [str(a) for a in _resolve(parts.hostname or "", port)]


def check_outbound_url(url: str) -> None:
    """Raise DomainError (translated, safe to show) unless the marketplace may send to `url`."""
    url = (url or "").strip()
    if len(url) > MAX_URL_LENGTH:
        raise DomainError(_("Enter a URL of at most %(max)d characters.") % {"max": MAX_URL_LENGTH})
    not_a_url = DomainError(
        _(
            "Enter a full URL starting with https:// and naming your server, for "
            "example %(example)s."
        )
        % {"example": "https://isv.example.com/produce"}
    )
    if not url or any(c.isspace() for c in url):
        raise not_a_url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError(_("Enter a valid URL: its port isn't a number.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise not_a_url
    if parts.username is not None or parts.password is not None:
        raise DomainError(_("A URL with a user name or password in it isn't allowed."))
    if not settings.ISV_ALLOW_HTTP:
        if parts.scheme != "https":
            raise DomainError(_("The production URL must use HTTPS."))
        if port not in (None, 443):
            raise DomainError(_("The production URL must use the standard HTTPS port 443."))
    if settings.ISV_ALLOW_PRIVATE_ADDRESSES:
        return
    host = parts.hostname
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise DomainError(_("Use a domain name in the URL, not an IP address."))
    addresses = _resolve(host, port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        raise DomainError(_("The host “%(host)s” can't be found.") % {"host": host})
    if not all(_is_public(address) for address in addresses):
        raise DomainError(
            _(
                "The host “%(host)s” resolves to a private, loopback or otherwise internal "
                "address: the marketplace only calls servers on the public internet."
            )
            % {"host": host}
        )
