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

from . import schema
from ._version import __version__
from .config import API_VERSIONS, Connection, UnlistedApiVersion
from .errors import (
    ApiError,
    AuthenticationError,
    BadRecordWarning,
    ClockSkewWarning,
    ConfigurationError,
    DuplicateImportWarning,
    FleetError,
    FleetWarning,
    InsecureTransportError,
    NotFoundError,
    PaginationError,
    PineconeImportsError,
    RateLimitError,
    ResponseFormatError,
    ServerError,
    SkippedFileWarning,
    SnapshotError,
    TransportError,
    UnknownStatusWarning,
    UnmatchedIndexWarning,
)
from .fleet import read_project_imports
from .frame import concat_frames, empty_frame, to_frame
from .loader import iter_pages, last_partial, read_imports
from .schema import COLUMN_NAMES, STATUSES

if TYPE_CHECKING:
    from . import report, trends
    from .emulator import Emulator
    from .monitoring import check_imports
    from .runs import to_listings, to_runs
    from .snapshots import (
        compact_snapshots,
        list_snapshots,
        prune_snapshots,
        read_history,
        read_snapshots,
        write_snapshot,
    )
    from .watch import WatchEvent, watch_imports, watch_project_imports

# Imported on first use, not by every script that only reads imports: the emulator (an
# HTTP server), the lake (pyarrow.parquet, fsspec), the watch, the checks, and the
# modules trends and report.
_LAZY = {
    "Emulator": "emulator",
    "check_imports": "monitoring",
    "compact_snapshots": "snapshots",
    "list_snapshots": "snapshots",
    "prune_snapshots": "snapshots",
    "read_history": "snapshots",
    "read_snapshots": "snapshots",
    "to_listings": "runs",
    "to_runs": "runs",
    "write_snapshot": "snapshots",
    "WatchEvent": "watch",
    "watch_imports": "watch",
    "watch_project_imports": "watch",
}

#: Modules imported on first use: ``pif.trends.latest(...)``, ``pif.report.report(...)``.
_LAZY_MODULES = ("report", "trends")


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:  # the module itself: pif.trends.latest(...)
        import importlib

        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'pinecone_imports_frame' has no attribute {name!r}")


def __dir__() -> list[str]:
    # The lazily imported names too, so that dir() and Jupyter's tab completion show them.
    return sorted(set(globals()) | set(_LAZY) | set(_LAZY_MODULES))


__all__ = [
    "API_VERSIONS",
    "COLUMN_NAMES",
    "STATUSES",
    "ApiError",
    "AuthenticationError",
    "BadRecordWarning",
    "ClockSkewWarning",
    "ConfigurationError",
    "Connection",
    "DuplicateImportWarning",
    "Emulator",
    "FleetError",
    "FleetWarning",
    "InsecureTransportError",
    "NotFoundError",
    "PaginationError",
    "PineconeImportsError",
    "RateLimitError",
    "ResponseFormatError",
    "ServerError",
    "SkippedFileWarning",
    "SnapshotError",
    "TransportError",
    "UnknownStatusWarning",
    "UnlistedApiVersion",
    "UnmatchedIndexWarning",
    "WatchEvent",
    "__version__",
    "check_imports",
    "compact_snapshots",
    "concat_frames",
    "empty_frame",
    "iter_pages",
    "last_partial",
    "list_snapshots",
    "prune_snapshots",
    "read_history",
    "read_imports",
    "read_project_imports",
    "read_snapshots",
    "report",
    "schema",
    "to_frame",
    "to_listings",
    "to_runs",
    "trends",
    "watch_imports",
    "watch_project_imports",
    "write_snapshot",
]
