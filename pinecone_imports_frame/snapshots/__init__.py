"""Parquet snapshots of imports listings: a Hive-partitioned lake any Parquet reader can open.

One snapshot is one listing (one ``listed_at``, one ``index_host``) stored as one Parquet
file::

    {root}/index_host={host}/date={YYYY-MM-DD}/{YYYYMMDDTHHMMSS.ffffffZ}-{suffix}.parquet

``host`` is encoded the way ``pyarrow.dataset.HivePartitioning(segment_encoding="uri")``
encodes partition values: every byte outside ``A-Z a-z 0-9 - . _ ~`` is percent-encoded,
so ``127.0.0.1:8080`` becomes ``index_host=127.0.0.1%3A8080``. pyarrow.dataset
(``partitioning="hive"``), DuckDB (``read_parquet('{root}/**/*.parquet',
hive_partitioning = true)``) and Polars (``scan_parquet('{root}/**/*.parquet',
hive_partitioning=True)``) all decode it back to ``127.0.0.1:8080``. ``date`` is the UTC day
of ``listed_at``; the file name holds ``listed_at`` to the microsecond and a random suffix, so
two writers snapshotting the same index at the same instant both keep their file. Neither
partition value is repeated inside the file, and derived columns are not stored either
(they are recomputed on read).

Writes are atomic: on local disk the file is written under a hidden temporary name that no
reader matches (``.{name}.tmp-{random}``: it starts with a dot and does not end in
``.parquet``, which matters because DuckDB's and Polars' ``**/*.parquet`` globs do *not*
skip dot-files), fsynced, then renamed into place; on object stores the finished bytes are
sent in one put. Each file carries key-value metadata (package and API version,
``listed_at``, host, index name, row count, schema version) and never any credential.
Rows are stored sorted by ``id``; types come from Parquet's own logical types (no
``ARROW:schema`` blob), so every reader gets UTC microsecond timestamps and plain strings.

Reading a lake of many small files is dominated by per-file costs, so
:func:`read_snapshots` picks files from folder and file names alone (no listing of
unselected partitions, no opening of unselected files), reads each selected file with a
single request, decodes them on a few threads 256 at a time, stacks each batch's Arrow
tables and converts to pandas once.

:func:`compact_snapshots` merges the files of a past day of an index into one
(``{first}_{last}-{suffix}.parquet``, its listings in its footer); readers, this package's
and others, see the same rows, and a compaction killed at any point never makes a listing
count twice.

Any number of processes may read, write, compact and prune one lake at once, without a
lock (see ``_view``): a file is never changed in place, a read or a list is the lake as
one look found it, a file gone when read is looked up again, and compaction and prune
each check, after changing the lake, what the other did meanwhile. A host is spelled one
way in partitions and rows (``_hosts.index_host_value``), also for folders written before
(``_layout.partition_host``); symbolic links inside the root are never followed.

The package is split by job: ``_layout`` (names), ``_store`` (local disk and fsspec behind
one interface, where store errors are translated), ``_write``, ``_view`` (a look at a lake
that settles), ``_decode`` (reading files' columns, stacking them), ``_read``,
``_inventory`` (``list_snapshots``, the status of each file), ``_catalog`` (which copy of a
listing counts), ``_prune`` and ``_compact``.

Polars must be given the ``**/*.parquet`` glob rather than the root folder: a folder scan
refuses a tree holding the temporary file of a write in progress (or of a killed writer).
"""

from __future__ import annotations

import logging

from ._compact import compact_snapshots
from ._history import read_history
from ._inventory import list_snapshots
from ._layout import METADATA_PREFIX
from ._prune import prune_snapshots
from ._read import read_snapshots
from ._write import check_destination, write_snapshot

logger = logging.getLogger(__name__)

__all__ = [
    "METADATA_PREFIX",
    "check_destination",
    "compact_snapshots",
    "list_snapshots",
    "prune_snapshots",
    "read_history",
    "read_snapshots",
    "write_snapshot",
]
