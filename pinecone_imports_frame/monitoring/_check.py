"""``check_imports``: what needs a person now, from one listing or a lake's recent listings.

A problem is an import that failed within ``since`` of its index's newest listing (the
retry trap named), an import InProgress below 100 % whose progress has not changed for
``stalled_after``, an import indexing (InProgress at 100 %) for ``indexing_after`` or
more, an import Pending ``pending_after`` after it was created, a listing that failed
(an unreachable API, a wrong key: the check could not look),
and, for a lake, an index whose newest listing is older than ``max_age`` (the snapshot
job stopped). Stalls and indexing times need several listings: one listing shows
failures, imports pending too long and failed listings only. Everything is computed by
:mod:`~pinecone_imports_frame.trends` (``failed_imports``, ``estimate_completion``).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .. import trends
from .._text import printable, short_duration
from ..config import DEFAULT_MAX_WORKERS, DEFAULT_PAGE_SIZE, Connection
from ..errors import ConfigurationError, FleetWarning, PineconeImportsError
from ..parsing import Duration, Moment, parse_duration, parse_timestamp
from ._running import progress_since

logger = logging.getLogger(__name__)

#: The kinds of problem, in the order they are reported.
PROBLEMS = ("listing_failed", "stale", "failed", "stalled", "indexing", "pending")

#: The columns ``check_imports`` reads (``read_snapshots(root, columns=CHECK_COLUMNS)``).
CHECK_COLUMNS: tuple[str, ...] = tuple(
    sorted(
        {
            *trends.COLUMNS_NEEDED["estimate_completion"],
            *trends.COLUMNS_NEEDED["failed_imports"],
            "index_name",
        }
    )
)

#: The longest line a problem is shown as (server text can be long).
MAX_LINE = 500

_STRING = pd.StringDtype("pyarrow")
_TIMESTAMP = pd.DatetimeTZDtype(unit="us", tz="UTC")
_PROBLEM_DTYPES: dict[str, Any] = {
    "problem": _STRING,
    "index_name": _STRING,
    "index_host": _STRING,
    "id": _STRING,
    "status": _STRING,
    "error_category": _STRING,
    "retry_trap": pd.BooleanDtype(),
    "retry_of": _STRING,
    "since": _TIMESTAMP,
    "duration": np.dtype("timedelta64[us]"),
    "percent_complete": pd.Float64Dtype(),
    "listed_at": _TIMESTAMP,
    "detail": _STRING,
}


def check_imports(
    imports: pd.DataFrame | None = None,
    *,
    connection: Connection | None = None,
    all_indexes: bool = False,
    indexes: str | Sequence[str] | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    page_size: int = DEFAULT_PAGE_SIZE,
    since: Duration = "24h",
    stalled_after: Duration = "30m",
    indexing_after: Duration = "1h",
    pending_after: Duration = "2h",
    max_age: Duration | None = None,
    now: Moment | None = None,
) -> pd.DataFrame:
    """Find the imports that need a person: failed, stalled, indexing too long; failed listings.

    Checks ``imports`` (a listing from ``read_imports``, or a history from
    ``read_snapshots``), or lists once through ``connection`` (one index, or the project
    with ``all_indexes``). A listing that fails is a problem, not an exception: the rows
    it read before failing are checked too.

    Parameters
    ----------
    imports : pandas.DataFrame, optional
        A listing or a history; else ``connection`` is listed.
    connection : Connection, optional
        Key, settings and index (``Connection.resolve(...)``) to list.
    all_indexes : bool
        With ``connection``: every index of the project.
    indexes : str or list of str, optional
        With ``all_indexes``: only these names or shell patterns.
    max_workers, page_size : int
        As for :func:`~pinecone_imports_frame.read_project_imports`.
    since : str or pandas.Timedelta
        Failures this recent, before the newest listing of their index, are problems.
    stalled_after : str or pandas.Timedelta
        An import InProgress below 100 % whose progress has not changed for this long is
        stalled (needs several listings).
    indexing_after : str or pandas.Timedelta
        An import at 100 % for this long is indexing too long (needs several listings).
    pending_after : str or pandas.Timedelta
        An import still Pending this long after its ``created_at`` (by its index's newest
        listing) has not started: one listing shows it. Imports queue behind others of
        the same index, so set it above the longest queue you expect.
    max_age : str or pandas.Timedelta, optional
        An index whose newest listing is older than this (before ``now``) is stale, and a
        frame with no listing at all is a problem: for lakes. None: not checked. (A
        listing is seen by its rows: the listings of an index with no import show none.)
    now : timestamp-like, optional
        The time ``max_age`` counts to; this machine's clock by default.

    Returns
    -------
    pandas.DataFrame
        One row per problem (none: healthy), in the order of :data:`PROBLEMS` then index:
        ``problem`` (``"listing_failed"``, ``"stale"``, ``"failed"``, ``"stalled"``,
        ``"indexing"``, ``"pending"``), ``index_name``, ``index_host``, ``id``, ``status``,
        ``error_category``, ``retry_trap``, ``retry_of`` (the earlier failed import),
        ``since`` (when it began: failed, last progress, first at 100 %, created, newest
        listing), ``duration`` (how long ago, or for how long), ``percent_complete``,
        ``listed_at`` (the listing that shows it) and ``detail`` (the error, as the
        server sent it: show it with :func:`problem_lines`).

    Raises
    ------
    ConfigurationError
        A bad argument, or both or neither of ``imports`` and ``connection``.

    Examples
    --------
    >>> import pinecone_imports_frame as pif
    >>> listing = pif.to_frame([
    ...     {"id": "1", "uri": "s3://b/a/", "status": "Failed", "createdAt": "2025-05-01T10:00:00Z",
    ...      "finishedAt": "2025-05-01T11:00:00Z", "error": "Exceeds system limit"},
    ...     {"id": "2", "uri": "s3://b/b/", "status": "Completed",
    ...      "createdAt": "2025-05-01T10:00:00Z", "finishedAt": "2025-05-01T10:30:00Z"}],
    ...     listed_at="2025-05-01T12:00:00Z", index_host="docs.svc")
    >>> problems = pif.check_imports(listing)
    >>> problems[["problem", "id", "error_category"]].values.tolist()
    [['failed', '1', 'system_limit']]
    >>> problem_lines(problems)
    ['index docs.svc: import 1 failed 1h00m00s ago (system_limit): Exceeds system limit']
    """
    since_td = parse_duration(since, what="since")
    stalled_td = parse_duration(stalled_after, what="stalled_after")
    indexing_td = parse_duration(indexing_after, what="indexing_after")
    pending_td = parse_duration(pending_after, what="pending_after")
    max_age_td = None if max_age is None else parse_duration(max_age, what="max_age")
    now_ts = parse_timestamp(now, what="now") or pd.Timestamp.now(tz="UTC").as_unit("us")
    if (imports is None) == (connection is None):
        raise ConfigurationError(
            "check_imports checks a frame (a listing or a lake's history) or lists through "
            "connection=: pass one of them"
        )
    rows: list[dict[str, Any]] = []
    if imports is None:
        assert connection is not None
        frame, rows = _list(
            connection,
            all_indexes=all_indexes,
            indexes=indexes,
            max_workers=max_workers,
            page_size=page_size,
        )
    else:
        if not isinstance(imports, pd.DataFrame):
            raise ConfigurationError(
                "imports must be a DataFrame from read_imports or read_snapshots, not "
                f"{type(imports).__name__}"
            )
        frame = imports
    missing = [c for c in CHECK_COLUMNS if c not in frame.columns and c != "index_host"]
    if missing:
        raise ConfigurationError(
            f"check_imports needs the column(s) {', '.join(missing)}; read them too, e.g. "
            "read_snapshots(root, columns=monitoring.CHECK_COLUMNS)"
        )
    names = _names(frame)
    if max_age_td is not None:
        rows += _stale(frame, names, max_age_td, now_ts)
    rows += _failed(frame, names, since_td)
    rows += _running(frame, names, stalled_td, indexing_td)
    rows += _pending(frame, names, pending_td)
    if connection is not None:  # a server may echo a piece of the key in an error or an id
        redact = connection.api_key.redact
        for row in rows:
            for name in ("id", "detail"):
                if isinstance(row.get(name), str):
                    row[name] = redact(row[name])
    return _problem_frame(rows)


def _list(
    connection: Connection,
    *,
    all_indexes: bool,
    indexes: str | Sequence[str] | None,
    max_workers: int,
    page_size: int,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """List once; return what arrived and a problem per failed listing."""
    from ..frame import empty_frame

    if not isinstance(connection, Connection):
        raise ConfigurationError(
            "connection must be a pinecone_imports_frame.Connection (Connection.resolve(...)), "
            f"not {type(connection).__name__}"
        )
    if not all_indexes and indexes is not None:
        raise ConfigurationError("indexes chooses among the project's indexes: add all_indexes")
    failed: list[dict[str, Any]] = []

    def listing_failed(name: Any, host: Any, error: Any) -> dict[str, Any]:
        return {
            "problem": "listing_failed",
            "index_name": name,
            "index_host": host,
            "detail": error,
        }

    try:
        if all_indexes:
            from ..fleet import read_project_imports

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FleetWarning)  # each is a problem below
                frame = read_project_imports(
                    connection=connection,
                    indexes=indexes,
                    max_workers=max_workers,
                    page_size=page_size,
                    progress=False,
                )
            for e in frame.attrs.get("errors", []):
                detail = f"{e['error_type']}: {e['message']}"
                failed.append(listing_failed(e["index_name"], e["index_host"], detail))
        else:
            from ..loader import read_imports

            frame = read_imports(connection=connection, page_size=page_size, progress=False)
    except ConfigurationError:
        raise
    except PineconeImportsError as exc:
        frame = exc.partial if exc.partial is not None else empty_frame()
        host = None if all_indexes else connection.index_host
        name = None if all_indexes else connection.index_name
        what = "the control plane: " if all_indexes else ""
        failed.append(listing_failed(name, host, f"{what}{type(exc).__name__}: {exc}"))
    return frame, failed


def _hosts(frame: pd.DataFrame) -> pd.Series:
    if "index_host" in frame.columns:
        return frame["index_host"].astype(object).where(frame["index_host"].notna(), None)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _names(frame: pd.DataFrame) -> dict[Any, Any]:
    """Map each host to its index name (its newest known), None where unknown."""
    if not len(frame):
        return {}
    named = pd.DataFrame(
        {"host": _hosts(frame), "name": frame["index_name"].astype(object), "t": frame["listed_at"]}
    ).dropna(subset=["name"])
    named = named.sort_values("t", kind="stable").drop_duplicates("host", keep="last")
    return dict(zip(named["host"], named["name"], strict=True))


def _newest(frame: pd.DataFrame) -> pd.Series:
    """Find the newest ``listed_at`` of each host ("" for a frame without hosts)."""
    return frame["listed_at"].groupby(_hosts(frame).fillna("")).max()


def _stale(
    frame: pd.DataFrame, names: dict[Any, Any], max_age: pd.Timedelta, now: pd.Timestamp
) -> list[dict[str, Any]]:
    if not len(frame):
        return [{"problem": "stale", "detail": "no listing to check"}]
    out = []
    for host, newest in _newest(frame).items():
        age = now - newest
        if age > max_age:
            out.append(
                {
                    "problem": "stale",
                    "index_host": host or None,
                    "index_name": names.get(host or None),
                    "since": newest,
                    "duration": age,
                    "listed_at": newest,
                }
            )
    return out


def _failed(
    frame: pd.DataFrame, names: dict[Any, Any], since: pd.Timedelta
) -> list[dict[str, Any]]:
    if not len(frame):
        return []
    failed = trends.failed_imports(frame)
    failed = failed[(failed["status"] == "Failed").to_numpy()]
    if not len(failed):
        return []
    newest = _newest(frame)
    hosts = failed["index_host"].astype(object).where(failed["index_host"].notna(), None)
    listed = hosts.fillna("").map(newest)
    when = failed["finished_at"].fillna(failed["created_at"])
    recent = (when >= listed - since).fillna(False).to_numpy(dtype=bool)
    out = []
    for i in np.flatnonzero(recent):
        row = failed.iloc[i]
        host = hosts.iloc[i]
        category = row["error_category"]
        out.append(
            {
                "problem": "failed",
                "index_host": host,
                "index_name": names.get(host),
                "id": row["id"],
                "status": "Failed",
                "error_category": None if pd.isna(category) else str(category),
                "retry_trap": bool(row["retry_trap"]),
                "retry_of": row["retry_of"],
                "since": when.iloc[i],
                "duration": listed.iloc[i] - when.iloc[i],
                "listed_at": listed.iloc[i],
                "detail": row["error"],
            }
        )
    return out


def _running(
    frame: pd.DataFrame,
    names: dict[Any, Any],
    stalled_after: pd.Timedelta,
    indexing_after: pd.Timedelta,
) -> list[dict[str, Any]]:
    if not len(frame):
        return []
    running = trends.estimate_completion(frame)
    if not len(running):
        return []
    since = progress_since(frame).set_index(["index_host", "id"])["progress_since"]
    out = []
    for row in running.to_dict(orient="records"):  # the running imports: tens
        host = None if pd.isna(row["index_host"]) else row["index_host"]
        base = {
            "index_host": host,
            "index_name": names.get(host),
            "id": row["id"],
            "status": str(row["status"]),
            "percent_complete": row["percent_complete"],
            "listed_at": row["listed_at"],
        }
        percent = row["percent_complete"]
        if row["phase"] == "indexing" and row["indexing_for"] >= indexing_after:
            out.append(
                {
                    **base,
                    "problem": "indexing",
                    "since": row["indexing_since"],
                    "duration": row["indexing_for"],
                }
            )
        elif row["status"] == "InProgress" and not pd.isna(percent) and percent < 100:
            began = since.get((row["index_host"], row["id"]))
            if began is not None and row["listed_at"] - began >= stalled_after:
                out.append(
                    {
                        **base,
                        "problem": "stalled",
                        "since": began,
                        "duration": row["listed_at"] - began,
                    }
                )
    return out


def _pending(
    frame: pd.DataFrame, names: dict[Any, Any], pending_after: pd.Timedelta
) -> list[dict[str, Any]]:
    """Find the imports Pending at their index's newest listing ``pending_after`` after."""
    if not len(frame):
        return []
    hosts = _hosts(frame)
    newest = frame["listed_at"] == hosts.fillna("").map(_newest(frame))
    waiting = frame[newest.to_numpy() & (frame["status"] == "Pending").fillna(False).to_numpy()]
    out = []
    for host, row in zip(hosts[waiting.index], waiting.to_dict(orient="records"), strict=True):
        created = row["created_at"]
        if pd.isna(created) or row["listed_at"] - created < pending_after:
            continue
        out.append(
            {
                "problem": "pending",
                "index_host": host,
                "index_name": names.get(host),
                "id": row["id"],
                "status": "Pending",
                "since": created,
                "duration": row["listed_at"] - created,
                "listed_at": row["listed_at"],
            }
        )
    return out


def _problem_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = {}
    for name, dtype in _PROBLEM_DTYPES.items():
        values = [r.get(name) for r in rows]
        values = [
            None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in values
        ]
        columns[name] = (
            pd.Series(values, dtype=object).astype(dtype) if rows else pd.Series([], dtype=dtype)
        )
    out = pd.DataFrame(columns)
    if not len(out):
        return out
    order = out["problem"].map({p: i for i, p in enumerate(PROBLEMS)}).astype(int)
    out = out.assign(_order=order).sort_values(
        ["_order", "index_host", "since", "id"], kind="stable", na_position="first"
    )
    return out.drop(columns="_order").reset_index(drop=True)


def _where(row: Any) -> str:
    if not pd.isna(row.index_name):
        return f"index {row.index_name}"
    if not pd.isna(row.index_host):
        return f"index {row.index_host}"
    return "the project"


def _line(row: Any) -> str:
    where = _where(row)
    if row.problem == "listing_failed":
        if where == "the project" and str(row.detail).startswith("the lake "):
            return str(row.detail)  # check --lake: the lake could not be read, and why
        return f"{where}: the listing failed: {row.detail}"
    if row.problem == "stale":
        if pd.isna(row.since):
            return f"{where}: {row.detail}: is the snapshot job running?"
        return (
            f"{where}: the newest listing is {short_duration(row.duration)} old "
            f"({row.since:%Y-%m-%d %H:%M}Z): is the snapshot job running?"
        )
    if row.problem == "failed":
        ago = short_duration(max(row.duration, pd.Timedelta(0)))
        category = "" if pd.isna(row.error_category) else f" ({row.error_category})"
        text = f"{where}: import {row.id} failed {ago} ago{category}"
        if not pd.isna(row.detail):
            text += f": {row.detail}"
        if row.retry_trap:
            text += (
                f" [the retry trap: import {row.retry_of} failed on the same URI and wrote the "
                "namespace; import into a new namespace, or delete it first]"
            )
        return text
    if row.problem == "stalled":
        return (
            f"{where}: import {row.id} stalled at {row.percent_complete:g} %: no progress for "
            f"{short_duration(row.duration)} (since {row.since:%Y-%m-%d %H:%M}Z)"
        )
    if row.problem == "pending":
        return (
            f"{where}: import {row.id} pending for {short_duration(row.duration)} (created "
            f"{row.since:%Y-%m-%d %H:%M}Z): not started; is an import ahead of it stuck?"
        )
    return (
        f"{where}: import {row.id} indexing for {short_duration(row.duration)} "
        f"(at 100 % since {row.since:%Y-%m-%d %H:%M}Z)"
    )


def problem_lines(problems: pd.DataFrame) -> list[str]:
    """Say each problem of :func:`check_imports` in one line, fit for a terminal or a chat.

    Server text is made printable (no escape sequence, line break or direction override
    gets through) and each line is cut to 500 characters.

    Examples
    --------
    >>> problem_lines(check_imports(pd.DataFrame(columns=list(CHECK_COLUMNS))))
    []
    """
    lines = []
    for row in problems.itertuples(index=False):
        text = printable(_line(row))
        lines.append(text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…")
    return lines


def read_recent(
    root: str | os.PathLike[str],
    *,
    lookback: pd.Timedelta,
    now: pd.Timestamp | None = None,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Read the listings of a lake taken within ``lookback`` of ``now``, as ``check`` needs.

    Only :data:`CHECK_COLUMNS` are read.

    Examples
    --------
    >>> import tempfile
    >>> import pinecone_imports_frame as pif
    >>> root = tempfile.mkdtemp()
    >>> now = pd.Timestamp("2026-03-02T09:00:00Z")
    >>> for minutes in (90, 10):
    ...     listing = pif.to_frame([{"id": "7", "status": "Pending"}], index_host="h",
    ...                            listed_at=now - pd.Timedelta(minutes=minutes))
    ...     _ = pif.write_snapshot(listing, root)
    >>> len(read_recent(root, lookback=pd.Timedelta("1h"), now=now))
    1
    """
    from ..snapshots import read_snapshots

    start = (now if now is not None else pd.Timestamp.now(tz="UTC")) - lookback
    return read_snapshots(
        root, since=start, columns=list(CHECK_COLUMNS), storage_options=storage_options
    )
