"""Arguments of the lake's functions, checked and documented once for all of them."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from .. import _hosts, parsing
from .._docs import shared_docs
from ..errors import ConfigurationError
from ..parsing import Moment

logger = logging.getLogger(__name__)

#: What each public function of the lake says of these parameters, written once: in a
#: docstring, a line holding only ``{root}``, ``{storage_options}`` or ``{dtype_backend}``
#: stands for it (filled by :func:`shared_params`, as pandas' ``@doc`` shares its
#: ``storage_options`` text).
PARAMS: dict[str, str] = {
    "root": """root : str or os.PathLike
    A local folder, or an fsspec URL (``s3://bucket/lake``, ``gs://``, ``az://``,
    ``file://``, ``memory://``).""",
    "storage_options": """storage_options : dict, optional
    Passed to fsspec for a URL root (credentials, ``endpoint_url``...). Never written
    into the lake.""",
    "dtype_backend": """dtype_backend : {"numpy_nullable", "pyarrow"}
    pandas nullable dtypes, or ``pd.ArrowDtype`` columns.""",
}

#: Fills a lake function's docstring from :data:`PARAMS` (a ``{root}`` line, for example).
shared_params = shared_docs(PARAMS)


def as_utc(value: Moment | None, name: str) -> pd.Timestamp | None:
    """Parse a timestamp argument (None stays None); naive values are UTC.

    Examples
    --------
    >>> as_utc("2025-05-01", "since")
    Timestamp('2025-05-01 00:00:00+0000', tz='UTC')
    """
    return parsing.parse_timestamp(value, what=name)


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
    return parsing.parse_duration(value, what="older_than")


def as_hosts(index_host: str | Sequence[str] | None) -> frozenset[str] | None:
    """Normalise ``index_host=`` as ``read_imports`` does: a URL or a bare host, one or many.

    Examples
    --------
    >>> sorted(as_hosts(["http://127.0.0.1:5080/", "idx.svc.pinecone.io"]))
    ['127.0.0.1:5080', 'idx.svc.pinecone.io']
    """
    given = as_set(index_host, "index_host")
    if given is None:
        return None
    out = set()
    for h in given:
        try:
            out.add(_hosts.normalize_host(h, what="index_host").netloc)
        except ConfigurationError:
            out.add(h)  # not a host read_imports takes, but a partition may still be named so
    return frozenset(out)
