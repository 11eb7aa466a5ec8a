"""Failed imports, one row each and grouped by kind, with the retry trap flagged."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from . import _history as h
from . import _on_runs as r

logger = logging.getLogger(__name__)

#: The columns of :func:`failed_imports` (a dtype of None: the frame's status categories).
_FAILED_IMPORTS_DTYPES: dict[str, Any] = {
    **h.IMPORT_DTYPES,
    "uri": h.STRING,
    "status": None,
    "created_at": h.TIMESTAMP,
    "finished_at": h.TIMESTAMP,
    "error": h.STRING,
    "error_category": schema.error_category_dtype(),
    "message": h.STRING,
    "validation_errors": pd.Int64Dtype(),
    "retry_trap": np.dtype(bool),
    "retry_of": h.STRING,
}

#: The columns of :func:`failures`.
_FAILURES_DTYPES: dict[str, Any] = {
    "problem": h.STRING,
    "error_category": schema.error_category_dtype(),
    "message": h.STRING,
    "imports": np.dtype(np.int64),
    "retry_traps": np.dtype(np.int64),
    "validation_errors": pd.Int64Dtype(),
    "uris": np.dtype(object),
    "index_hosts": h.STRING,
    "first_finished_at": h.TIMESTAMP,
    "last_finished_at": h.TIMESTAMP,
    "example": h.STRING,
}


#: How an error text becomes the message failures are grouped by: the specifics (quoted
#: names, URIs, numbers) masked, so that one kind of failure is one group.
_MESSAGE_MASKS: tuple[tuple[str, str], ...] = (
    (r'"[^"]*"', '"…"'),
    (r"'[^']*'", "'…'"),
    (r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s\"',;]+", "<uri>"),
    (r"\d+", "N"),
)

_VALIDATION_MESSAGE = "records failed validation"


def _messages(errors: pd.Series) -> Any:
    """Error texts with their specifics masked (vectorised over the column)."""
    array = pa.array(errors.astype(h.STRING).array, type=pa.string())
    for pattern, replacement in _MESSAGE_MASKS:
        array = pc.replace_substring_regex(array, pattern=pattern, replacement=replacement)
    return pd.arrays.ArrowStringArray(array)


def _distinct_per_group(group: np.ndarray, values: pd.Series, groups: int) -> list[tuple[str, ...]]:
    """Collect the sorted distinct values of each group as tuples (a step per group, not row)."""
    pairs = pd.DataFrame({"g": group, "v": values.astype(object).to_numpy()})
    pairs = pairs.dropna().drop_duplicates().sort_values(["g", "v"])
    g = pairs["g"].to_numpy()
    cuts = np.flatnonzero(np.diff(g)) + 1
    chunks = np.split(pairs["v"].to_numpy(dtype=object), cuts)
    out: list[tuple[str, ...]] = [()] * groups
    for number, chunk in zip(g[np.r_[0, cuts]] if len(g) else [], chunks, strict=False):
        out[number] = tuple(chunk)
    return out


def failed_imports(frame: pd.DataFrame) -> pd.DataFrame:
    """List the imports that failed or whose records failed validation, one row each.

    Each import appears once, with its last known row. The *retry trap* is flagged: an
    import that failed with "namespace already exists" on a URI (of the same index) whose
    earlier import had failed; the first attempt wrote the namespace before failing, so
    every retry into it fails too (import into a new namespace, or delete the namespace
    first). An import whose records failed validation (API 2026-07) is listed even when it
    completed.

    Parameters
    ----------
    frame : pandas.DataFrame
        One listing or a history (needs ``id``, ``uri``, ``status``, ``created_at``,
        ``finished_at``, ``validation_errors``, ``error``, ``error_category`` and
        ``listed_at``).

    Returns
    -------
    pandas.DataFrame
        ``index_host``, ``id``, ``uri`` (``string``), ``status`` (``category``),
        ``created_at``, ``finished_at`` (``datetime64[us, UTC]``), ``error``
        (``string``), ``error_category`` (``category``), ``message`` (``string``: the
        error with its quoted names, URIs and numbers masked), ``validation_errors``
        (``Int64``), ``retry_trap`` (``bool``) and ``retry_of`` (``string``: the id of the
        latest earlier failed import on the same URI, for a trapped one). Sorted by
        ``finished_at`` and ``id``.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> uri = "s3://b/docs/"
    >>> listing = pif.to_frame([
    ...     {"id": "1", "uri": uri, "status": "Failed", "createdAt": "2025-05-01T10:00:00Z",
    ...      "finishedAt": "2025-05-01T10:30:00Z", "error": "Exceeds system limit"},
    ...     {"id": "2", "uri": uri, "status": "Failed", "createdAt": "2025-05-01T11:00:00Z",
    ...      "finishedAt": "2025-05-01T11:00:05Z", "error": 'User error: The namespace "docs"'
    ...      ' already exists. Imports are only allowed into nonexistent namespaces.'}],
    ...     listed_at="2025-05-01T12:00:00Z")
    >>> f = failed_imports(listing)
    >>> f["retry_trap"].tolist(), f["retry_of"].tolist()
    ([False, True], [<NA>, '1'])
    >>> f.loc[1, "message"]
    'User error: The namespace "…" already exists. Imports are only allowed into nonexistent namespaces.'
    """  # noqa: E501
    h.check_frame(frame, "failed_imports")
    last = r.last_rows(frame)
    if not len(last):
        return h.empty(_FAILED_IMPORTS_DTYPES)
    status = h.col(last, "status")
    failed = (status == "Failed").to_numpy()
    invalid = (h.col(last, "validation_errors").fillna(0) > 0).to_numpy(dtype=bool)

    # The retry trap, over every import: by (index, URI), in order of creation.
    host, _ = pd.factorize(h.col(last, "index_host"), use_na_sentinel=False)
    uri, uri_uniques = pd.factorize(h.col(last, "uri"), use_na_sentinel=False)
    order = np.lexsort((h.micros(h.col(last, "created_at")), uri, host))
    place = host[order].astype(np.int64) * max(len(uri_uniques), 1) + uri[order]
    failed_sorted = pd.Series(failed[order])
    failed_before = failed_sorted.groupby(place).cumsum().to_numpy() - failed[order]
    ids = pd.Series(h.col(last, "id").to_numpy()[order], dtype=object)
    failed_ids = ids.where(failed[order])  # the ids of failed imports, NA for the others
    previous = failed_ids.groupby(place).shift(1).groupby(place).ffill()
    namespace = (h.col(last, "error_category") == "namespace_exists").to_numpy(dtype=bool)
    trap_sorted = namespace[order] & (failed_before > 0)
    retry_trap = np.zeros(len(last), dtype=bool)
    retry_trap[order] = trap_sorted
    retry_of = np.full(len(last), None, dtype=object)
    retry_of[order] = previous.where(trap_sorted).to_numpy()

    pick = np.flatnonzero(failed | invalid)
    if not len(pick):
        return h.empty(_FAILED_IMPORTS_DTYPES, status_dtype=status.dtype)
    chosen = last.take(pick)
    columns = {
        "index_host": h.col(chosen, "index_host").array,
        "id": h.col(chosen, "id").array,
        "uri": h.col(chosen, "uri").array,
        "status": h.col(chosen, "status").array,
        "created_at": h.col(chosen, "created_at").array,
        "finished_at": h.col(chosen, "finished_at").array,
        "error": h.col(chosen, "error").array,
        "error_category": h.col(chosen, "error_category").array,
        "message": _messages(h.col(chosen, "error")),
        "validation_errors": h.col(chosen, "validation_errors").array,
        "retry_trap": retry_trap[pick],
        "retry_of": pd.array(retry_of[pick], dtype=h.STRING),
    }
    return h.make_frame(columns, _FAILED_IMPORTS_DTYPES, sort=["finished_at", "id"])


def failures(frame: pd.DataFrame) -> pd.DataFrame:
    """Group the failed imports by kind and message, with counts, URIs and when.

    Parameters
    ----------
    frame : pandas.DataFrame
        One listing or a history (the columns of :func:`failed_imports`).

    Returns
    -------
    pandas.DataFrame
        One row per (``problem``, ``error_category``, ``message``), most imports first:

        - ``problem`` (``string``): ``"failed"``, or ``"validation_errors"`` for imports
          that did not fail but whose records failed validation (API 2026-07);
        - ``error_category`` (``category``) and ``message`` (``string``, the error with
          its specifics masked; "records failed validation" for the second kind);
        - ``imports``, ``retry_traps`` (how many of them are the retry trap, see
          :func:`failed_imports`) (``int64``); ``validation_errors`` (``Int64``: records
          that failed validation, summed);
        - ``uris`` (a tuple of the distinct URIs), ``index_hosts`` (``string``, the indexes,
          comma-separated);
        - ``first_finished_at``, ``last_finished_at`` (``datetime64[us, UTC]``) and
          ``example`` (``string``: the latest import's full error text).

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> rows = [{"id": str(i), "uri": f"s3://b/{i}/", "status": "Failed",
    ...          "createdAt": "2025-05-01T10:00:00Z", "finishedAt": "2025-05-01T10:05:00Z",
    ...          "error": f'No Parquet files found under "s3://b/{i}/"'} for i in range(3)]
    >>> f = failures(pif.to_frame(rows, listed_at="2025-05-01T12:00:00Z"))
    >>> f.loc[0, "error_category"], f.loc[0, "message"], int(f.loc[0, "imports"])
    ('no_parquet_found', 'No Parquet files found under "…"', 3)
    >>> len(f.loc[0, "uris"])
    3
    """
    h.check_frame(frame, "failures")
    f = failed_imports(frame)
    if not len(f):
        return h.empty(_FAILURES_DTYPES)
    is_failed = (f["status"] == "Failed").to_numpy()
    f = f.assign(
        problem=np.where(is_failed, "failed", "validation_errors"),
        message=f["message"].where(is_failed, _VALIDATION_MESSAGE),
        error_category=f["error_category"].where(is_failed),
        example=f["error"].where(is_failed, _VALIDATION_MESSAGE),
        hosts=f["index_host"].fillna(""),
    )
    keys = ["problem", "error_category", "message"]
    by = f.groupby(keys, dropna=False, observed=True, sort=False)
    out = by.agg(
        imports=("id", "size"),
        retry_traps=("retry_trap", "sum"),
        validation_errors=("validation_errors", lambda s: s.sum(min_count=1)),
        first_finished_at=("finished_at", "min"),
        last_finished_at=("finished_at", "max"),
        example=("example", "last"),  # rows are in order of finished_at
    )
    group = by.ngroup().to_numpy()
    uris = _distinct_per_group(group, f["uri"], len(out))
    hosts = [",".join(hs) or None for hs in _distinct_per_group(group, f["index_host"], len(out))]
    out = out.reset_index()
    columns: dict[str, Any] = {c: out[c].array for c in _FAILURES_DTYPES if c in out.columns}
    columns["uris"] = pd.Series(uris, dtype=object, index=out.index)
    columns["index_hosts"] = pd.array(hosts, dtype=h.STRING)
    return h.make_frame(
        columns, _FAILURES_DTYPES, sort=["imports", "last_finished_at"], ascending=False
    )
