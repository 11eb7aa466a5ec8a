"""The package's exceptions and warnings: one base class, translated once, never the key.

Every exception derives from :class:`PineconeImportsError`. Those raised while a listing
was under way carry ``.partial``: the rows fetched before the failure, as a frame in the
package's schema (empty if nothing had arrived), so nothing fetched is lost. Errors also
say whether waiting can help (``.permanent``): polling loops retry the others.

The hierarchy (a builtin base in brackets, for callers who catch those)::

    PineconeImportsError
    ├── ConfigurationError [ValueError]      bad argument or environment; nothing sent
    │   └── InsecureTransportError           the key over plain http to a remote host
    ├── TransportError [ConnectionError]     refused, reset, timed out, after retries
    ├── ApiError                             the API answered an error status
    │   ├── AuthenticationError              401, 403
    │   ├── NotFoundError                    404
    │   ├── RateLimitError                   429, after retries
    │   └── ServerError                      5xx, after retries
    ├── ResponseFormatError [ValueError]     a 2xx body that is not a listing, a bad value
    ├── PaginationError [RuntimeError]       a listing that would never end
    ├── SnapshotError                        the lake: write, read, list, prune, compact
    └── FleetError                           indexes of a project failed (on_error="raise")

    UserWarning
    ├── UnknownStatusWarning                 a status this version does not know, kept
    ├── BadRecordWarning                     a bad value kept as NA (on_bad_record="warn")
    ├── ClockSkewWarning                     a server Date too far off to correct listed_at
    ├── SkippedFileWarning                   a lake file that is not a readable snapshot
    ├── FleetWarning                         indexes of a project failed (collected)
    ├── UnmatchedIndexWarning                an ``indexes=`` name or pattern matched no index
    └── DuplicateImportWarning               an import twice in one listing: the last kept
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger(__name__)

#: How much of a response body an error message quotes.
BODY_EXCERPT = 300


class PineconeImportsError(Exception):
    """Base class of every error this package raises.

    Attributes
    ----------
    partial : pandas.DataFrame or None
        Rows fetched before the failure, in the package's schema; None when the error
        happened before a listing started (bad arguments, say).
    """

    partial: pd.DataFrame | None = None
    #: True when trying again later cannot help (a wrong key, a missing index or lake);
    #: polling loops stop on such errors and retry the others at their next tick.
    permanent: bool = False


class ConfigurationError(PineconeImportsError, ValueError):
    """An argument or environment variable is missing or invalid; nothing was sent."""

    permanent = True


class InsecureTransportError(ConfigurationError):
    """Refused to send an API key over plain http to a host that is not loopback."""


class PaginationError(PineconeImportsError, RuntimeError):
    """The server's pagination would not end: a repeated token, or more than ``max_pages``."""


class ResponseFormatError(PineconeImportsError, ValueError):
    """The server answered 2xx with a body that is not a list-imports response."""


class TransportError(PineconeImportsError, ConnectionError):
    """The connection failed (refused, reset, dropped, timed out) after all retries."""


class ApiError(PineconeImportsError):
    """The API answered with an error status (after retries, where retried).

    Attributes
    ----------
    status : int
        HTTP status code.
    code : int or None
        ``code`` of the server's rpcStatus body (gRPC status code).
    message : str
        ``message`` of the rpcStatus body, else an excerpt of the body.
    details : list
        ``details`` of the rpcStatus body.
    path : str
        The request's path (no host, no query, never the key).
    """

    def __init__(
        self,
        text: str,
        *,
        status: int,
        code: int | None = None,
        message: str = "",
        details: list[Any] | None = None,
        path: str = "",
    ) -> None:
        super().__init__(text)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.path = path


class AuthenticationError(ApiError):
    """401 or 403: the API key is missing, wrong, or not allowed on this index."""

    permanent = True


class NotFoundError(ApiError):
    """404: no such index, import or path on this host."""

    permanent = True


class RateLimitError(ApiError):
    """429 after every retry."""


class ServerError(ApiError):
    """5xx after every retry."""


class FleetError(PineconeImportsError):
    """One or more indexes of a project failed (``read_project_imports(on_error="raise")``).

    Attributes
    ----------
    errors : list of dict
        One plain dict per failed index: ``index_name``, ``index_host``, ``status``,
        ``error_type``, ``message``, ``rows_kept``.
    """

    def __init__(self, text: str, *, errors: list[dict[str, Any]]) -> None:
        super().__init__(text)
        self.errors = errors


class SnapshotError(PineconeImportsError):
    """A snapshot could not be written, read, listed, pruned or compacted.

    ``permanent`` is True when waiting cannot help (the root or bucket does not exist, is
    not a lake, cannot be written) and False for store errors that can heal (the store
    unreachable or throttling, a timeout).
    """

    def __init__(self, *args: object, permanent: bool = False) -> None:
        super().__init__(*args)
        self.permanent = permanent


class UnknownStatusWarning(UserWarning):
    """The API sent a status this version does not know; it was kept as a new category."""


class SkippedFileWarning(UserWarning):
    """A file in a lake was skipped: empty, corrupt, or not a snapshot of this package."""


class BadRecordWarning(UserWarning):
    """A value of the wrong kind was kept as NA (``on_bad_record="warn"``)."""


class ClockSkewWarning(UserWarning):
    """A server's ``Date`` was more than a day from this machine's clock and was ignored."""


class FleetWarning(UserWarning):
    """Some indexes of a project failed; their failures are in ``frame.attrs["errors"]``."""


class UnmatchedIndexWarning(UserWarning):
    """A name or pattern of ``indexes=`` matched no index of the project (a typo?).

    The indexes the other names and patterns matched are listed; when none is left to
    list, :class:`ConfigurationError` is raised instead of listing nothing.
    """


class DuplicateImportWarning(UserWarning):
    """One listing showed an import more than once; each is kept once, as its last row.

    It happens when an import moves between pages while a listing is paged (the listing
    is newest first, and an import started meanwhile pushes the others down a page).
    """
