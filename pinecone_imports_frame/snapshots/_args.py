"""Arguments of the lake's functions, checked once for all of them."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .. import config
from ..errors import ConfigurationError

logger = logging.getLogger(__name__)


def as_utc(value: Any, name: str) -> pd.Timestamp | None:
    """Parse a timestamp argument (None stays None); naive values are UTC.

    Examples
    --------
    >>> as_utc("2025-05-01", "since")
    Timestamp('2025-05-01 00:00:00+0000', tz='UTC')
    """
    return config.parse_timestamp(value, what=name)


def as_set(value: str | Iterable[str] | None, name: str) -> frozenset[str] | None:
    """Turn one string or a non-empty list of strings into a set (None stays None).

    Examples
    --------
    >>> as_set("a", "index_name"), as_set(None, "index_name")
    (frozenset({'a'}), None)
    >>> as_set([], "index_name")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: index_name must be a string or a ...
    """
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    if not values or not all(isinstance(v, str) for v in values):
        raise ConfigurationError(f"{name} must be a string or a non-empty list of strings")
    return frozenset(values)


def as_age(value: Any) -> pd.Timedelta:
    """Parse ``older_than``: a duration that says its unit.

    Examples
    --------
    >>> as_age("90d")
    Timedelta('90 days 00:00:00')
    >>> as_age("90")  # never 90 nanoseconds: a retention must say its unit
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: older_than='90' has no unit: ...
    """
    return config.parse_duration(value, what="older_than")
