"""JSON from the network: orjson when installed, the standard library otherwise, depth-limited.

Both decoders give the same values for anything Pinecone sends (orjson is only faster:
``pip install "pinecone-imports-frame[fast]"``). Both refuse ``NaN`` and ``Infinity``,
which are not JSON, and both refuse documents nested deeper than :data:`MAX_DEPTH`: a
value nested nearly a thousand levels deep decodes (orjson stops at 1,024), then raises
``RecursionError`` wherever it is printed or converted later.
"""

from __future__ import annotations

import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

_orjson: Any
try:  # the optional accelerator ("[fast]" extra)
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None

#: Deepest nesting accepted in a response body. A page of imports is 3 levels deep (4
#: from API 2026-07); printing a value recurses once per level, and Python stops at 1,000
#: levels, counting the caller's own frames: half that leaves them room.
MAX_DEPTH = 512

_BOM = b"\xef\xbb\xbf"
_CONTAINERS = (dict, list)


class JsonError(ValueError):
    """The bytes are not a JSON document this package accepts (reason in the message)."""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_stdlib_decoder = json.JSONDecoder(parse_constant=_no_constants)


def backend() -> str:
    """Name the decoder in use: ``"orjson"`` or ``"json"`` (the standard library).

    Examples
    --------
    >>> import importlib.util
    >>> backend() == ("orjson" if importlib.util.find_spec("orjson") else "json")
    True
    """
    return "json" if _orjson is None else "orjson"


def loads(data: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode a JSON document from UTF-8 bytes, refusing what is not plain JSON.

    Parameters
    ----------
    data : bytes
        The body, decompressed.
    max_depth : int
        Deepest nesting of arrays and objects accepted.

    Returns
    -------
    Any
        The decoded value (dicts, lists, str, int, float, bool, None).

    Raises
    ------
    JsonError
        Not UTF-8 JSON, ``NaN``/``Infinity``, or nested deeper than ``max_depth``.

    Examples
    --------
    >>> loads(b'{"data": [{"id": "1"}], "pagination": {"next": "t"}}')["data"]
    [{'id': '1'}]
    >>> loads(b"[" * 600 + b"]" * 600)
    Traceback (most recent call last):
    ...
    pinecone_imports_frame._json.JsonError: nested deeper than 512 levels
    """
    if data[:3] == _BOM:  # the standard library skips a byte order mark; orjson refuses it
        data = data[3:]
    try:
        if _orjson is not None:
            value = _orjson.loads(data)
        else:
            value = _stdlib_decoder.decode(data.decode("utf-8"))
    except RecursionError:
        raise JsonError(f"nested deeper than {max_depth} levels") from None
    except (ValueError, TypeError) as exc:  # JSONDecodeError, UnicodeDecodeError
        message = str(exc)
        if "depth limit" in message:  # orjson's own limit (1024)
            raise JsonError(f"nested deeper than {max_depth} levels") from None
        raise JsonError(message.split("\n", 1)[0][:200]) from None
    if type(value) in _CONTAINERS and not _within_depth(value, data, max_depth):
        raise JsonError(f"nested deeper than {max_depth} levels")
    return value


def _within_depth(value: Any, data: bytes, max_depth: int) -> bool:
    """Tell whether no container of ``value`` is nested deeper than ``max_depth``.

    A document cannot be nested deeper than it has ``[`` and ``{`` bytes: for a page of
    imports (about a hundred) counting them is the whole check, a few microseconds. Only
    a document with more than ``max_depth`` of them is walked, level by level.
    """
    # Arrays are few in a page (the data list): find, which is memchr, beats count.
    arrays = 0
    at = data.find(b"[")
    while at != -1 and arrays <= 32:
        arrays += 1
        at = data.find(b"[", at + 1)
    if at != -1:  # many arrays: count them in one pass
        arrays = data.count(b"[")
    if data.count(b"{") + arrays <= max_depth:
        return True
    level = [value]
    depth = 1
    while level:
        children: list[Any] = []
        for container in level:
            items = container.values() if type(container) is dict else container
            kinds = set(map(type, items))
            if dict in kinds or list in kinds:
                children.extend([x for x in items if type(x) is dict or type(x) is list])
        if children and depth >= max_depth:
            return False
        level = children
        depth += 1
    return True


__all__ = ["MAX_DEPTH", "JsonError", "backend", "loads"]
