"""Pinecone bulk imports as typed pandas DataFrames, Parquet snapshots and trends.

Examples
--------
>>> import pinecone_imports_frame as pif
>>> with pif.Emulator(imports=50) as emu:
...     df = pif.read_imports(emu.url, api_key=emu.api_key, progress=False)
>>> len(df)
50
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    InsecureTransportError,
    NotFoundError,
    PaginationError,
    PineconeImportsError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SnapshotError,
    TransportError,
    UnknownStatusWarning,
)
from .frame import empty_frame, to_frame
from .loader import iter_pages, read_imports
from .schema import COLUMN_NAMES, STATUSES
from .snapshots import list_snapshots, prune_snapshots, read_snapshots, write_snapshot

if TYPE_CHECKING:
    from .emulator import Emulator


def __getattr__(name: str) -> Any:
    # The emulator (an HTTP server) is imported on first use, not by every script that
    # only reads imports.
    if name == "Emulator":
        from .emulator import Emulator

        return Emulator
    raise AttributeError(f"module 'pinecone_imports_frame' has no attribute {name!r}")


__all__ = [
    "COLUMN_NAMES",
    "STATUSES",
    "ApiError",
    "AuthenticationError",
    "ConfigurationError",
    "Emulator",
    "InsecureTransportError",
    "NotFoundError",
    "PaginationError",
    "PineconeImportsError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "SnapshotError",
    "TransportError",
    "UnknownStatusWarning",
    "__version__",
    "empty_frame",
    "iter_pages",
    "list_snapshots",
    "prune_snapshots",
    "read_imports",
    "read_snapshots",
    "to_frame",
    "write_snapshot",
]
