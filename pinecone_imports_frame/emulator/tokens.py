"""Opaque pagination tokens: an offset in one index's listing, signed so none can be forged.

A token is URL-safe base64 of the offset (8 bytes) and a keyed BLAKE2b MAC over the index
name and the offset, keyed by a secret drawn per emulator: a token from another emulator,
another index or a tampered one decodes to None.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import struct

logger = logging.getLogger(__name__)

__all__ = ["PageTokens"]

_OFFSET = struct.Struct(">Q")
_MAC_BYTES = 16


class PageTokens:
    """Encode and check the pagination tokens of one emulator.

    Examples
    --------
    >>> tokens = PageTokens()
    >>> tokens.decode(tokens.encode(100, "idx"), "idx")
    100
    >>> tokens.decode(tokens.encode(100, "idx"), "other") is None
    True
    """

    def __init__(self) -> None:
        self._secret = os.urandom(16)

    def _mac(self, index_name: str, packed: bytes) -> bytes:
        # Keyed BLAKE2b is a MAC in its own right (and cheaper than HMAC-SHA256).
        msg = index_name.encode() + b"\0" + packed
        return hashlib.blake2b(msg, key=self._secret, digest_size=_MAC_BYTES).digest()

    def encode(self, offset: int, index_name: str) -> str:
        """Return the token for ``offset`` in the listing of ``index_name``.

        Examples
        --------
        >>> token = PageTokens().encode(5, "idx")
        >>> len(token), token.isdigit()
        (32, False)
        """
        packed = _OFFSET.pack(offset)
        return base64.urlsafe_b64encode(packed + self._mac(index_name, packed)).decode()

    def decode(self, token: str, index_name: str) -> int | None:
        """Return the offset ``token`` encodes for ``index_name``, or None if it is not one.

        Examples
        --------
        >>> PageTokens().decode("bogus", "idx") is None
        True
        """
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return None
        if len(raw) != _OFFSET.size + _MAC_BYTES:
            return None
        packed, mac = raw[: _OFFSET.size], raw[_OFFSET.size :]
        if not hmac.compare_digest(mac, self._mac(index_name, packed)):
            return None
        return int(_OFFSET.unpack(packed)[0])
