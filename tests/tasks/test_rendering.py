"""Markdown rendering: sanitised, and remote images never load unless the project lists
their host (a remote image is a beacon that tells its owner who read the page)."""

from __future__ import annotations

import pytest

from tasks.remote_media import RemoteMedia
from tasks.rendering import render_markdown

ALLOWED = RemoteMedia(("images.example.com", "*.cdn.example.org"))


def test_a_remote_image_is_a_link_by_default():
    html = render_markdown("![a cat](https://images.example.com/cat.png)")
    assert "<img" not in html
    assert '<a href="https://images.example.com/cat.png"' in html
    assert ">Image (images.example.com): a cat</a>" in html  # what it is, and where


def test_a_remote_image_without_alt_text_names_its_host():
    html = render_markdown("![](https://images.example.com/cat.png)")
    assert "<img" not in html
    assert ">Image (images.example.com)</a>" in html


def test_a_remote_image_on_an_allowed_host_loads():
    html = render_markdown("![a cat](https://images.example.com/cat.png)", media=ALLOWED)
    assert '<img src="https://images.example.com/cat.png" alt="a cat">' in html


@pytest.mark.parametrize(
    ("url", "loads"),
    [
        ("https://a.cdn.example.org/x.png", True),
        ("https://a.b.cdn.example.org/x.png", True),
        ("https://cdn.example.org/x.png", False),
        ("https://notcdn.example.org/x.png", False),
        ("https://images.example.com.evil.net/x.png", False),
        ("//images.example.com/x.png", False),  # scheme-relative: shown as a link
    ],
)
def test_wildcard_hosts_match_subdomains_only(url, loads):
    html = render_markdown(f"![x]({url})", media=ALLOWED)
    assert ("<img" in html) is loads
    if not loads:
        assert "<a href=" in html


@pytest.mark.parametrize(
    "url", ["data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)", "vbscript:x"]
)
def test_other_schemes_are_refused_even_for_an_allowed_page(url):
    html = render_markdown(f"![alt text]({url})", media=ALLOWED)
    assert "<img" not in html
    assert "href" not in html
    assert "alt text" in html  # shown as text (markdown-it keeps javascript: as source)


def test_an_image_on_our_own_origin_loads():
    html = render_markdown("![chart](/media/p1/chart.png)")
    assert '<img src="/media/p1/chart.png" alt="chart">' in html


def test_alt_text_and_url_are_escaped_in_the_link():
    html = render_markdown('![<b>"x"</b>](https://evil.example/a?b=1&c="2)')
    assert "<b>" not in html
    assert "&lt;b&gt;" in html
    assert 'href="https://evil.example/a?b=1&amp;c=%222"' in html


def test_links_still_get_rel_and_raw_html_stays_inert():
    html = render_markdown('<img src="https://evil.example/x.png"> [site](https://example.com)')
    assert "<img" not in html
    assert 'rel="noopener noreferrer nofollow"' in html
