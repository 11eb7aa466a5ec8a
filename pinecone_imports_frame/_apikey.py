"""The API key: checked once, never shown, and redacted from whatever a server echoes.

:class:`ApiKey` holds the key a call was given (or ``PINECONE_API_KEY``); its repr and str
are redacted, it refuses to be pickled, and :meth:`ApiKey.redact` takes the key and every
piece of it out of a text before it is logged or raised.
"""

from __future__ import annotations

import logging
import os
import re
import traceback
import weakref

from .errors import ConfigurationError

ENV_API_KEY = "PINECONE_API_KEY"

# What an API key may contain: printable ASCII, no whitespace (it goes in an HTTP header).
_KEY_CHARS = re.compile(r"[\x21-\x7e]+")
# Where a redacted key leaves a mark; pieces this long or longer are redacted too.
_REDACTED = "***"
_KEY_PIECE = 8


class ApiKey:
    r"""An API key that never shows itself: its repr and str are redacted.

    Checked on creation: printable ASCII with no whitespace, as an HTTP header needs it.
    The error for a key that is not says what is wrong without quoting the key.

    Examples
    --------
    >>> key = ApiKey("pcsk_secret")
    >>> key
    ApiKey('***')
    >>> key.reveal()
    'pcsk_secret'
    >>> ApiKey("pcsk_secret\r\nX-Evil: 1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: the API key has ... a line break, ...
    """

    __slots__ = ("__weakref__", "_bytes", "_value")

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise ConfigurationError(
                f"the API key must be a str, not {type(value).__name__}: pass api_key='...' or "
                f"set {ENV_API_KEY}"
            )
        if not _KEY_CHARS.fullmatch(value):
            raise ConfigurationError(
                "the API key has a space, a line break, a control or a non-ASCII character, "
                "which an HTTP header cannot carry: copy it again from the API Keys page of "
                "the Pinecone console (the key is not shown here)"
            ) from None
        self._value = value
        self._bytes = value.encode("ascii")

    def reveal(self) -> str:
        """Return the key itself, for the ``Api-Key`` header and nothing else.

        Examples
        --------
        >>> ApiKey("pcsk_secret").reveal()
        'pcsk_secret'
        """
        return self._value

    def redact(self, text: str) -> str:
        """Replace the key, and every piece of 8 characters of it, in ``text`` by ``***``.

        Redact before cutting a text to an excerpt: a cut key no longer matches whole. Keys
        shorter than 6 characters (test keys like "k") are left alone: replacing every "k"
        in a message would only garble it, and no real key is that short.

        Examples
        --------
        >>> key = ApiKey("pcsk_TOP-SECRET-4f9a1c")
        >>> key.redact("echo pcsk_TOP-SECRET-4f9a1c!")
        'echo ***!'
        >>> key.redact("echo pcsk_TOP-SECR...")  # a prefix, as a server that cuts echoes it
        'echo ***...'
        >>> ApiKey("k").redact("GET /bulk/imports")
        'GET /bulk/imports'
        """
        key = self._value
        if len(key) < 6:
            return text
        if key in text:
            text = text.replace(key, _REDACTED)
        # Mark every character covered by a piece of the key, then replace each run of
        # marked characters by one mark: a prefix, a suffix or a middle part all vanish.
        covered: bytearray | None = None
        for start in range(len(key) - _KEY_PIECE + 1):
            piece = key[start : start + _KEY_PIECE]
            at = text.find(piece)
            while at != -1:
                if covered is None:
                    covered = bytearray(len(text))
                covered[at : at + _KEY_PIECE] = b"\x01" * _KEY_PIECE
                at = text.find(piece, at + 1)
        if covered is None:
            return text
        out: list[str] = []
        at = 0
        while at < len(text):
            if covered[at]:
                while at < len(text) and covered[at]:
                    at += 1
                out.append(_REDACTED)
            else:
                end = covered.find(1, at)
                end = len(text) if end == -1 else end
                out.append(text[at:end])
                at = end
        return "".join(out)

    def redact_bytes(self, data: bytes) -> bytes:
        """Replace every occurrence of the key in ``data`` (a response body) by ``***``.

        Examples
        --------
        >>> ApiKey("pcsk_secret").redact_bytes(b'{"echo": "pcsk_secret"}')
        b'{"echo": "***"}'
        """
        if len(self._bytes) < 6 or self._bytes not in data:
            return data
        return data.replace(self._bytes, b"***")

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an ApiKey is not pickled, so that it is never written to a file")


def resolve_api_key(api_key: str | ApiKey | None) -> ApiKey:
    r"""Take the key from ``api_key``, else ``PINECONE_API_KEY``; a clear error if neither.

    Surrounding whitespace (a trailing newline from a file) is dropped; whitespace or a
    non-ASCII character inside is refused (:class:`ApiKey`).

    Examples
    --------
    >>> key = resolve_api_key("  pcsk_example\n")  # as read from a file
    >>> key, key.reveal()
    (ApiKey('***'), 'pcsk_example')
    """
    if isinstance(api_key, ApiKey):
        return api_key
    value = api_key if api_key is not None else os.environ.get(ENV_API_KEY)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(
            f"api_key must be a str, not {type(value).__name__}: pass api_key='...' or set "
            f"{ENV_API_KEY}"
        )
    if not value or not value.strip():
        raise ConfigurationError(
            f"no API key: pass api_key=... or set the environment variable {ENV_API_KEY} "
            "(the key is on the API Keys page of the Pinecone console)"
        )
    return ApiKey(value.strip())


def take_api_key(api_key: str | ApiKey | None) -> ApiKey | None:
    """Wrap a key given to a call at once; None stays None (the environment's is read later).

    A public function calls this first and deletes its ``api_key`` right after, so that no
    frame keeps the plain key for a traceback to show, whatever fails next. A malformed
    key's error keeps no frame that held it either.

    Examples
    --------
    >>> take_api_key("pcsk_example"), take_api_key(None)
    (ApiKey('***'), None)
    """
    if api_key is None:
        return None
    try:
        return resolve_api_key(api_key)
    except ConfigurationError as error:
        traceback.clear_frames(error.__traceback__)  # ApiKey's frame held the value
        raise
    finally:
        del api_key


#: The loggers of urllib3 that may quote what a server sent (a header line it could not
#: parse, a status line) in a message or a traceback.
URLLIB3_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.poolmanager",
    "urllib3.util.retry",
)


class _KeysInLogs(logging.Filter):
    """Redact the keys of the clients alive from urllib3's log records (message, traceback).

    A server that echoes the key in a header line makes urllib3 log "Failed to parse
    headers ... unparsed data: '<the key>'" at WARNING, with a traceback; a program that
    logs warnings would print it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.keys: weakref.WeakSet[ApiKey] = weakref.WeakSet()

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, the keys redacted from its message and its traceback."""
        keys = list(self.keys)
        if not keys:
            return True
        text = record.getMessage()
        clean = text
        for key in keys:
            clean = key.redact(clean)
        if clean != text:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            shown = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            for key in keys:
                shown = key.redact(shown)
            record.exc_info, record.exc_text = None, shown
        return True


_KEYS_IN_LOGS = _KeysInLogs()


def redact_in_logs(key: ApiKey) -> None:
    """Redact ``key`` from urllib3's log records while it is in use (held by a client)."""
    for name in URLLIB3_LOGGERS:
        logging.getLogger(name).addFilter(_KEYS_IN_LOGS)  # once: addFilter adds it once
    _KEYS_IN_LOGS.keys.add(key)
