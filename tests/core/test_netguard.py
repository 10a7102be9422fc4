"""The outbound URL guard (marketplace/core/netguard.py)."""

from __future__ import annotations

import socket

import pytest

from marketplace.core import netguard
from marketplace.core.exceptions import DomainError
from marketplace.core.netguard import check_outbound_url


def _answers(mapping: dict[str, list[str]]):
    """A stand-in for socket.getaddrinfo answering from `mapping` (host → addresses)."""

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in mapping:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in mapping[host]
        ]

    return getaddrinfo


@pytest.fixture
def production(settings):
    settings.ISV_ALLOW_HTTP = False
    settings.ISV_ALLOW_PRIVATE_ADDRESSES = False
    return settings


@pytest.fixture
def dns(monkeypatch):
    table = {
        "isv.example.com": ["93.184.216.34"],
        "dual.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    }
    monkeypatch.setattr(netguard.socket, "getaddrinfo", _answers(table))
    return table


def test_development_allows_the_sample_isv_on_loopback(settings):
    settings.ISV_ALLOW_HTTP = True
    settings.ISV_ALLOW_PRIVATE_ADDRESSES = True
    check_outbound_url("http://127.0.0.1:8001/produce")
    check_outbound_url("http://localhost:8001/produce")


def test_production_allows_https_to_a_public_domain(production, dns):
    check_outbound_url("https://isv.example.com/produce")
    check_outbound_url("https://isv.example.com:443/produce?app=1")
    check_outbound_url("https://dual.example.com/produce")


@pytest.mark.parametrize(
    "url",
    ["http://isv.example.com/produce", "ftp://isv.example.com/produce"],
)
def test_production_requires_https(production, dns, url):
    with pytest.raises(DomainError):
        check_outbound_url(url)


def test_production_refuses_other_ports(production, dns):
    with pytest.raises(DomainError, match="443"):
        check_outbound_url("https://isv.example.com:8443/produce")


def test_http_and_other_ports_allowed_outside_production(settings, dns):
    settings.ISV_ALLOW_HTTP = True
    settings.ISV_ALLOW_PRIVATE_ADDRESSES = False
    check_outbound_url("http://isv.example.com:8080/produce")


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "127.0.0.1",
        "127.8.8.8",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104
        "100.64.0.1",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_production_refuses_hosts_resolving_to_internal_addresses(production, dns, address):
    dns["internal.example.com"] = [address]
    with pytest.raises(DomainError, match="internal"):
        check_outbound_url("https://internal.example.com/produce")


def test_every_resolved_address_must_be_public(production, dns):
    dns["mixed.example.com"] = ["93.184.216.34", "10.0.0.5"]
    with pytest.raises(DomainError):
        check_outbound_url("https://mixed.example.com/produce")


@pytest.mark.parametrize(
    "url",
    ["https://93.184.216.34/produce", "https://[2606:2800:220:1::1]/produce", "https://127.0.0.1/"],
)
def test_production_refuses_ip_literals(production, dns, url):
    with pytest.raises(DomainError, match="domain name"):
        check_outbound_url(url)


def test_unresolvable_host_is_refused(production, dns):
    with pytest.raises(DomainError, match="can't be found"):
        check_outbound_url("https://nowhere.invalid/produce")


@pytest.mark.parametrize(
    "url",
    ["https://user:pass@isv.example.com/produce", "https://user@isv.example.com/produce"],
)
def test_credentials_in_the_url_are_refused_everywhere(settings, dns, url):
    settings.ISV_ALLOW_HTTP = True
    settings.ISV_ALLOW_PRIVATE_ADDRESSES = True
    with pytest.raises(DomainError, match="password"):
        check_outbound_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "isv.example.com/produce",
        "https://",
        "https:///produce",
        "https://isv.example.com:port/",
        "javascript:alert(1)",
        "https://isv.example.com/" + "a" * 500,
    ],
)
def test_non_urls_are_refused(settings, url):
    settings.ISV_ALLOW_HTTP = True
    settings.ISV_ALLOW_PRIVATE_ADDRESSES = True
    with pytest.raises(DomainError):
        check_outbound_url(url)


def test_public_addresses_lists_the_checked_addresses(production, dns):
    assert netguard.public_addresses("https://dual.example.com/produce") == [
        "93.184.216.34",
        "2606:2800:220:1:248:1893:25c8:1946",
    ]
