"""Markdown from setters and task data, rendered to HTML that is safe to show.

Two layers, because either alone has failed in the wild: markdown-it never passes raw HTML
through (``html: False``), and nh3 (a maintained Rust sanitiser) then keeps only an
allow-list of tags, attributes and URL schemes, so ``javascript:`` links, ``onerror=`` and
``<script>`` end up inert whatever the Markdown parser does.

Remote images do not load unless the project lists their host (``tasks.remote_media``):
an image is a beacon that tells whoever wrote the Markdown who read it and when. An image
from an unlisted host is rendered as a plain link (its alt text, or its URL), one with
another scheme (``data:``) as its alt text; images on our own origin (relative URLs) load.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from tasks.remote_media import NO_REMOTE_MEDIA, RemoteMedia

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


def _image(self, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """markdown-it's image rule, except for images the reader's project does not allow."""
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    alt = self.renderInlineAsText(token.children or [], options, env)
    try:
        parts = urlsplit(src)
    except ValueError:
        return escapeHtml(alt)
    if not parts.scheme and not parts.netloc:
        return self.image(tokens, idx, options, env)  # our own origin
    if parts.scheme not in ("", "http", "https"):
        return escapeHtml(alt)  # data: and the like: refused (nh3 would drop them anyway)
    media: RemoteMedia = env.get("remote_media", NO_REMOTE_MEDIA)
    if parts.scheme and media.allows_url(src):
        return self.image(tokens, idx, options, env)
    # Say it is an image and where it lives, so the reader knows what the link is and
    # that nothing was fetched ("Image (images.example.com): a cat").
    label = f"Image ({parts.hostname or src})" + (f": {alt}" if alt else "")
    return f'<a href="{escapeHtml(src)}">{escapeHtml(label)}</a>'


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
        ["table", "strikethrough"]
    )
    parser.add_render_rule("image", _image)
    return parser


def sanitize_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render_markdown(text: str | None, *, media: RemoteMedia = NO_REMOTE_MEDIA) -> SafeString:
    """Markdown → sanitised HTML, marked safe only after sanitising. Remote images load
    only from ``media``'s hosts (pass the project's, from ``presentation.remote_media_for``,
    which also opens the page's Content-Security-Policy to them)."""
    if not text:
        return mark_safe("")
    html = _parser().render(str(text), {"remote_media": media})
    return mark_safe(sanitize_html(html))  # noqa: S308 - sanitised above
