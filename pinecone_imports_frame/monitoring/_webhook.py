"""Tell a chat: post a Slack-compatible message (``{"text": ...}``) to an incoming webhook.

A webhook URL is a secret of its own (whoever has it can post), so it is never shown:
errors name its host alone. The text is the problems' lines (never the key, which no line
holds), with Slack's control characters escaped (``&``, ``<``, ``>``: a server's text
cannot ``<!channel>`` anyone) and its length bounded. One POST, with a timeout, no
redirect followed, the answer read up to 4 KiB.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import urllib3

from .._apikey import URLLIB3_LOGGERS
from .._hosts import Endpoint, is_loopback
from ..errors import ApiError, ConfigurationError, InsecureTransportError, TransportError

logger = logging.getLogger(__name__)

#: Problems listed in one message; the rest are counted.
MAX_LINES = 20
#: The most characters a message holds (Slack cuts a message at 40,000).
MAX_TEXT = 8_000
_READ_LIMIT = 4096


class _HideSecret(logging.Filter):
    """Mask a webhook URL's path and query in log records that quote them (urllib3's)."""

    def __init__(self, url: str) -> None:
        super().__init__()
        parts = urlsplit(url.strip())
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.secrets = [s for s in (url.strip(), path) if s not in ("", "/")]

    def _mask(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, "/***")
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the record, with the secret masked in its message and arguments."""
        record.msg = self._mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self._mask(a) for a in record.args)
        return True


def slack_escape(text: str) -> str:
    """Escape what Slack reads as markup or mentions: ``&``, ``<`` and ``>``.

    Examples
    --------
    >>> slack_escape("<!channel> a & b")
    '&lt;!channel&gt; a &amp; b'
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message_text(lines: Sequence[str], *, title: str = "pinecone-imports check") -> str:
    """Compose the message: a title with the count, then one bullet per problem (20 at most).

    Examples
    --------
    >>> print(message_text(["index a: import 7 failed"]))
    *pinecone-imports check*: 1 problem
    • index a: import 7 failed
    """
    count = f"{len(lines)} problem" + ("" if len(lines) == 1 else "s")
    out = [f"*{slack_escape(title)}*: {count}"]
    out += [f"• {slack_escape(line)}" for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        out.append(f"… and {len(lines) - MAX_LINES} more")
    text = "\n".join(out)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _endpoint(url: str, *, allow_insecure: bool) -> Endpoint:
    if not isinstance(url, str):
        raise ConfigurationError(f"the webhook URL must be a str, not {type(url).__name__}")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            "the webhook URL is not an http(s) URL (it is not shown: it is a secret); give it "
            "as the chat shows it, e.g. https://hooks.slack.com/services/..."
        )
    if parts.scheme == "http" and not allow_insecure and not is_loopback(parts.hostname):
        raise InsecureTransportError(
            f"refusing to post to the webhook at {parts.hostname} over plain http (its URL "
            "and the message would travel in clear): use https, or allow insecure transport"
        )
    return Endpoint(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}")


def notify_webhook(
    url: str,
    *,
    text: str,
    timeout: float = 10.0,
    allow_insecure: bool = False,
) -> None:
    """Post ``{"text": text}`` to a Slack-compatible incoming webhook.

    Parameters
    ----------
    url : str
        The webhook's URL (https; plain http only to loopback or with ``allow_insecure``).
        Never shown in an error or a log: it is a secret.
    text : str
        The message (see :func:`message_text`).
    timeout : float
        Seconds the whole POST may take: connecting (through the environment's proxy,
        if any), sending, and the answer.
    allow_insecure : bool
        Allow plain http to a host that is not loopback.

    Raises
    ------
    ConfigurationError
        Not an http(s) URL; plain http to a remote host.
    TransportError
        The webhook could not be reached in time.
    ApiError
        It answered with an error status (or a redirect, which is not followed).

    Examples
    --------
    >>> notify_webhook("ftp://hooks.example/x", text="hi")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: the webhook URL is not an http(s) URL ...
    """
    from .._deadline import RequestDeadline
    from ..transport import Transport

    endpoint = _endpoint(url, allow_insecure=allow_insecure)
    where = endpoint.hostname
    parts = urlsplit(url.strip())
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # The transport of the listings: the environment's proxy (with its credentials), TLS
    # verified, and a deadline for the whole POST (a trickling server is cut at ``timeout``).
    deadline = RequestDeadline()
    transport = Transport(endpoint, timeout=timeout, deadline=deadline, allow_insecure=True)
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
    hide = _HideSecret(url)
    for name in URLLIB3_LOGGERS:  # its DEBUG lines name the request's path (the secret)
        logging.getLogger(name).addFilter(hide)
    failure: BaseException | None = None
    status = 0
    try:
        urlopen = transport.connect()
        deadline.start(timeout)
        try:
            response = urlopen(
                "POST",
                endpoint.url + target if transport.forwarded else target,
                body=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
                redirect=False,
                retries=False,
                preload_content=False,
            )
            try:
                status = response.status
                response.read(_READ_LIMIT)
            finally:
                response.release_conn()
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            failure = exc
        finally:
            if deadline.stop():
                failure = failure or TimeoutError()
    finally:
        transport.close()
        for name in URLLIB3_LOGGERS:
            logging.getLogger(name).removeFilter(hide)
    if failure is not None:
        what = "no answer in time" if isinstance(failure, TimeoutError) else type(failure).__name__
        raise TransportError(
            f"could not post to the webhook at {where} ({what}, {timeout:g} s at most); check "
            "the URL and the network"
        ) from None
    if not 200 <= status < 300:
        raise ApiError(
            f"the webhook at {where} answered HTTP {status}; check its URL (not "
            "shown: it is a secret)",
            status=status,
        )
    logger.debug("posted %d bytes to the webhook at %s", len(body), where)
