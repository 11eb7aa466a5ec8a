"""What a lake holds at one instant, though other processes change it while it is looked at.

Listing a lake and then reading what was listed are two steps, and other processes change
a lake between them: a compaction writes a merged file and removes the files it merged; a
prune removes files, or rewrites a merged file without some listings. A file is never
changed in place (each is written once, under a new name, and later removed whole), so what
a file was found to hold stays true for as long as it exists. :func:`settle` builds on
that: it scans, judges the files it had not seen (their footers), and scans again, until
two scans in a row list the same files and each of them was judged. The result is the
lake as that last scan saw it, not a mix of two moments (a file removed after being
judged and the file its listings moved into, both counted; or neither).

Nothing here takes a lock (object stores have none): every process that removes a file
makes sure first that what it held is elsewhere or meant to go (see ``_compact`` and
``_prune``), and a reader that finds a file gone looks again (see ``_read``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from ._layout import SnapshotFile

logger = logging.getLogger(__name__)

#: Scans before a view is given up as unsettled: each is one listing of the lake (one
#: LIST per host prefix on an object store), and two in a row agree unless the lake
#: changed between them.
MAX_LOOKS = 12

J = TypeVar("J")


def settle(
    scan: Callable[[], list[SnapshotFile]],
    judge: Callable[[list[SnapshotFile]], dict[str, J | None]],
    known: dict[str, J],
    *,
    looks: int = MAX_LOOKS,
) -> tuple[list[SnapshotFile], bool]:
    """Scan and judge until a scan finds nothing new; return the scan before it, and whether.

    ``judge`` returns, for each file given, what it holds, or None for a file that
    vanished before it could be judged; ``known`` keeps the judgements by path across
    scans (and across calls: a path names the same bytes for as long as it exists). A
    scan whose files were all judged (none vanished meanwhile) is the lake at that scan
    once the next scan finds no file it did not list: a listing a scan missed (moved,
    during the scan, from a file not listed yet into one listed before it was written)
    is in a file the next scan finds new. Files removed in between change nothing (the
    lake as it was at the earlier scan is what is returned). Returns those files and
    True, or, if the lake kept bringing new files through ``looks`` scans, the last
    scan's judged files and False.

    Examples
    --------
    >>> f = SnapshotFile("/l/h/d/a.parquet", "h", "d", 1, 9)
    >>> known = {}
    >>> settle(lambda: [f], lambda new: {x.path: "ok" for x in new}, known)
    ([SnapshotFile(path='/l/h/d/a.parquet', host='h', date='d', listed_us=1, size=9, kind='snapshot', mtime=None)], True)
    >>> known
    {'/l/h/d/a.parquet': 'ok'}
    """  # noqa: E501
    files: list[SnapshotFile] = []
    clean = False
    for look in range(looks):
        found = scan()
        new = [f for f in found if f.path not in known]
        if look and clean and not {f.path for f in found} - {f.path for f in files}:
            return files, True
        vanished = 0
        if new:
            for path, verdict in judge(new).items():
                if verdict is None:
                    vanished += 1
                else:
                    known[path] = verdict
        if look:
            logger.debug("the lake changed while it was looked at (%d vanished)", vanished)
        files, clean = [f for f in found if f.path in known], not vanished
    return files, False
