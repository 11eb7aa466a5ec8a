"""Which listings exist, per index host: the instants beside a runs frame.

Split from :mod:`pinecone_imports_frame.runs` (which re-exports :class:`ListingInstants`):
what travels in a runs frame's ``attrs["listings"]``, apart from how runs are made.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import schema
from .errors import ConfigurationError

_EMPTY = np.zeros(0, dtype=np.int64)


def _as_micros(values: Any) -> np.ndarray:
    """Instants (timestamps, strings, µs integers) as sorted unique int64 microseconds."""
    if isinstance(values, np.ndarray) and values.dtype == np.int64:
        out = np.unique(values)
    else:
        index = pd.DatetimeIndex(pd.to_datetime(values, utc=True)).as_unit(schema.TIME_UNIT)
        if index.hasnans:
            raise ConfigurationError("a listing instant is NaT: every listing has a listed_at")
        out = np.unique(index.asi8)
    out = np.ascontiguousarray(out, dtype=np.int64)
    out.setflags(write=False)
    return out


class ListingInstants:
    """Which listings exist, per index host: the instants a runs frame's rows span.

    Immutable; travels in a runs frame's ``attrs["listings"]`` (copying a frame copies
    its attrs deeply: this object copies as itself, for free).

    Parameters
    ----------
    by_host : mapping of str to timestamps
        For each index host, the ``listed_at`` of its listings (timestamp-likes, or
        integers of microseconds since the epoch, UTC); duplicates are dropped.

    Examples
    --------
    >>> instants = ListingInstants({"h": ["2025-05-01T12:05Z", "2025-05-01T12:00Z"]})
    >>> instants.hosts
    ('h',)
    >>> instants.by_host()["h"].strftime("%H:%M").tolist()
    ['12:00', '12:05']
    """

    __slots__ = ("_micros",)

    def __init__(self, by_host: Mapping[str, Any] | None = None) -> None:
        micros = {str(h): _as_micros(v) for h, v in (by_host or {}).items()}
        self._micros: dict[str, np.ndarray] = dict(sorted(micros.items()))

    @classmethod
    def _of(cls, micros: Mapping[str, np.ndarray]) -> ListingInstants:
        """From sorted unique int64 arrays, as they are (no copy, no check)."""
        out = cls.__new__(cls)
        frozen = {}
        for h, v in sorted(micros.items()):
            if v.flags.writeable:
                v = v.copy()
                v.setflags(write=False)
            frozen[h] = v
        out._micros = frozen
        return out

    @property
    def hosts(self) -> tuple[str, ...]:
        """The index hosts, sorted."""
        return tuple(self._micros)

    def by_host(self) -> dict[str, pd.DatetimeIndex]:
        """Return each host's listing instants (µs, UTC, sorted, unique).

        Examples
        --------
        >>> ListingInstants({"h": [0]}).by_host()["h"][0]
        Timestamp('1970-01-01 00:00:00+0000', tz='UTC')
        """
        return {
            h: pd.DatetimeIndex(v.view(f"datetime64[{schema.TIME_UNIT}]")).tz_localize("UTC")
            for h, v in self._micros.items()
        }

    def micros(self, host: str) -> np.ndarray:
        """Return one host's instants as int64 microseconds (read-only); empty if unknown."""
        return self._micros.get(host, _EMPTY)

    def union(self, other: ListingInstants) -> ListingInstants:
        """Return the instants of both.

        Examples
        --------
        >>> ListingInstants({"a": [1]}).union(ListingInstants({"a": [2], "b": [3]})).hosts
        ('a', 'b')
        """
        out = dict(self._micros)
        for h, v in other._micros.items():
            out[h] = np.union1d(out[h], v) if h in out else v
        return ListingInstants._of(out)

    def window(self, since_us: int | None, until_us: int | None) -> ListingInstants:
        """Return the instants ``since_us <= t < until_us`` (µs; None: unbounded)."""
        out = {}
        for h, v in self._micros.items():
            lo = 0 if since_us is None else int(np.searchsorted(v, since_us, "left"))
            hi = len(v) if until_us is None else int(np.searchsorted(v, until_us, "left"))
            if hi > lo:
                out[h] = v[lo:hi]
        return ListingInstants._of(out)

    def __len__(self) -> int:
        return sum(len(v) for v in self._micros.values())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ListingInstants):
            return NotImplemented
        return self._micros.keys() == other._micros.keys() and all(
            np.array_equal(v, other._micros[h]) for h, v in self._micros.items()
        )

    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> ListingInstants:
        return self

    def __deepcopy__(self, _memo: dict[int, Any]) -> ListingInstants:
        return self

    def __repr__(self) -> str:
        parts = ", ".join(f"{h!r}: {len(v)}" for h, v in self._micros.items())
        return f"ListingInstants({{{parts}}} listings)"
