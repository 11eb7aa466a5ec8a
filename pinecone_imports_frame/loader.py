"""``read_imports`` and ``iter_pages``: from arguments to a drained, typed listing.

Resolves the connection (config), opens the session (client), drains the pages
(pagination), converts them page by page (frame), and optionally writes a snapshot.
A failure after some pages keeps them: the error carries ``.partial``.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Generator, Iterator
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import config, schema
from ._apikey import ApiKey
from ._progress import PageProgress, check_progress
from ._text import FOR_PYTHON
from .client import ApiClient
from .config import (
    DEFAULT_API_VERSION,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    Connection,
    connection_docs,
)
from .control import with_index_endpoint
from .errors import ClockSkewWarning, PineconeImportsError
from .frame import (
    ListingInfo,
    OnBadRecord,
    RecordColumns,
    build_frame,
    build_table,
    check_on_bad_record,
    frame_from_table,
)
from .pagination import TokenPaginator, drain
from .schema import DtypeBackend

logger = logging.getLogger(__name__)


def iter_pages(
    host: str | None = None,
    *,
    connection: Connection | None = None,
    api_key: str | ApiKey | None = None,
    index_name: str | None = None,
    controller_host: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    allow_insecure: bool = False,
    api_version: str = DEFAULT_API_VERSION,
    use_private_host: bool = False,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    progress: bool | None = None,
) -> PageIterator:
    """Iterate the pages of ``list_imports`` as the API sent them (lists of dicts).

    Takes the same connection arguments as :func:`read_imports`, checked at once; the pages
    are fetched as you iterate. For users who stream.

    Parameters
    ----------
    host, connection, api_key, index_name, controller_host : optional
        As for :func:`read_imports`; an index given by name is looked up at once.
    page_size : int
        Imports per request (the API's ``limit``), 1 to 100.
    max_pages : int or None
        Stop with :class:`PaginationError` past this many pages (None: no limit).
    progress : bool, optional
        A bar of pages and imports; None: on in a terminal or Jupyter.
    timeout, max_retries, allow_insecure, api_version, use_private_host
        As for :func:`read_imports`.

    Returns
    -------
    PageIterator
        Yields each page's records (dicts with the API's camelCase keys); its
        ``clock_offset`` is the server's clock against this machine's, once a page is in.

    Raises
    ------
    ConfigurationError
        A bad argument, before any request.
    PineconeImportsError
        As :func:`read_imports` raises them, while iterating.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=25) as emu:
    ...     sizes = [len(p) for p in iter_pages(emu.url, api_key=emu.api_key, page_size=10)]
    >>> sizes
    [10, 10, 5]
    """
    # The key first, wrapped, and the plain string out of this frame at once: no error
    # below, a bad argument included, finds it here. Then the connection (nothing is sent).
    try:
        conn = config.connection_from(locals())
    finally:
        del api_key
    config.check_page_size(page_size)
    config.check_max_pages(max_pages)
    check_progress(progress)
    return open_pages(conn, page_size=page_size, max_pages=max_pages, progress=progress)


def open_pages(
    connection: Connection, *, page_size: int, max_pages: int | None, progress: bool | None
) -> PageIterator:
    """Start a listing over a resolved connection, its arguments checked by the caller.

    What :func:`iter_pages`, :func:`read_imports` and the fleet view share, so that a
    call resolves and checks its arguments once. An index given by name is looked up now.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=5) as emu:
    ...     conn = Connection.resolve(emu.url, api_key=emu.api_key)
    ...     pages = list(open_pages(conn, page_size=2, max_pages=None, progress=False))
    >>> [len(page) for page in pages]
    [2, 2, 1]
    """
    conn = with_index_endpoint(connection)
    return PageIterator(conn, page_size=page_size, max_pages=max_pages, progress=progress)


#: The server's clock counts only when it differs from this machine's by more than this.
CLOCK_TOLERANCE = pd.Timedelta(seconds=2)
#: The most the server's clock may correct ``listed_at`` by. A ``Date`` further from this
#: machine's clock is taken for a broken clock (a proxy's, a load balancer's, or this
#: machine's): ignored, with a :class:`ClockSkewWarning`. The emulator's simulated clock
#: is exempt (its answers say so, from a loopback host).
MAX_CLOCK_CORRECTION = pd.Timedelta(days=1)
_HALF_SECOND = pd.Timedelta(milliseconds=500).as_unit(schema.TIME_UNIT)


def server_clock_offset(
    server_date: datetime | None, *, bounded: bool = True, host: str | None = None
) -> pd.Timedelta:
    """Return how far the server's clock is ahead of this machine's, in whole seconds.

    ``server_date`` is an answer's ``Date`` header (second resolution) just received. A
    difference within :data:`CLOCK_TOLERANCE` is noise (0); without a date, the client's
    clock stands (0). A difference beyond :data:`MAX_CLOCK_CORRECTION` is a broken clock:
    0, with a :class:`ClockSkewWarning` naming ``host`` (unless ``bounded`` is False: the
    emulator's simulated clock).

    Examples
    --------
    >>> import warnings
    >>> from datetime import datetime, timedelta, timezone
    >>> now = datetime.now(timezone.utc)
    >>> server_clock_offset(now + timedelta(hours=3)).round("h")
    Timedelta('0 days 03:00:00')
    >>> server_clock_offset(now), server_clock_offset(None)
    (Timedelta('0 days 00:00:00'), Timedelta('0 days 00:00:00'))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     server_clock_offset(datetime(2099, 12, 31, tzinfo=timezone.utc))
    Timedelta('0 days 00:00:00')
    >>> caught[0].category.__name__
    'ClockSkewWarning'
    """
    if server_date is None:
        return pd.Timedelta(0)
    # In microseconds throughout: a server's date may be centuries off, past what
    # nanoseconds hold (years 1678 to 2261).
    received = pd.Timestamp.now(tz="UTC").as_unit(schema.TIME_UNIT)
    # The header drops the fraction of a second: the server's time is half a second past
    # it on average.
    diff = pd.Timestamp(server_date).as_unit(schema.TIME_UNIT) + _HALF_SECOND - received
    if abs(diff) <= CLOCK_TOLERANCE:
        return pd.Timedelta(0)
    if bounded and abs(diff) > MAX_CLOCK_CORRECTION:
        _warn_clock_skew(server_date, diff, host)
        return pd.Timedelta(0)
    seconds = np.timedelta64(round(diff.total_seconds()), "s")
    return pd.Timedelta(seconds).as_unit(schema.TIME_UNIT)


def _warn_clock_skew(server_date: datetime, diff: pd.Timedelta, host: str | None) -> None:
    # The same words while the clocks stay as far apart (whole days, the date alone): the
    # warnings module then says it once, not at every listing of a watch.
    # .days, not ``// pd.Timedelta(days=1)``: pandas 2.2 would cast the microsecond diff to
    # the divisor's nanoseconds and overflow past 292 years.
    days = abs(diff).days
    way = "ahead of" if diff > pd.Timedelta(0) else "behind"
    hours = MAX_CLOCK_CORRECTION // pd.Timedelta(hours=1)
    bound = f"{hours // 24} day" if hours == 24 else f"{hours} hours"
    warnings.warn(
        ClockSkewWarning(
            f"the clock of {host or 'the server'} (its Date header says "
            f"{server_date:%Y-%m-%d}) is {days:,} day{'s' if days != 1 else ''} {way} this "
            f"machine's, more than the {bound} a correction of listed_at may be: taken "
            "for a broken clock (of a proxy or load balancer on the way, or of this "
            "machine) and ignored, so listed_at is this machine's clock; check both clocks"
        ),
        stacklevel=3,
    )


class PageIterator(Iterator[list[dict[str, Any]]]):
    """The pages of one listing, fetched as they are iterated; knows where they come from.

    Attributes
    ----------
    connection : Connection
        The resolved host, index name and settings.
    paginator : TokenPaginator
        The listing's state: pages and records read so far.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        page_size: int,
        max_pages: int | None,
        progress: bool | None,
    ) -> None:
        self.connection = connection
        self.paginator = TokenPaginator(page_size=page_size, max_pages=max_pages)
        #: How far the server's clock is ahead of this machine's, in whole seconds, from
        #: the first page's ``Date`` header (0 within two seconds, without a ``Date``, or
        #: more than :data:`MAX_CLOCK_CORRECTION` off, except for the emulator's clock).
        self.clock_offset = pd.Timedelta(0)
        self._pages = self._run(progress)

    def _run(self, progress: bool | None) -> Generator[list[dict[str, Any]], None, None]:
        conn = self.connection
        assert conn.endpoint is not None  # iter_pages resolved it
        bar = PageProgress(conn.endpoint.netloc, enabled=progress)
        try:
            with ApiClient.for_connection(conn, conn.endpoint) as client:
                for records in drain(client, self.paginator, on_page=bar):
                    if self.paginator.pages == 1:
                        self.clock_offset = server_clock_offset(
                            client.last_date,
                            bounded=not client.simulated_clock,
                            host=conn.index_host,
                        )
                    yield records
        finally:
            bar.close()

    def __iter__(self) -> PageIterator:
        return self

    def __next__(self) -> list[dict[str, Any]]:
        return next(self._pages)

    def close(self) -> None:
        """Stop the listing and close its connections."""
        self._pages.close()


@connection_docs
def read_imports(
    host: str | None = None,
    *,
    connection: Connection | None = None,
    api_key: str | ApiKey | None = None,
    index_name: str | None = None,
    controller_host: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    allow_insecure: bool = False,
    api_version: str = DEFAULT_API_VERSION,
    use_private_host: bool = False,
    dtype_backend: DtypeBackend = "numpy_nullable",
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    progress: bool | None = None,
    snapshot_to: str | os.PathLike[str] | None = None,
    storage_options: dict[str, Any] | None = None,
    on_bad_record: OnBadRecord = "raise",
) -> pd.DataFrame:
    """Drain every page of an index's bulk imports into one typed DataFrame.

    Parameters
    ----------
    host : str, optional
        The index host as the console shows it (https implied; http for loopback) or a URL.
        Else ``index_name``, else the environment variable ``PINECONE_INDEX_HOST``.
    connection : Connection, optional
        Settings resolved once with :meth:`Connection.resolve`, instead of the connection
        arguments (``host``, ``api_key``, ``index_name``, ``controller_host``,
        ``timeout``, ``max_retries``, ``allow_insecure``, ``api_version``,
        ``use_private_host``); beside it, those that differ from it are refused.
    {api_key}
    index_name : str, optional
        Resolved to its host through the control plane when ``host`` is not given; fills
        ``index_name``.
    {controller_host}
    dtype_backend : {"numpy_nullable", "pyarrow"}
        pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
    page_size : int
        Imports per request (the API's ``limit``), 1 to 100.
    max_pages : int or None
        Stop with :class:`PaginationError` if the listing has more pages than this
        (default 100,000 pages: ten million imports at 100 a page); None for no limit. A
        listing is also stopped when the server repeats a token, or returns pages that
        bring no new import for 10 pages in a row.
    progress : bool, optional
        A tqdm bar of pages and imports; None: on in a terminal or Jupyter.
    {timeout}
    {max_retries}
    {allow_insecure}
    {api_version}
    {use_private_host}
    snapshot_to : str or path, optional
        Also write the frame as one Parquet snapshot under this root (local or fsspec URL).
    storage_options : dict, optional
        Passed to fsspec for ``snapshot_to``.
    on_bad_record : {"raise", "warn"}
        A value of the wrong kind (a malformed timestamp, ``true`` for a count) fails the
        listing with :class:`ResponseFormatError`, keeping every row before it in
        ``.partial`` (``"raise"``), or is kept as NA with one warning per field
        (``"warn"``).

    Returns
    -------
    pandas.DataFrame
        One row per import, columns and dtypes as in ``schema.COLUMNS``.

    Raises
    ------
    ConfigurationError
        A missing host or key, a bad argument, plain http to a remote host.
    ApiError
        The API answered an error (``AuthenticationError``, ``NotFoundError``,
        ``RateLimitError``, ``ServerError``); ``.partial`` holds the rows read before.
    PaginationError, TransportError, ResponseFormatError
        Also with ``.partial``.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=250, seed=0) as emu:
    ...     df = read_imports(emu.url, api_key=emu.api_key, progress=False)
    >>> len(df), str(df["status"].dtype)
    (250, 'category')
    """
    # The key first, wrapped, and the plain string out of this frame at once: no error
    # below, a bad argument included, finds it here. Then the connection (nothing is sent).
    try:
        conn = config.connection_from(locals())
    finally:
        del api_key
    schema.check_dtype_backend(dtype_backend)
    check_on_bad_record(on_bad_record)
    check_progress(progress)
    config.check_page_size(page_size)
    config.check_max_pages(max_pages)
    if snapshot_to is not None:  # fail before the first request, not after the drain
        from .snapshots import check_destination

        check_destination(snapshot_to, storage_options=storage_options)
    pages = open_pages(conn, page_size=page_size, max_pages=max_pages, progress=progress)
    table, attrs = drain_listing(pages, on_bad_record=on_bad_record, dtype_backend=dtype_backend)
    result = listing_frame(table, attrs, dtype_backend=dtype_backend)
    if snapshot_to is not None:
        snapshot_listing(result, snapshot_to, storage_options=storage_options)
    return result


def listing_frame(
    table: pa.Table, attrs: dict[str, Any], *, dtype_backend: DtypeBackend
) -> pd.DataFrame:
    """Convert a drained listing (:func:`drain_listing`) to its frame, ``attrs`` included.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=3) as emu:
    ...     table, attrs = drain_listing(iter_pages(emu.url, api_key=emu.api_key))
    ...     df = listing_frame(table, attrs, dtype_backend="pyarrow")
    ...     df.attrs["index_host"] == emu.address
    True
    >>> len(df), str(df["id"].dtype)
    (3, 'string[pyarrow]')
    """
    frame = frame_from_table(table, dtype_backend=dtype_backend)
    frame.attrs.update(attrs)
    return frame


def snapshot_listing(
    frame: pd.DataFrame,
    snapshot_to: str | os.PathLike[str],
    *,
    storage_options: dict[str, Any] | None,
) -> None:
    """Write a drained listing as a snapshot; a failure keeps the listing as ``.partial``.

    The drain finished: a lake that cannot be written must not lose it (it is also
    :func:`last_partial`).

    Examples
    --------
    >>> from pinecone_imports_frame import SnapshotError, to_frame
    >>> df = to_frame([{"id": "1", "status": "Pending"}], index_host="h")
    >>> try:
    ...     snapshot_listing(df, "/proc/no-lake-here", storage_options=None)
    ... except SnapshotError as exc:
    ...     kept = exc.partial
    >>> kept is df and last_partial() is df
    True
    """
    from .snapshots import write_snapshot

    try:
        write_snapshot(frame, snapshot_to, storage_options=storage_options)
    except PineconeImportsError as exc:
        exc.partial = _remember(frame)
        raise


def drain_listing(
    pages: PageIterator,
    *,
    on_bad_record: OnBadRecord = "raise",
    dtype_backend: DtypeBackend = "numpy_nullable",
) -> tuple[pa.Table, dict[str, Any]]:
    """Drain ``pages`` into one Arrow table of every column, and the listing's ``attrs``.

    The fleet stacks these tables and converts once; :func:`read_imports` converts one.
    An error keeps the rows read so far in ``.partial`` (a frame under
    ``dtype_backend``); an interrupt keeps them for :func:`last_partial`.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=30) as emu:
    ...     table, attrs = drain_listing(iter_pages(emu.url, api_key=emu.api_key))
    >>> table.num_rows, attrs["api_version"]
    (30, '2026-07')
    """
    conn = pages.connection
    started = pd.Timestamp.now(tz="UTC").as_unit(schema.TIME_UNIT)
    columns = RecordColumns(on_bad_record=on_bad_record, redact=conn.api_key.redact)

    def listing_info() -> ListingInfo:  # the clock offset is known once the first page is in
        return ListingInfo.of(
            listed_at=started + pages.clock_offset,
            index_host=conn.index_host,
            index_name=conn.index_name,
            api_version=conn.api_version,
        )

    def rows_so_far() -> pd.DataFrame:
        def frame() -> pd.DataFrame:
            return build_frame(columns, listing=listing_info(), dtype_backend=dtype_backend)

        try:
            return frame()
        except PineconeImportsError:
            # A malformed value in the last batch (the error names it): the rows before
            # it were kept typed, and the next build holds exactly them.
            return frame()

    try:
        for records in pages:
            columns.extend(records)
        table = build_table(columns, listing=listing_info())
    except PineconeImportsError as exc:
        exc.partial = _remember(rows_so_far())
        raise
    except KeyboardInterrupt:
        # Ctrl-C in a notebook: the pages read so far stay at hand (pif.last_partial()).
        partial = _remember(rows_so_far())
        logger.warning(
            "interrupted: the %d imports read so far are in pinecone_imports_frame.last_partial()",
            len(partial),
            extra=FOR_PYTHON,  # the command line says "interrupted" in its own words
        )
        raise
    return table, listing_info().attrs()


_last_partial: pd.DataFrame | None = None


def _remember(partial: pd.DataFrame) -> pd.DataFrame:
    global _last_partial
    _last_partial = partial
    return partial


def last_partial() -> pd.DataFrame | None:
    """Return the rows of the last listing that failed or was interrupted, or None.

    Every error of a listing carries its rows as ``.partial``; a ``KeyboardInterrupt``
    (Ctrl-C, or a notebook's stop button) cannot, so its rows are kept here, as are
    those of the last error. One frame per process, replaced by the next failure.

    Returns
    -------
    pandas.DataFrame or None
        In the package's schema; None when no listing has failed yet.

    Examples
    --------
    >>> from pinecone_imports_frame import NotFoundError
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=120) as emu:
    ...     _ = emu.inject("status", status=404, after=1)
    ...     try:
    ...         read_imports(emu.url, api_key=emu.api_key, progress=False)
    ...     except NotFoundError:
    ...         pass
    >>> len(last_partial())
    100
    """
    return _last_partial
