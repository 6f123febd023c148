"""Remote media hosts: what counts as a host, how a host matches a URL (CSP's own rules),
and the service that saves a project's list (all or nothing, one message per bad entry)."""

from __future__ import annotations

import pytest

from annotation_platform.errors import DomainError
from tasks.remote_media import MAX_HOSTS, RemoteMedia, clean_remote_hosts
from tasks.services import project_remote_media_update


@pytest.mark.parametrize(
    ("entries", "hosts"),
    [
        (["images.example.com"], ["images.example.com"]),
        ([" Images.Example.COM. "], ["images.example.com"]),
        (["*.example.com"], ["*.example.com"]),
        (["a.com", "b.org", "a.com"], ["a.com", "b.org"]),
        (["xn--bcher-kva.de"], ["xn--bcher-kva.de"]),
        (["localhost"], ["localhost"]),
        ([], []),
    ],
)
def test_host_names_are_cleaned(entries, hosts):
    assert clean_remote_hosts(entries) == (hosts, [])


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ("https://images.example.com", "without https:// or another scheme"),
        ("//images.example.com", "without https:// or another scheme"),
        ("images.example.com/cats.png", "without a path"),
        ("images.example.com?x=1", "without a path"),
        ("user@images.example.com", "without a user name"),
        ("images.example.com:8080", "ports"),
        ("[::1]", "ports and IPv6"),
        ("*", "only wildcard allowed is a leading *."),
        ("*.com", "two labels or more"),
        ("img.*.example.com", "only wildcard allowed is a leading *."),
        ("*example.com", "only wildcard allowed is a leading *."),
        ("**.example.com", "only wildcard allowed is a leading *."),
        ("bücher.de", "punycode"),
        ("-bad.example.com", "not a host name"),
        ("bad_.example.com", "not a host name"),
        ("a..b", "not a host name"),
        ("a" * 64 + ".com", "not a host name"),
        ("a." * 130 + "com", "at most 253"),
        ("'self'", "not a host name"),
        ("images.example.com; script-src 'unsafe-inline'", "not a host name"),
    ],
)
def test_each_bad_entry_is_refused_with_its_position_and_reason(entry, reason):
    hosts, errors = clean_remote_hosts(["ok.example.com", entry])
    assert hosts == ["ok.example.com"]
    assert len(errors) == 1
    assert errors[0].startswith("Entry 2 (")
    assert reason in errors[0]


def test_empty_and_non_text_entries_are_named():
    _, errors = clean_remote_hosts(["", 7, None])
    assert errors == [
        "Entry 1: is empty.",
        "Entry 2: must be a host name (text).",
        "Entry 3: must be a host name (text).",
    ]


def test_too_many_hosts_are_refused():
    _, errors = clean_remote_hosts([f"h{n}.example.com" for n in range(MAX_HOSTS + 1)])
    assert errors == [f"At most {MAX_HOSTS} hosts; {MAX_HOSTS + 1} given."]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://images.example.com/a.png", True),
        ("http://images.example.com/a.png", True),
        ("https://IMAGES.example.com/a.png", True),
        ("https://cdn.images.example.com/a.png", False),  # an exact host is that host only
        ("https://a.cdn.example.org/a.png", True),  # *.cdn.example.org: any depth
        ("https://x.cdn.example.org/a.png", True),
        ("https://cdn.example.org/a.png", False),  # CSP: *. does not match the bare domain
        ("https://evilcdn.example.org/a.png", False),
        ("https://cdn.example.org.evil.com/a.png", False),
        ("https://images.example.com:8443/a.png", False),  # other ports are not allowed
        ("https://images.example.com.evil.com/a.png", False),
        ("https://user@evil.com/?images.example.com", False),
        ("ftp://images.example.com/a.png", False),
        ("data:image/png;base64,AAAA", False),
        ("javascript:alert(1)", False),
        ("/media/a.png", False),
        ("https://[::1/", False),
    ],
)
def test_urls_match_hosts_as_csp_does(url, allowed):
    media = RemoteMedia(("images.example.com", "*.cdn.example.org"))
    assert media.allows_url(url) is allowed


def test_no_hosts_allow_nothing():
    assert not RemoteMedia().allows_url("https://images.example.com/a.png")


def test_the_service_saves_the_cleaned_hosts(cast):
    project_remote_media_update(project=cast.project, hosts=[" Img.Example.com ", "*.cdn.org"])
    cast.project.refresh_from_db()
    assert cast.project.remote_media_hosts == ["img.example.com", "*.cdn.org"]


def test_the_service_saves_nothing_when_one_entry_is_bad(cast):
    project_remote_media_update(project=cast.project, hosts=["kept.example.com"])
    with pytest.raises(DomainError) as refused:
        project_remote_media_update(
            project=cast.project, hosts=["new.example.com", "https://x.com", "a/b"]
        )
    messages = refused.value.fields["remote_media_hosts"]
    assert [m.split(" (")[0] for m in messages] == ["Entry 2", "Entry 3"]
    cast.project.refresh_from_db()
    assert cast.project.remote_media_hosts == ["kept.example.com"]


def test_the_service_refuses_a_value_that_is_not_a_list(cast):
    with pytest.raises(DomainError) as refused:
        project_remote_media_update(project=cast.project, hosts="a.example.com")
    assert refused.value.fields == {"remote_media_hosts": ["Must be a list."]}
