"""Texts a job stores for a person to read later (an import's row errors and outcome, an
export's failure reason, a webhook's delivery error), kept in English and shown in the
reader's language.

A job runs in a worker, with no reader. Where the text is made it is an English message id,
marked with ``gettext_noop`` so that ``makemessages`` finds it, and the values of its
``%(name)s`` placeholders: ``stored(msgid, **params)``. That is a ``StoredText``, a ``str``
that reads as the English sentence (logs, exceptions, the in-memory checks) and still knows
its message id and values. ``encode`` turns it into what the database keeps (the message id
alone when it has no values, else ``{"msgid": ..., "params": {...}}`` as JSON); ``shown``
turns what the database keeps into the active language when a page or the API shows it.

Text stored before this existed (an English sentence) is shown translated when it is a known
message id, else as it is.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext

_MARK = '{"msgid":'


class StoredText(str):
    """An English message (the ``str`` value) with its message id and placeholder values."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, params: dict[str, Any] | None = None) -> StoredText:
        params = params or {}
        text = super().__new__(cls, msgid % params if params else msgid)
        text.msgid = msgid
        text.params = params
        return text


def stored(msgid: str, /, **params: Any) -> StoredText:
    """``msgid`` (English, with ``%(name)s`` placeholders; mark it with gettext_noop) and
    the values of its placeholders. A value may be another ``stored``/``nested`` text."""
    return StoredText(msgid, params)


def nested(text: str) -> StoredText:
    """``text`` as a value of another stored message that is translated with it: a
    ``StoredText`` stays as it is; a plain string is taken as a message id (gettext_noop)."""
    return text if isinstance(text, StoredText) else StoredText(str(text))


def _plain(value: Any) -> Any:
    if isinstance(value, StoredText):
        return {"msgid": value.msgid, "params": {k: _plain(v) for k, v in value.params.items()}}
    return value


def encode(text: str) -> str:
    """What the database keeps for ``text``: a plain string as it is; a stored message as
    its message id when it has no values, else as JSON (``shown`` reads both)."""
    if not isinstance(text, StoredText) or not text.params:
        return str(text.msgid if isinstance(text, StoredText) else text)
    return json.dumps(_plain(text), ensure_ascii=False)


def english(text: str) -> str:
    """The stored ``text`` in English (for logs and the admin)."""
    return _render(text, translate=False)


def shown(text: str) -> str:
    """The stored ``text`` in the active language."""
    return _render(text, translate=True)


def _message(value: dict, *, translate: bool) -> str:
    msgid = value["msgid"]
    params = {
        name: _message(item, translate=translate) if isinstance(item, dict) else item
        for name, item in (value.get("params") or {}).items()
    }
    message = gettext(msgid) if translate else msgid
    return message % params if params else message


def _render(text: str, *, translate: bool) -> str:
    if isinstance(text, StoredText):
        return _message(_plain(text), translate=translate)
    if not text:
        return text
    if text.startswith(_MARK):
        try:
            return _message(json.loads(text), translate=translate)
        except (ValueError, KeyError, TypeError, AttributeError):
            return text
    return gettext(text) if translate else text
