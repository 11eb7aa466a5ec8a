"""Every index of a project at once: the fleet view.

:func:`read_project_imports` lists the project's indexes through the control plane, keeps
those asked for (names or shell-style patterns), skips those that cannot have imports (not
ready, or pod-based: bulk import is for serverless indexes), and drains the others
concurrently on a bounded pool of threads, each listing sequential, so that never more than
``max_workers`` requests are in flight. One slow or broken index does not stop the others:
its failure is collected (or raised after all have finished), and whatever arrived is kept.

Where an index runs is read from either shape of the control plane's ``IndexModel``
(:func:`~pinecone_imports_frame.control.deployment_type`). A pod-based index is skipped
before any request to it. A BYOC index (Pinecone's serverless data plane in the customer's
cloud) is tried: nothing says it refuses imports. So is an index of a deployment type this
package does not know, named in a warning: its data plane's answer decides, not a guess.
An index whose data plane answers, before any row, that bulk import is not supported
there is skipped with the server's reason, not counted as a failure.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from . import _progress, config, control, schema
from ._apikey import ApiKey
from ._selection import NO_MATCH, check_selection
from ._text import printable
from .config import (
    DEFAULT_API_VERSION,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_WORKERS,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    Connection,
    connection_docs,
)
from .errors import (
    ApiError,
    ConfigurationError,
    FleetError,
    FleetWarning,
    PineconeImportsError,
    UnknownStatusWarning,
)
from .frame import (
    OnBadRecord,
    check_on_bad_record,
    concat_frames,
    empty_frame,
    frame_from_table,
    status_array,
)
from .schema import DtypeBackend

logger = logging.getLogger(__name__)

OnError = Literal["collect", "raise"]
#: The most threads ``max_workers`` may ask for: each is one listing at a time.
MAX_WORKERS = 256


#: A 4xx whose message says bulk import is not offered (with 501 and gRPC's UNIMPLEMENTED).
_UNSUPPORTED = re.compile(r"\b(not supported|unsupported|not available|not enabled)\b", re.I)
_IMPORTS = re.compile(r"\bimports?\b", re.I)
#: The longest excerpt of a server's reason kept in a skip record.
_REASON_CHARS = 300


@dataclass(frozen=True)
class IndexTarget:
    """One index of the project to list, from its control-plane ``IndexModel``.

    Attributes
    ----------
    name : str
        The index's name.
    host : str
        Its data-plane host (``host[:port]``), as the control plane gives it: the
        ``index_host`` of its rows.
    via : str or None
        Its private endpoint, where its requests go instead (``use_private_host=True``
        and the control plane gives one); None: they go to ``host``.
    deployment_type : str or None
        Where it runs (``managed``, ``byoc``, ...; None when the control plane does not
        say).
    """

    name: str
    host: str
    via: str | None = None
    deployment_type: str | None = None

    @property
    def host_used(self) -> str:
        """The host its requests go to: ``via`` if set, else ``host``."""
        return self.via or self.host


def check_patterns(patterns: str | Sequence[str] | None) -> list[str] | None:
    """Return ``patterns`` as a list (None stays), or refuse them.

    Examples
    --------
    >>> check_patterns("prod-*"), check_patterns(None)
    (['prod-*'], None)
    """
    if patterns is None:
        return None
    try:
        listed = [patterns] if isinstance(patterns, str) else list(patterns)
    except TypeError:  # 5, not a list of names
        listed = []
    if not listed or not all(isinstance(p, str) and p for p in listed):
        raise ConfigurationError(
            "indexes must be None, a name or pattern, or a non-empty list of them "
            "(e.g. ['prod-*', 'search'])"
        )
    # Patterns are matched here, never sent; but one that matches nothing is quoted back.
    if any(p.strip().lower().startswith("pcsk_") for p in listed):
        raise ConfigurationError(
            "indexes holds what looks like an API key (it is not repeated here): pass the "
            "key as api_key= (or PINECONE_API_KEY) and index names or patterns such as "
            "'prod-*' as indexes"
        )
    return listed


def check_fleet_arguments(*, indexes: str | Sequence[str] | None, max_workers: int) -> None:
    """Refuse ``indexes`` or ``max_workers`` as :func:`read_project_imports` would.

    Examples
    --------
    >>> check_fleet_arguments(indexes="prod-*", max_workers=0)
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: max_workers must be from 1 to 256, not 0
    """
    check_patterns(indexes)
    if isinstance(max_workers, bool) or not isinstance(max_workers, int):
        raise ConfigurationError(f"max_workers must be an int, not {max_workers!r}")
    if not 1 <= max_workers <= MAX_WORKERS:
        raise ConfigurationError(f"max_workers must be from 1 to {MAX_WORKERS}, not {max_workers}")


def select_indexes(
    models: Sequence[dict[str, Any]],
    patterns: str | Sequence[str] | None,
    *,
    use_private_host: bool = False,
) -> tuple[list[IndexTarget], list[dict[str, Any]]]:
    """Choose the indexes to list: matching ``patterns``, ready, not pod-based.

    Parameters
    ----------
    models : sequence of dict
        ``IndexModel`` objects as the control plane lists them (either shape: ``spec`` up
        to 2026-04, ``deployment`` from 2026-07).
    patterns : str or sequence of str, optional
        Names or shell-style patterns (``"prod-*"``); all indexes when None.
    use_private_host : bool
        Drain each index through its ``private_host`` where the model gives one.

    Returns
    -------
    (list of IndexTarget, list of dict)
        The indexes to list, in the control plane's order, and the skipped ones (plain
        dicts: ``index_name``, ``index_host``, ``reason``).

    Examples
    --------
    >>> models = [
    ...     {"name": "prod-a", "host": "a.svc", "spec": {"serverless": {}},
    ...      "status": {"ready": True}},
    ...     {"name": "prod-b", "host": "b.svc", "spec": {"pod": {}}, "status": {"ready": True}},
    ...     {"name": "prod-c", "host": "c.svc", "private_host": "c.private.svc",
    ...      "deployment": {"deployment_type": "byoc"}, "status": {"ready": True}},
    ...     {"name": "dev-d", "host": "d.svc", "spec": {"serverless": {}},
    ...      "status": {"ready": True}},
    ... ]
    >>> targets, skipped = select_indexes(models, "prod-*", use_private_host=True)
    >>> [(t.name, t.host_used) for t in targets], [s["index_name"] for s in skipped]
    ([('prod-a', 'a.svc'), ('prod-c', 'c.private.svc')], ['prod-b'])
    """
    patterns = check_patterns(patterns)
    targets: list[IndexTarget] = []
    skipped: list[dict[str, Any]] = []
    matched: set[str] = set()
    seen: set[str] = set()

    def skip(name: str | None, host: str | None, reason: str) -> None:
        skipped.append({"index_name": name, "index_host": host, "reason": reason})

    for model in models:
        name = model.get("name")
        host, private = control.index_hosts(model)
        if not isinstance(name, str) or not name:
            # Said, not dropped: an index the control plane cannot name is still missed.
            skip(None, host, "the control plane gives it no name")
            continue
        hit = [p for p in patterns or ["*"] if fnmatch.fnmatchcase(name, p)]
        if not hit:
            continue
        matched.update(hit)
        if name in seen:  # listed twice: drained once, or its imports would count twice
            skip(name, host, "listed twice by the control plane")
            continue
        seen.add(name)
        reason = _why_skipped(model)
        if reason is None and not host:
            reason = "the control plane gives it no host"
        if reason is not None:
            skip(name, host, reason)
            continue
        assert host is not None
        via = private if use_private_host else None
        targets.append(IndexTarget(name, host, via, control.deployment_type(model)))
    for pattern in patterns or []:
        if pattern not in matched:
            skip(pattern, None, NO_MATCH)
    return targets, skipped


def _why_skipped(model: dict[str, Any]) -> str | None:
    if control.deployment_type(model) == "pod":
        return "pod-based (deployment type 'pod'): bulk import is for serverless indexes only"
    status = model.get("status")
    # Only True is ready ("false", a string, is not); a status without "ready" says nothing.
    if isinstance(status, dict) and "ready" in status and status["ready"] is not True:
        state = status.get("state")
        return f"not ready ({state})" if isinstance(state, str) and state else "not ready"
    return None


def imports_unsupported(error: BaseException) -> bool:
    """Tell whether an error is a data plane saying that bulk import is not offered there.

    501 or gRPC's UNIMPLEMENTED (code 12); or a 400, 403, 405 or 412 whose message says
    imports are "not supported", "unsupported", "not available" or "not enabled".

    Examples
    --------
    >>> from pinecone_imports_frame.errors import ApiError
    >>> imports_unsupported(ApiError("x", status=400,
    ...                              message="Bulk import is not supported for this index"))
    True
    >>> imports_unsupported(ApiError("x", status=400, message="Unsupported API version"))
    False
    """
    if not isinstance(error, ApiError):
        return False
    if error.status == 501 or error.code == 12:
        return True
    message = error.message
    return (
        error.status in (400, 403, 405, 412)
        and bool(_UNSUPPORTED.search(message))
        and bool(_IMPORTS.search(message))
    )


def error_record(target: IndexTarget, error: BaseException) -> dict[str, Any]:
    """Describe a failed index as a plain dict for ``frame.attrs["errors"]``.

    Examples
    --------
    >>> from pinecone_imports_frame.errors import ServerError
    >>> error_record(IndexTarget("a", "a.svc"), ServerError("HTTP 503", status=503))["status"]
    503
    """
    partial = getattr(error, "partial", None)
    return {
        "index_name": target.name,
        "index_host": target.host,
        "host_used": target.host_used,
        "status": error.status if isinstance(error, ApiError) else None,
        "error_type": type(error).__name__,
        "message": str(error),
        "rows_kept": 0 if partial is None else len(partial),
    }


def _stack(
    tables: list[pa.Table], partials: list[pd.DataFrame], dtype_backend: DtypeBackend
) -> pd.DataFrame:
    """One frame of every index: the tables converted once, then any partial rows."""
    tables = [t for t in tables if t.num_rows]
    frame = empty_frame(dtype_backend=dtype_backend)
    if tables:
        # Statuses as text across indexes, re-encoded once (an index may know a status the
        # others do not; each index warned about it already).
        plain = [
            t.set_column(
                t.schema.get_field_index("status"), "status", t["status"].cast(pa.string())
            )
            for t in tables
        ]
        combined = pa.concat_tables(plain)
        status = combined.schema.get_field_index("status")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnknownStatusWarning)
            encoded = status_array(combined["status"].combine_chunks())
        frame = frame_from_table(
            combined.set_column(status, "status", encoded), dtype_backend=dtype_backend
        )
    return concat_frames([frame, *partials])


@connection_docs
def read_project_imports(
    *,
    connection: Connection | None = None,
    api_key: str | ApiKey | None = None,
    controller_host: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    allow_insecure: bool = False,
    api_version: str = DEFAULT_API_VERSION,
    use_private_host: bool = False,
    indexes: str | Sequence[str] | None = None,
    max_workers: int = DEFAULT_MAX_WORKERS,
    page_size: int = DEFAULT_PAGE_SIZE,
    dtype_backend: DtypeBackend = "numpy_nullable",
    progress: bool | None = None,
    snapshot_to: str | os.PathLike[str] | None = None,
    storage_options: dict[str, Any] | None = None,
    on_error: OnError = "collect",
    on_bad_record: OnBadRecord = "raise",
    verbose: bool = False,
) -> pd.DataFrame:
    """Drain the imports of every index of a project, concurrently, into one frame.

    Parameters
    ----------
    connection : Connection, optional
        Settings resolved once (its index, if any, is ignored: the control plane names
        the indexes), instead of the connection arguments.
    {api_key}
    {controller_host}
    indexes : str or list of str, optional
        Index names or shell-style patterns (``"prod-*"``); every index when None. A name
        or pattern that matches nothing is warned about (:class:`UnmatchedIndexWarning`)
        and reported in ``attrs["skipped"]``; when they leave no index to drain (none
        matched, or only indexes that are skipped), :class:`ConfigurationError`.
    max_workers : int
        Indexes listed at once; never more requests than this are in flight.
    page_size, dtype_backend, progress, timeout, max_retries, allow_insecure, api_version
        As for :func:`read_imports`; ``progress`` is one bar over the indexes.
    use_private_host : bool
        Drain each index through its private endpoint (``private_host``) where the
        control plane gives one (from inside the VPC); ``index_host`` stays the public
        host, and ``attrs["drained"]`` says which host each index was drained from.
    snapshot_to : str or path, optional
        Write one snapshot per index under this lake root (checked before any request).
    storage_options : dict, optional
        Passed to fsspec for ``snapshot_to``.
    on_error : {"collect", "raise"}
        ``"collect"``: an index that fails after its retries does not stop the others; its
        failure is described in ``attrs["errors"]`` and warned about once
        (:class:`FleetWarning`). ``"raise"``: after all have finished, raise
        :class:`FleetError` whose ``.partial`` holds every row that arrived.
    on_bad_record : {"raise", "warn"}
        As for :func:`read_imports`.
    verbose : bool
        Log one line per index as it finishes (INFO; DEBUG otherwise).

    Returns
    -------
    pandas.DataFrame
        Every index's imports in ``read_imports``' schema, ``index_name`` and
        ``index_host`` filled on every row, indexes in the control plane's order. A failed
        index contributes the rows that arrived before it failed. ``attrs["errors"]``,
        ``attrs["skipped"]`` (not ready, pod-based, no match, or a data plane that says
        bulk import is not supported there) and ``attrs["drained"]`` (each index asked:
        ``index_name``, ``index_host``, ``host_used``, ``deployment_type``) are lists of
        plain dicts (never the key).

    Raises
    ------
    ConfigurationError
        Bad arguments; nothing was sent. Or ``indexes`` leave no index to drain (after
        the control plane listed them; no index was asked).
    ApiError, TransportError
        The control plane could not list the indexes.
    FleetError
        With ``on_error="raise"``, one or more indexes failed.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=30, index_name="docs") as emu:
    ...     df = read_project_imports(api_key=emu.api_key, controller_host=emu.url,
    ...                               progress=False)
    >>> len(df), df["index_name"].unique().tolist(), df.attrs["errors"]
    (30, ['docs'], [])
    """
    # The key first, wrapped, and the plain string out of this frame at once: no error
    # below, a bad argument included, finds it here. Then the connection (nothing is sent).
    try:
        conn = config.connection_from(locals())
    finally:
        del api_key
    if on_error not in ("collect", "raise"):
        raise ConfigurationError(f"on_error must be 'collect' or 'raise', not {on_error!r}")
    if not isinstance(verbose, bool):
        raise ConfigurationError(f"verbose must be True or False, not a {type(verbose).__name__}")
    check_fleet_arguments(indexes=indexes, max_workers=max_workers)
    config.check_page_size(page_size)
    schema.check_dtype_backend(dtype_backend)
    check_on_bad_record(on_bad_record)  # checked per index too: here, before any request
    _progress.check_progress(progress)
    if snapshot_to is not None:
        from .snapshots import check_destination

        check_destination(snapshot_to, storage_options=storage_options)
    return drain_project(
        conn,
        indexes=indexes,
        max_workers=max_workers,
        page_size=page_size,
        dtype_backend=dtype_backend,
        progress=progress,
        snapshot_to=snapshot_to,
        storage_options=storage_options,
        on_error=on_error,
        on_bad_record=on_bad_record,
        verbose=verbose,
    )


def drain_project(
    conn: Connection,
    *,
    indexes: str | Sequence[str] | None,
    max_workers: int,
    page_size: int,
    dtype_backend: DtypeBackend,
    progress: bool | None,
    snapshot_to: str | os.PathLike[str] | None,
    storage_options: dict[str, Any] | None,
    on_error: OnError,
    on_bad_record: OnBadRecord,
    verbose: bool,
    check_indexes: bool = True,
) -> pd.DataFrame:
    """Drain a project over a resolved connection, its arguments checked by the caller.

    The body of :func:`read_project_imports`, which each poll of
    :func:`~pinecone_imports_frame.watch_project_imports` runs without resolving and
    checking its arguments again. ``check_indexes``: warn about each name or pattern of
    ``indexes`` that matches no index, and refuse a selection of none
    (:func:`check_selection`); a watch does at its first poll only.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=4, index_name="docs") as emu:
    ...     conn = Connection.resolve(api_key=emu.api_key, controller_host=emu.url)
    ...     df = drain_project(conn, indexes=None, max_workers=2, page_size=100,
    ...                        dtype_backend="numpy_nullable", progress=False,
    ...                        snapshot_to=None, storage_options=None, on_error="collect",
    ...                        on_bad_record="raise", verbose=False)
    >>> len(df), df["index_name"].unique().tolist()
    (4, ['docs'])
    """
    models = control.list_indexes(conn)
    targets, skipped = select_indexes(models, indexes, use_private_host=conn.use_private_host)
    for item in skipped:
        logger.info("skipping index %s: %s", printable(item["index_name"]), item["reason"])
    if check_indexes:  # the caller of read_project_imports, as FleetWarning below
        check_selection(models, indexes, targets, skipped, stacklevel=3)
    _report_unknown_deployments(targets)

    def list_one(target: IndexTarget) -> pa.Table:
        from .loader import drain_listing, listing_frame, open_pages, snapshot_listing

        public = None if target.via is None else target.host
        index_conn = conn.for_index(target.host_used, target.name, public=public)
        pages = open_pages(
            index_conn, page_size=page_size, max_pages=DEFAULT_MAX_PAGES, progress=False
        )
        table, attrs = drain_listing(
            pages, on_bad_record=on_bad_record, dtype_backend=dtype_backend
        )
        if snapshot_to is not None:
            frame = listing_frame(table, attrs, dtype_backend=dtype_backend)
            snapshot_listing(frame, snapshot_to, storage_options=storage_options)
        return table

    drained = _drain_all(
        targets, list_one, max_workers=max_workers, progress=progress, verbose=verbose
    )
    errors = drained.errors
    skipped.extend(drained.refused)
    refused = {item["index_name"] for item in drained.refused}
    tried = [t for t in targets if t.name not in refused]
    result = _stack(drained.tables, drained.partials, dtype_backend)
    result.attrs.update(
        {
            "api_version": conn.api_version,
            "errors": errors,
            "skipped": skipped,
            "drained": [
                {
                    "index_name": t.name,
                    "index_host": t.host,
                    "host_used": t.host_used,
                    "deployment_type": t.deployment_type,
                }
                for t in tried
            ],
        }
    )
    if errors:
        names = ", ".join(e["index_name"] for e in errors)
        if on_error == "raise":
            error = FleetError(
                f"{len(errors)} of {len(tried)} indexes failed ({names}); the rows of the "
                "others, and those that arrived before each failure, are in .partial; "
                ".errors says what went wrong with each",
                errors=errors,
            )
            error.partial = result
            raise error from drained.failures[0]
        warnings.warn(
            f"{len(errors)} of {len(tried)} indexes failed ({names}); their rows so far "
            "are kept, and frame.attrs['errors'] says what went wrong",
            FleetWarning,
            stacklevel=3,  # the caller of read_project_imports
        )
    return result


def _report_unknown_deployments(targets: Sequence[IndexTarget]) -> None:
    """Warn (in the log) about indexes of a deployment type this package does not know."""
    for target in targets:
        kind = target.deployment_type
        if kind is not None and kind not in control.DEPLOYMENT_TYPES:
            logger.warning(
                "index %s has deployment type %r, which this version of pinecone-imports-frame "
                "does not know (it knows %s): it is tried as the others are; if its data "
                "plane says bulk import is unsupported it is skipped with that reason",
                printable(target.name),
                printable(kind)[:60],
                ", ".join(control.DEPLOYMENT_TYPES),
            )


def _refusal(target: IndexTarget, error: ApiError) -> dict[str, Any]:
    """Return the skip record of an index whose data plane says imports are not offered."""
    said = printable(error.message)[:_REASON_CHARS] or f"HTTP {error.status}"
    kind = f" (deployment type {target.deployment_type!r})" if target.deployment_type else ""
    return {
        "index_name": target.name,
        "index_host": target.host,
        "reason": f"its data plane{kind} answers that bulk import is not supported there "
        f"(HTTP {error.status}): {said}",
    }


@dataclass
class _Drained:
    """What the pool brought back, each list in the targets' order."""

    tables: list[pa.Table]
    partials: list[pd.DataFrame]
    errors: list[dict[str, Any]]
    failures: list[BaseException]
    refused: list[dict[str, Any]]


def _drain_all(
    targets: list[IndexTarget],
    list_one: Callable[[IndexTarget], pa.Table],
    *,
    max_workers: int,
    progress: bool | None,
    verbose: bool,
) -> _Drained:
    """List every target on a bounded pool: tables, partial frames, failures and refusals.

    An index whose first answer says bulk import is not supported there is refused (a
    skip record), not failed.
    """
    tables: dict[int, pa.Table] = {}
    partials: dict[int, pd.DataFrame] = {}
    errors: dict[int, dict[str, Any]] = {}
    failures: dict[int, BaseException] = {}
    refused: dict[int, dict[str, Any]] = {}
    bar = _progress.IndexesProgress(len(targets), enabled=progress)
    try:
        with ThreadPoolExecutor(
            max_workers=min(max_workers, max(1, len(targets))),
            thread_name_prefix="pinecone-imports-fleet",
        ) as pool:
            futures = {pool.submit(list_one, t): i for i, t in enumerate(targets)}
            for future in as_completed(futures):
                i = futures[future]
                rows = 0
                try:
                    tables[i] = future.result()
                    rows = tables[i].num_rows
                except PineconeImportsError as exc:
                    empty = exc.partial is None or not len(exc.partial)
                    if empty and isinstance(exc, ApiError) and imports_unsupported(exc):
                        refused[i] = _refusal(targets[i], exc)
                    else:
                        # Also a host the control plane gave that cannot be used (plain
                        # http to a remote host, say): that index's problem, not the run's.
                        failures[i] = exc
                        errors[i] = error_record(targets[i], exc)
                        if exc.partial is not None:
                            partials[i] = exc.partial
                            rows = len(exc.partial)
                bar(rows)
                _log_outcome(targets[i], rows, failures.get(i), i in refused, verbose=verbose)
    finally:
        bar.close()
    return _Drained(
        [tables[i] for i in sorted(tables)],
        [partials[i] for i in sorted(partials)],
        [errors[i] for i in sorted(errors)],
        [failures[i] for i in sorted(failures)],
        [refused[i] for i in sorted(refused)],
    )


def _log_outcome(
    target: IndexTarget, rows: int, failure: BaseException | None, refused: bool, *, verbose: bool
) -> None:
    """One line per index as it finishes: its hosts, its imports, how it ended."""
    if refused:
        outcome = "skipped: bulk import is not supported there"
    else:
        outcome = "ok" if failure is None else f"failed: {type(failure).__name__}"
    where = target.host if target.via is None else f"{target.host} via private {target.via}"
    (logger.info if verbose else logger.debug)(
        "index %s (%s): %d imports, %s", printable(target.name), printable(where), rows, outcome
    )
