"""Markdown from setters and task data, rendered to HTML that is safe to show.

Two layers, because either alone has failed in the wild: markdown-it never passes raw HTML
through (``html: False``), and nh3 (a maintained Rust sanitiser) then keeps only an
allow-list of tags, attributes and URL schemes, so ``javascript:`` links, ``onerror=`` and
``<script>`` end up inert whatever the Markdown parser does.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "u", "s",
    "del", "ins", "sub", "sup", "mark", "small", "code", "pre", "kbd", "samp", "blockquote",
    "ul", "ol", "li", "dl", "dt", "dd", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "caption", "span", "abbr", "details", "summary", "ruby", "rt", "rp",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str | None) -> SafeString:
    """Markdown → sanitised HTML, marked safe only after sanitising."""
    if not text:
        return mark_safe("")
    return mark_safe(sanitize_html(_parser().render(str(text))))  # noqa: S308 - sanitised above
