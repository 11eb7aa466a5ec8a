"""``read_imports`` and ``iter_pages``: from arguments to a drained, typed listing.

Resolves the connection (config), opens the session (client), drains the pages
(pagination), converts them page by page (frame), and optionally writes a snapshot.
A failure after some pages keeps them: the error carries ``.partial``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd

from . import config, schema
from .client import ImportsClient
from .config import ApiKey, Endpoint
from .errors import ConfigurationError, PineconeImportsError, ResponseFormatError
from .frame import RecordColumns, build_frame
from .pagination import TokenPaginator, drain

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connection:
    """Everything needed to list one index's imports, resolved and checked."""

    endpoint: Endpoint
    api_key: ApiKey
    index_name: str | None
    timeout: float
    max_retries: int
    api_version: str

    def client(self) -> ImportsClient:
        return ImportsClient(
            self.endpoint,
            api_key=self.api_key,
            timeout=self.timeout,
            max_retries=self.max_retries,
            api_version=self.api_version,
        )


def describe_index_host(
    index_name: str,
    *,
    api_key: ApiKey,
    controller: str | None = None,
    timeout: float = 30.0,
    max_retries: int = 5,
    allow_insecure: bool = False,
    api_version: str = config.DEFAULT_API_VERSION,
) -> Endpoint:
    """The data-plane host of ``index_name``, from the control plane's ``describe_index``."""
    endpoint = config.resolve_controller(controller)
    config.check_transport(endpoint, allow_insecure=allow_insecure)
    path = f"/indexes/{quote(index_name, safe='')}"
    with ImportsClient(
        endpoint,
        api_key=api_key,
        timeout=timeout,
        max_retries=max_retries,
        api_version=api_version,
    ) as client:
        body = client.get_json(path)
    host = body.get("host") if isinstance(body, dict) else None
    if not isinstance(host, str) or not host:
        raise ResponseFormatError(
            f"GET {path} answered without a 'host' for index {index_name!r}; "
            "pass host= (the index host from the console) instead"
        )
    logger.debug("index %r is served at %s", index_name, host)
    return config.normalize_host(host, what=f"host of index {index_name!r}")


def connect(
    host: str | None = None,
    *,
    api_key: str | ApiKey | None = None,
    index_name: str | None = None,
    timeout: float = 30.0,
    max_retries: int = 5,
    allow_insecure: bool = False,
    api_version: str = config.DEFAULT_API_VERSION,
) -> Connection:
    """Resolve and check the connection: host, else index name, else ``PINECONE_INDEX_HOST``."""
    if not isinstance(max_retries, int) or max_retries < 0:
        raise ConfigurationError(f"max_retries must be an int >= 0, not {max_retries!r}")
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigurationError(f"timeout must be a positive number of seconds, not {timeout!r}")
    key = config.resolve_api_key(api_key)
    if host:
        endpoint = config.normalize_host(host)
    elif index_name:
        endpoint = describe_index_host(
            index_name,
            api_key=key,
            timeout=timeout,
            max_retries=max_retries,
            allow_insecure=allow_insecure,
            api_version=api_version,
        )
    elif os.environ.get(config.ENV_INDEX_HOST):
        endpoint = config.normalize_host(os.environ[config.ENV_INDEX_HOST])
    else:
        raise ConfigurationError(
            "no index host: pass host=... (the index host the console shows, e.g. "
            "my-index-abc123.svc.aped-4627-b74a.pinecone.io), or index_name=..., or set "
            f"the environment variable {config.ENV_INDEX_HOST}"
        )
    config.check_transport(endpoint, allow_insecure=allow_insecure)
    return Connection(endpoint, key, index_name, float(timeout), max_retries, api_version)


def iter_pages(
    host: str | None = None,
    *,
    api_key: str | None = None,
    index_name: str | None = None,
    page_size: int = 100,
    max_pages: int | None = None,
    progress: bool | None = None,
    timeout: float = 30.0,
    max_retries: int = 5,
    allow_insecure: bool = False,
    api_version: str = config.DEFAULT_API_VERSION,
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
    conn = connect(
        host,
        api_key=api_key,
        index_name=index_name,
        timeout=timeout,
        max_retries=max_retries,
        allow_insecure=allow_insecure,
        api_version=api_version,
    )
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
        with self.connection.client() as client:
            yield from drain(
                client,
                self.paginator,
                progress=progress,
                description=self.connection.endpoint.netloc,
            )

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
    api_key: str | None = None,
    index_name: str | None = None,
    page_size: int = 100,
    max_pages: int | None = None,
    dtype_backend: str = "numpy_nullable",
    progress: bool | None = None,
    timeout: float = 30.0,
    max_retries: int = 5,
    allow_insecure: bool = False,
    api_version: str = config.DEFAULT_API_VERSION,
    snapshot_to: str | os.PathLike[str] | None = None,
    storage_options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Drain every page of an index's bulk imports into one typed DataFrame.

    Parameters
    ----------
    host : str, optional
        The index host as the console shows it (https implied; http for loopback) or a URL.
        Else ``index_name``, else the environment variable ``PINECONE_INDEX_HOST``.
    api_key : str, optional
        Else ``PINECONE_API_KEY``. Sent only in the ``Api-Key`` header, never logged.
    index_name : str, optional
        Resolved to its host through the control plane (``PINECONE_CONTROLLER_HOST`` or
        https://api.pinecone.io) when ``host`` is not given; fills ``index_name``.
    page_size : int
        Imports per request (the API's ``limit``), 1 to 100.
    max_pages : int, optional
        Stop with :class:`PaginationError` if the listing has more pages than this.
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
        api_key=api_key,
        index_name=index_name,
        page_size=page_size,
        max_pages=max_pages,
        progress=progress,
        timeout=timeout,
        max_retries=max_retries,
        allow_insecure=allow_insecure,
        api_version=api_version,
    )
    conn = pages.connection
    listed_at = pd.Timestamp.now(tz="UTC").as_unit(schema.TIME_UNIT)
    columns = RecordColumns()

    def frame() -> pd.DataFrame:
        return build_frame(
            columns,
            listed_at=listed_at,
            index_host=conn.endpoint.netloc,
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
