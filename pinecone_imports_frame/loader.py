"""``read_imports`` and ``iter_pages``: from arguments to a drained, typed listing.

Resolves the connection (config), opens the session (client), drains the pages
(pagination), converts them page by page (frame), and optionally writes a snapshot.
A failure after some pages keeps them: the error carries ``.partial``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Iterator
from typing import Any

import pandas as pd

from . import config, schema
from ._progress import PageProgress
from .client import ApiClient
from .config import (
    DEFAULT_API_VERSION,
    DEFAULT_MAX_PAGES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    Connection,
)
from .control import with_index_endpoint
from .errors import PineconeImportsError
from .frame import RecordColumns, build_frame
from .pagination import TokenPaginator, drain
from .schema import DtypeBackend

logger = logging.getLogger(__name__)


def iter_pages(
    host: str | None = None,
    *,
    connection: Connection | None = None,
    api_key: str | None = None,
    index_name: str | None = None,
    controller_host: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    progress: bool | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    allow_insecure: bool = False,
    api_version: str = DEFAULT_API_VERSION,
) -> PageIterator:
    """Iterate the pages of ``list_imports`` as the API sent them (lists of dicts).

    Takes the same connection arguments as :func:`read_imports`, checked at once; the pages
    are fetched as you iterate. For users who stream.

    Examples
    --------
    >>> from pinecone_imports_frame.emulator import Emulator
    >>> with Emulator(imports=25) as emu:
    ...     sizes = [len(p) for p in iter_pages(emu.url, api_key=emu.api_key, page_size=10)]
    >>> sizes
    [10, 10, 5]
    """
    config.check_page_size(page_size)
    config.check_max_pages(max_pages)
    conn = config.resolve_connection(
        connection,
        host,
        api_key=api_key,
        index_name=index_name,
        controller_host=controller_host,
        timeout=timeout,
        max_retries=max_retries,
        allow_insecure=allow_insecure,
        api_version=api_version,
    )
    conn = with_index_endpoint(conn)
    return PageIterator(conn, page_size=page_size, max_pages=max_pages, progress=progress)


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
        self._pages = self._run(progress)

    def _run(self, progress: bool | None) -> Generator[list[dict[str, Any]], None, None]:
        conn = self.connection
        assert conn.endpoint is not None  # iter_pages resolved it
        bar = PageProgress(conn.endpoint.netloc, enabled=progress)
        try:
            with ApiClient.for_connection(conn, conn.endpoint) as client:
                yield from drain(client, self.paginator, on_page=bar)
        finally:
            bar.close()

    def __iter__(self) -> PageIterator:
        return self

    def __next__(self) -> list[dict[str, Any]]:
        return next(self._pages)

    def close(self) -> None:
        """Stop the listing and close its connections."""
        self._pages.close()


def read_imports(
    host: str | None = None,
    *,
    connection: Connection | None = None,
    api_key: str | None = None,
    index_name: str | None = None,
    controller_host: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
    max_pages: int | None = DEFAULT_MAX_PAGES,
    dtype_backend: DtypeBackend = "numpy_nullable",
    progress: bool | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    allow_insecure: bool = False,
    api_version: str = DEFAULT_API_VERSION,
    snapshot_to: str | os.PathLike[str] | None = None,
    storage_options: dict[str, Any] | None = None,
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
        ``timeout``, ``max_retries``, ``allow_insecure``, ``api_version``).
    api_key : str, optional
        Else ``PINECONE_API_KEY``. Sent only in the ``Api-Key`` header, never logged.
    index_name : str, optional
        Resolved to its host through the control plane when ``host`` is not given; fills
        ``index_name``.
    controller_host : str, optional
        The control plane, else ``PINECONE_CONTROLLER_HOST``, else https://api.pinecone.io.
    page_size : int
        Imports per request (the API's ``limit``), 1 to 100.
    max_pages : int or None
        Stop with :class:`PaginationError` if the listing has more pages than this
        (default 100,000 pages: ten million imports at 100 a page); None for no limit. A
        listing is also stopped when the server repeats a token, or returns pages that
        bring no new import for 10 pages in a row.
    dtype_backend : {"numpy_nullable", "pyarrow"}
        pandas nullable dtypes, or ``pd.ArrowDtype`` columns.
    progress : bool, optional
        A tqdm bar of pages and imports; None: on in a terminal or Jupyter.
    timeout : float
        Seconds to connect and to wait for each read.
    max_retries : int
        Retries of 408, 429, 5xx gateways and dropped connections (backoff with jitter,
        ``Retry-After`` honoured).
    allow_insecure : bool
        Allow plain http to a host that is not loopback.
    api_version : str
        ``X-Pinecone-API-Version`` header.
    snapshot_to : str or path, optional
        Also write the frame as one Parquet snapshot under this root (local or fsspec URL).
    storage_options : dict, optional
        Passed to fsspec for ``snapshot_to``.

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
    schema.check_dtype_backend(dtype_backend)
    pages = iter_pages(
        host,
        connection=connection,
        api_key=api_key,
        index_name=index_name,
        controller_host=controller_host,
        page_size=page_size,
        max_pages=max_pages,
        progress=progress,
        timeout=timeout,
        max_retries=max_retries,
        allow_insecure=allow_insecure,
        api_version=api_version,
    )
    # From here on the key lives in conn.api_key (an ApiKey, never shown): the plain string
    # must not sit in this frame, where a traceback formatted with locals would show it.
    del api_key
    conn = pages.connection
    listed_at = pd.Timestamp.now(tz="UTC").as_unit(schema.TIME_UNIT)
    columns = RecordColumns()

    def frame() -> pd.DataFrame:
        return build_frame(
            columns,
            listed_at=listed_at,
            index_host=conn.index_host,
            index_name=conn.index_name,
            dtype_backend=dtype_backend,
        )

    try:
        for records in pages:
            columns.extend(records)
        result = frame()
    except PineconeImportsError as exc:
        try:
            exc.partial = frame()
        except PineconeImportsError:
            # A value in the batch being typed is malformed (the error names it): keep
            # every batch typed before it.
            columns.drop_pending()
            exc.partial = frame()
        raise
    result.attrs["api_version"] = api_version
    if snapshot_to is not None:
        from .snapshots import write_snapshot

        write_snapshot(result, snapshot_to, storage_options=storage_options)
    return result
