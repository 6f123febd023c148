"""The SSRF guard: refused at save time, and again after DNS resolution at delivery time."""

from __future__ import annotations

import socket

import pytest

from integrations.egress import (
    DestinationRefused,
    HostUnresolved,
    parse_webhook_url,
    resolve_checked,
    webhook_url_check,
)

FORBIDDEN_URLS = [
    # loopback, in every spelling
    "http://127.0.0.1/hook",
    "http://127.8.9.10/hook",
    "http://[::1]/hook",
    "http://2130706433/hook",  # decimal
    "http://0x7f000001/hook",  # hex
    "http://0177.0.0.1/hook",  # octal
    "http://0x7f.1/hook",  # mixed, short form
    "http://127.1/hook",  # short form
    "http://[::ffff:127.0.0.1]/hook",  # IPv4-mapped IPv6
    "http://[::ffff:7f00:1]/hook",  # the same, in hex
    "http://[::127.0.0.1]/hook",  # IPv4-compatible IPv6
    "http://[64:ff9b::7f00:1]/hook",  # NAT64
    "http://[2002:7f00:1::]/hook",  # 6to4
    "http://localhost/hook",
    "http://api.localhost/hook",
    # private
    "http://10.1.2.3/hook",
    "http://172.16.0.1/hook",
    "http://172.31.255.254/hook",
    "http://192.168.1.10/hook",
    "http://100.64.0.1/hook",  # carrier-grade NAT
    "http://[fd00::1]/hook",
    "http://[fc00::1]/hook",
    "http://[::ffff:10.0.0.1]/hook",
    # link-local and metadata
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.1.1/hook",
    "http://[fe80::1]/hook",
    "http://[fd00:ec2::254]/latest/",
    "http://metadata.google.internal/computeMetadata/v1/",
    # multicast, unspecified, reserved, broadcast
    "http://224.0.0.1/hook",
    "http://[ff02::1]/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://240.0.0.1/hook",
    "http://255.255.255.255/hook",
    "http://[fec0::1]/hook",
]


@pytest.mark.parametrize("url", FORBIDDEN_URLS)
def test_forbidden_addresses_are_refused_at_save_time(url, fake_dns):
    with pytest.raises(DestinationRefused) as refused:
        webhook_url_check(url)

    assert refused.value.fields == {"url": [refused.value.detail]}


@pytest.mark.parametrize(
    "url, reason",
    [
        ("ftp://hooks.example.com/", "http"),
        ("file:///etc/passwd", "http"),
        ("gopher://hooks.example.com/", "http"),
        ("https://user:pass@hooks.example.com/", "Credentials"),
        ("https://user@hooks.example.com/", "Credentials"),
        ("https:///no-host", "host"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://hooks.example.com:99999/", "valid URL"),
    ],
)
def test_malformed_urls_are_refused_with_the_reason(url, reason):
    with pytest.raises(DestinationRefused) as refused:
        parse_webhook_url(url)

    assert reason in refused.value.detail


def test_a_public_name_and_address_are_accepted(fake_dns):
    fake_dns["hooks.example.com"] = ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]

    destination = webhook_url_check("https://hooks.example.com/in?x=1")

    assert (destination.host, destination.port, destination.path) == (
        "hooks.example.com",
        443,
        "/in?x=1",
    )
    assert resolve_checked(destination) == ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]
    assert webhook_url_check("http://93.184.216.34:8080/").host_header == "93.184.216.34:8080"


@pytest.mark.parametrize("private", ["127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "fd00::5"])
def test_a_name_resolving_to_a_forbidden_address_is_refused_at_save(fake_dns, private):
    fake_dns["rebind.example.com"] = ["93.184.216.34", private]  # one bad answer is enough

    with pytest.raises(DestinationRefused) as refused:
        webhook_url_check("https://rebind.example.com/")

    assert "rebind.example.com" in refused.value.detail


def test_a_name_that_does_not_resolve_is_refused_at_save_saying_so(fake_dns):
    # given a name DNS does not know, and one that resolves to a private address
    fake_dns["nas.example.com"] = ["10.0.0.5"]

    # when each is saved
    with pytest.raises(HostUnresolved) as unresolved:
        webhook_url_check("https://not-yet.example.com/")
    with pytest.raises(DestinationRefused) as private:
        webhook_url_check("https://nas.example.com/")

    # then each message names its own reason, on the url field
    assert "“not-yet.example.com” does not resolve" in unresolved.value.detail
    assert "private" not in unresolved.value.detail
    assert unresolved.value.fields == {"url": [unresolved.value.detail]}
    assert unresolved.value.code == "webhook_host_unresolved"
    assert not unresolved.value.temporary
    assert "10.0.0.5 is a private address" in private.value.detail
    assert not isinstance(private.value, HostUnresolved)


def test_dns_that_does_not_answer_is_refused_at_save_as_temporary(monkeypatch):
    def no_answer(host, port, *args, **kwargs):
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_answer)

    with pytest.raises(HostUnresolved) as unresolved:
        webhook_url_check("https://hooks.example.com/")

    assert unresolved.value.temporary
    assert "could not be resolved just now" in unresolved.value.detail
    assert "Try again" in unresolved.value.detail


def test_the_admin_allowance_opens_private_networks_but_never_metadata(settings, fake_dns):
    settings.WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    fake_dns["nas.example.com"] = ["192.168.1.20"]

    assert webhook_url_check("http://127.0.0.1:8000/hook").host == "127.0.0.1"
    assert webhook_url_check("http://[::1]/hook").host == "::1"
    assert resolve_checked(parse_webhook_url("http://nas.example.com/")) == ["192.168.1.20"]
    for url in ("http://169.254.169.254/", "http://[::ffff:169.254.169.254]/", "http://0.0.0.0/"):
        with pytest.raises(DestinationRefused):
            webhook_url_check(url)


def test_an_allow_list_opens_named_hosts_and_networks_only(settings, fake_dns):
    settings.WEBHOOK_ALLOWED_HOSTS = ["hooks.internal", "10.20.0.0/16"]
    fake_dns["hooks.internal"] = ["10.9.9.9"]
    fake_dns["other.example.com"] = ["10.20.1.1"]

    assert resolve_checked(webhook_url_check("http://hooks.internal/")) == ["10.9.9.9"]
    assert resolve_checked(webhook_url_check("http://other.example.com/")) == ["10.20.1.1"]
    with pytest.raises(DestinationRefused):
        webhook_url_check("http://10.21.0.1/")
    with pytest.raises(DestinationRefused):
        webhook_url_check("http://127.0.0.1/")
