"""Reading a lake as runs: what changed, never every listing again (``read_history``).

The lake is looked at and read as :func:`read_snapshots` reads it (``_read._Reader``: one
copy of each listing, a file gone looked up again, the lake at one moment), but nothing
is stacked as listing rows: a compacted day's runs are taken as they are stored (its
listings' rows are never rebuilt), and uncompacted files are turned into runs a batch
at a time. Runs that reach the newest listing read so far of their index stay open and
are merged with the next batch or day (a run crossing midnight, or from a compacted
day into the files after it, is one run); the others are set aside. Memory grows with
the runs, not with the listings or the files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import runs
from ..errors import SnapshotError
from ..frame import micros
from ..parsing import Moment
from ..schema import DtypeBackend, check_dtype_backend
from ._args import as_hosts, as_set, shared_params
from ._catalog import Listing
from ._chains import Chains, Refused
from ._days import footer_of, read_runs, rows_of_file, threaded, whole_files
from ._decode import open_compacted, rows_of_runs
from ._layout import FILE_COLUMNS, SnapshotFile, day
from ._pool import read_pool
from ._pruned import Records, read_records
from ._read import _listed_in, _Reader, _warn_skipped, _warn_unsettled, as_window
from ._store import open_store
from ._view import MAX_LOOKS

logger = logging.getLogger(__name__)

_SEGMENT = ["index_host", *runs.STATE_COLUMNS, "first_listed_at", "last_listed_at"]


#: A file's runs checked against its footer: its index, its listings' instants, its runs.
Checked = tuple[str, np.ndarray, pa.Table]


class _Restart(Exception):
    """Read again: the lake moved under the read.

    A listing turned up between two listings already joined, or a listing already read
    turned up in another file (a compaction or a prune moved it meanwhile).
    """


#: Rows of pieces gathered before they are merged with the open runs: merging costs a
#: pass over the open runs (an index's visible imports), so pieces are merged many at a
#: time (a compacted day of an index holds a few thousand runs), within bounded memory.
MERGE_ROWS = 1_000_000


class _Runs:
    """Runs gathered as pieces arrive: open ones merged with the pieces, closed set aside."""

    def __init__(self) -> None:
        self.closed: list[pa.Table] = []
        self.open: pa.Table | None = None
        self.seen: dict[str, np.ndarray] = {}  # the instants each merge was made with
        self._last: dict[str, np.ndarray] | None = None
        self._pending: list[pa.Table] = []  # pieces not merged yet, all of one look
        self._pending_rows = 0
        # Whether every piece began after all before it (per host), over one look's
        # listings: then no run set aside can join a later one, and the runs are final.
        self._newest: dict[str, int] = {}
        self._in_order = True
        self._looks = 0

    def add(self, piece: pa.Table, instants: dict[str, np.ndarray], *, note: bool = True) -> None:
        """Add a piece (listing rows, or runs): merged into the open runs soon.

        ``note``: note where the piece begins (see ``_final``); not for runs a
        :class:`Chains` kept open, whose days were noted as they were joined.
        """
        if piece.num_rows == 0:
            return
        self._at(instants)
        piece = _segments(piece)
        if note and self._in_order:
            self._note_order(piece)
        self._pending.append(piece)
        self._pending_rows += piece.num_rows
        if self._pending_rows >= MERGE_ROWS:
            self._merge()

    def add_ended(
        self, host: str, span: tuple[int, int], ended: pa.Table, instants: dict[str, np.ndarray]
    ) -> None:
        """Add runs that end before the newest listing read of their host (joined days).

        ``span`` is the first and last listing of the days they were joined from.
        """
        self._at(instants)
        self._note(host, *span)
        if ended.num_rows:
            self.closed.append(_segments(ended))

    def _at(self, instants: dict[str, np.ndarray]) -> None:
        """Note a new look's listings (once per look, not per piece)."""
        if instants is not self._last:
            self._merge()
            self._last = instants
            self._looks += 1
            for h, v in instants.items():
                self.seen[h] = np.union1d(self.seen[h], v) if h in self.seen else v

    def _merge(self) -> None:
        """Merge the pending pieces into the open runs, over their look's listings."""
        if not self._pending:
            return
        assert self._last is not None
        both = [*([self.open] if self.open is not None else []), *self._pending]
        self._pending, self._pending_rows = [], 0
        # One chunk a column: taking rows from thousands of chunks costs more than a copy.
        table = pa.concat_tables(both).combine_chunks()
        del both
        closed, self.open = runs.normalize(table, self._last, split_open=True)
        del table
        if closed.num_rows:
            self.closed.append(closed.select(_SEGMENT))
        self.open = self.open.select(_SEGMENT) if self.open.num_rows else None

    def _note_order(self, piece: pa.Table) -> None:
        """Note whether a piece begins, for each of its hosts, after every piece before it."""
        codes, hosts = runs._host_keys(piece)
        first = runs._micros_of(piece["first_listed_at"])
        last = runs._micros_of(piece["last_listed_at"])
        low, high = _bounds(codes, len(hosts), first, last)
        for h, lo, hi in zip(hosts, low.tolist(), high.tolist(), strict=True):
            self._note(h, lo, hi)

    def _note(self, host: str, lo: int, hi: int) -> None:
        before = self._newest.get(host)
        if before is not None and lo <= before:
            self._in_order = False
        self._newest[host] = hi if before is None else max(before, hi)

    def _final(self, instants: dict[str, np.ndarray]) -> bool:
        """Whether the runs merged so far are the runs over ``instants`` as they stand."""
        if not (self._in_order and self._looks == 1 and self._last is not None):
            return False
        last = self._last
        return last.keys() == instants.keys() and all(
            np.array_equal(v, instants[h]) for h, v in last.items()
        )

    def result(self, instants: dict[str, np.ndarray]) -> pa.Table:
        """All runs, merged again over the lake's final listings (a piece read late)."""
        self._merge()
        for h, final in instants.items():
            known = self.seen.get(h)
            if known is None or not len(known) or np.array_equal(final, known):
                continue
            late = np.setdiff1d(final, known)
            if len(late) and late.min() < known.max():
                raise _Restart(h)
        pieces = [*self.closed, *([self.open] if self.open is not None else [])]
        if not pieces:
            pieces = [_segments(pa.table({"listed_at": pa.array([], runs._TS)}))]
        table = pa.concat_tables(pieces)
        if not self._final(instants):
            return runs.normalize(table, instants)
        # Read in order over the final listings: the runs are done; only sorted, counted.
        del pieces
        self.closed, self.open = [], None
        codes, hosts = runs._host_keys(table)
        first = runs._micros_of(table["first_listed_at"])
        last = runs._micros_of(table["last_listed_at"])
        pf, pl, _ = runs._positions(first, last, codes, hosts, instants)
        order = runs.sort_order(codes, runs.id_ranks(table["id"]), pf)
        table = table.combine_chunks().take(pa.array(order))
        pf, pl = pf[order], pl[order]
        return table.append_column("listings", pa.array(pl - pf + 1, pa.int64()))


def _bounds(
    codes: np.ndarray, hosts: int, first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return each host code's earliest ``first`` and latest ``last`` (a pass per host)."""
    low = np.full(hosts, np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full(hosts, np.iinfo(np.int64).min, dtype=np.int64)
    if hosts == 1 and len(codes):
        low[0], high[0] = first.min(), last.max()
        return low, high
    for k in range(hosts):
        mine = codes == k
        if mine.any():
            low[k], high[k] = first[mine].min(), last[mine].max()
    return low, high


def _segments(piece: pa.Table) -> pa.Table:
    """Return listing rows or runs as pieces of runs: the segment columns, in the schema's types."""
    if "listed_at" in piece.column_names:
        stamps = piece["listed_at"]
        piece = piece.append_column("first_listed_at", stamps).append_column(
            "last_listed_at", stamps
        )
    n = piece.num_rows
    arrays = []
    for c in _SEGMENT:
        target = pa.string() if c in ("status", "index_host") else runs.schema.arrow_type(c)
        if c not in piece.column_names:
            arrays.append(pa.chunked_array([pa.nulls(n, target)]))
            continue
        col = piece[c]
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if col.type != target:
            col = col.cast(target)
        arrays.append(col)
    return pa.Table.from_arrays(arrays, names=_SEGMENT)


class _HistoryReader(_Reader):
    """``_Reader`` that keeps runs: runs files as stored, listing files turned into runs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.runs = _Runs()
        self._fresh = False  # whether _instants is the current look's
        self._instants: dict[str, np.ndarray] = {}
        # Runs files read whole (their host, listings' instants and rows), by path, and
        # those the current look holds.
        self._whole: dict[str, tuple[str, np.ndarray, np.ndarray]] = {}
        self._whole_held: list[str] = []
        self._whole_read: set[str] = set()  # (or skipped: its rows do not decode)
        # Days of runs read whole are joined without a sort, unless only some index
        # names are read (their runs are filtered first) or the days are not as written.
        self.chains = Chains() if self.names is None else None

    def instants(self) -> dict[str, np.ndarray]:
        """Return the current look's listings of each host (sorted µs)."""
        if not self._fresh:
            by_host: dict[str, list[np.ndarray]] = {}
            for h, us in self.held:
                by_host.setdefault(h, []).append(np.array([us], dtype=np.int64))
            for path in self._whole_held:
                h, stamps, _ = self._whole[path]
                by_host.setdefault(h, []).append(stamps)
            self._instants = {h: np.unique(np.concatenate(v)) for h, v in by_host.items()}
            self._fresh = True
        return self._instants

    def read_instants(self) -> dict[str, np.ndarray]:
        """Return the listings of the last look that were read (sorted µs, by host).

        A file skipped as unreadable holds no listing of the history: none of its
        imports was seen at its instant (unless another file holds that listing too).
        """
        bad = {f.path for f, _ in self.skipped}
        got: dict[str, list[np.ndarray]] = {}
        for h, us in self.read:
            got.setdefault(h, []).append(np.array([us], dtype=np.int64))
        for path in self._whole_read:  # by any look (a later one may read it by listings)
            if path not in bad and path in self._whole:
                h, stamps, _ = self._whole[path]
                got.setdefault(h, []).append(stamps)
        out = {}
        for h, every in self.instants().items():
            if h in got:
                out[h] = np.intersect1d(every, np.concatenate(got[h]))
        return {h: v for h, v in out.items() if len(v)}

    def _look(self, found: list[SnapshotFile]) -> bool:
        self._fresh = False  # a look says what it holds (``held``) before it reads any of it
        whole, rest = whole_files(found, self._window)
        clean = True
        new = [f for f in whole if f.path not in self._whole_read]
        # First every footer (the look's listings), then the rows, a few files at a time.
        for f, listed in zip(new, threaded(lambda f: footer_of(self.store, f), new), strict=True):
            if listed is None:  # not a plain runs file: read as any compacted file
                rest.append(f)
            elif listed == "gone":
                clean = False
            else:
                self._whole[f.path] = listed
        for f in rest:  # read whole by an earlier look, now sharing its listings with others
            if f.path in self._whole_read:
                clean &= self._mark_got(f)
        fallen = {f.path for f in rest}
        whole = [f for f in whole if f.path in self._whole and f.path not in fallen]
        self._whole_held = [f.path for f in whole]
        # What the other files hold is known before any day is joined (a listing between
        # two days ends the runs it lacks); they are read after the days, which they
        # mostly follow in time: the runs the days leave open then join them in order.
        planned_clean, planned = self._plan(rest)
        clean &= planned_clean
        todo = sorted(  # each index's days together, in time order (joined so)
            (f for f in whole if f.path not in self._whole_read),
            key=lambda f: (f.host, f.listed_us or 0, f.path),
        )
        if self._reads_again(todo, planned):
            raise _Restart("a listing moved to another file while the lake was read")
        batch: list[tuple[SnapshotFile, pa.Table]] = []
        gathered = 0
        rows_of = threaded(lambda f: rows_of_file(self.store, f), todo)
        for f, read in zip(todo, rows_of, strict=True):
            if isinstance(read, str):
                if read == "gone":
                    clean = False
                    continue
                self.skipped.append((f, read))
            else:
                batch.append((f, read))
                gathered += read.num_rows
            self._whole_read.add(f.path)
            if gathered >= MERGE_ROWS // 4:
                self._keep_all(batch)
                gathered = 0
        self._keep_all(batch)
        if self.chains is not None:  # the runs still open join whatever comes next
            for host, carry in self.chains.carry.items():
                self.runs.add(_with_host(carry, host), self.instants(), note=False)
            self.chains.carry.clear()
        return self._read_planned(planned) and clean

    def _reads_again(
        self, whole: list[SnapshotFile], planned: list[tuple[SnapshotFile, Any]]
    ) -> bool:
        """Whether this look would read a listing an earlier look read, from another file.

        A compaction or a prune that ran since rewrote it into a file read whole (which
        is read by instants, not by the names the other path keeps to read each listing
        once), or a day read whole turned up in a file read by listings: the reader then
        starts again, the lake as it now stands.
        """
        if not self.read and not self._whole_read:  # the first look
            return False
        by_whole: dict[str, list[np.ndarray]] = {}
        for path in self._whole_read:
            if path in self._whole:
                h, stamps, _ = self._whole[path]
                by_whole.setdefault(h, []).append(stamps)
        by_listing: dict[str, list[int]] = {}
        for h, us in self.read:
            by_listing.setdefault(h, []).append(us)
        before = {
            h: np.concatenate([*by_whole.get(h, []), np.array(by_listing.get(h, []), np.int64)])
            for h in {*by_whole, *by_listing}
        }
        for f in whole:  # a day to read whole: none of its listings read yet, by any path
            h, stamps, _ = self._whole[f.path]
            if h in before and np.isin(stamps, before[h]).any():
                return True
        for f, xs in planned:  # a file read by listings: none of them read whole
            if f.host not in by_whole:
                continue
            stamps = np.array([f.listed_us or 0] if not xs else [x.listed_us for x in xs])
            if np.isin(stamps, np.concatenate(by_whole[f.host])).any():
                return True
        return False

    def _keep_all(self, batch: list[tuple[SnapshotFile, pa.Table]]) -> None:
        """Keep the runs of files read whole, a few at a time (one check, one conversion)."""
        checked = self._check_all(batch)
        batch.clear()
        # A file whose listings another file's interleave (two compactions of a day at
        # once): its runs span listings they do not hold, so its listings are rebuilt.
        apart = [item for item in checked if not self._alone(item[0], item[1])]
        if apart:
            checked = [item for item in checked if all(item is not a for a in apart)]
            for host, stamps, table in apart:
                self._refuse(host)
                self._keep(runs.expand(_with_host(table, host), {host: np.unique(stamps)}))
        kept = self._join(checked) if self.chains is not None else checked
        if not kept:
            return
        hosts = sorted({h for h, _, _ in kept})
        codes = np.repeat(
            np.array([hosts.index(h) for h, _, _ in kept], dtype=np.int32),
            [t.num_rows for _, _, t in kept],
        )
        column = pa.DictionaryArray.from_arrays(codes, pa.array(hosts, pa.string()))
        table = pa.concat_tables([t for _, _, t in kept])
        self._keep(table.append_column("index_host", column.cast(pa.string())))

    def _join(self, checked: list[Checked]) -> list[Checked]:
        """Join the days of each index to its runs (:class:`Chains`); return those refused."""
        assert self.chains is not None
        by_host: dict[str, list[Checked]] = {}
        for item in checked:
            by_host.setdefault(item[0], []).append(item)
        refused: list[Checked] = []
        for host, days in by_host.items():
            if host not in self.chains.refused:
                span = (int(days[0][1][0]), int(days[-1][1][-1]))
                try:
                    ended = self.chains.join(
                        host, [(st, t) for _, st, t in days], self.instants()[host]
                    )
                except (Refused, pa.ArrowException, ValueError, TypeError) as exc:
                    logger.debug("days of %s merged by sorting: %s", host, exc)
                    self._refuse(host)
                else:
                    self.runs.add_ended(host, span, _with_host(ended, host), self.instants())
                    continue
            refused += days
        return refused

    def _refuse(self, host: str) -> None:
        """Merge the index's days by sorting from now on (its open runs go with them)."""
        if self.chains is None or host in self.chains.refused:
            return
        self.chains.refused.add(host)
        carry = self.chains.carry.pop(host, None)
        if carry is not None:
            self.runs.add(_with_host(carry, host), self.instants(), note=False)

    def _alone(self, host: str, stamps: np.ndarray) -> bool:
        """Whether no other listing of the index falls between a file's first and last.

        Only then do its runs, which span its own listings, span the index's listings.
        """
        every = self.instants().get(host)
        if every is None or not len(stamps):
            return True
        lo, hi = np.searchsorted(every, [stamps.min(), stamps.max()], side="left")
        return bool(hi - lo + 1 == len(np.unique(stamps)))

    def _check_all(self, batch: list[tuple[SnapshotFile, pa.Table]]) -> list[Checked]:
        """Return the host, instants and runs of each file whose runs add up to its listings.

        All at once: each file's instants are stacked after the files before it (keys
        ``file * span + time``), so one coverage check covers the batch; when it fails,
        the files are checked one by one, to tell which (skipped, as the reader says).
        """
        if not batch:
            return []
        facts = [self._whole[f.path] for f, _ in batch]
        try:
            if all(len(st) and bool(np.all(np.diff(st) > 0)) for _, st, _ in facts):
                t0 = min(int(st[0]) for _, st, _ in facts)
                span = max(int(st[-1]) for _, st, _ in facts) - t0 + 1
                table = pa.concat_tables([t for _, t in batch])
                file_of = np.repeat(np.arange(len(batch)), [t.num_rows for _, t in batch])
                base = file_of * span - t0
                keys = {
                    "first_listed_at": runs._micros_of(table["first_listed_at"]) + base,
                    "last_listed_at": runs._micros_of(table["last_listed_at"]) + base,
                }
                lo = np.array([i * span + int(st[0]) - t0 for i, (_, st, _) in enumerate(facts)])
                hi = np.array([i * span + int(st[-1]) - t0 for i, (_, st, _) in enumerate(facts)])
                inside = bool(
                    np.all(keys["first_listed_at"] >= lo[file_of])
                    and np.all(keys["last_listed_at"] <= hi[file_of])
                )
                every = np.concatenate([i * span + (st - t0) for i, (_, st, _) in enumerate(facts)])
                spans = pa.table({**keys, "listings": table["listings"]})
                if inside and np.array_equal(
                    runs.coverage(spans, every), np.concatenate([r for _, _, r in facts])
                ):
                    return [
                        (h, st, t.replace_schema_metadata(None))
                        for (h, st, _), (_, t) in zip(facts, batch, strict=True)
                    ]
        except (ValueError, KeyError, pa.ArrowException):
            pass  # told file by file below
        out = []
        for f, t in batch:
            host, stamps, rows = self._whole[f.path]
            checked = self._adding_up(f, t, stamps, rows)
            if checked is not None:
                out.append((host, stamps, checked))
        return out

    def _mark_got(self, f: SnapshotFile) -> bool:
        """Note the listings of a file read whole as read (its names), to read none twice."""
        try:
            c = open_compacted(self.store, f, self.skipped)
        except FileNotFoundError:
            return False
        self.opened[f.path] = c
        if c is not None:
            self.got.update((f.host, x.name) for x in c.listings)
        return True

    def _add(self, table: pa.Table) -> None:
        self.runs.add(table, self.instants())

    def _rows(self, f: SnapshotFile, c: Any, keep: list[Listing]) -> pa.Table | None:
        if not f.is_runs:
            return super()._rows(f, c, keep)
        window = [x for x in c.listings if _listed_in(x.listed_us, *self._window)]
        stamps = np.array([x.listed_us for x in window], dtype=np.int64)
        if {x.name for x in keep} == {x.name for x in window} and self._alone(f.host, stamps):
            return self._runs_of(c)
        # some of its listings count from another file, or others' fall among them
        return rows_of_runs(c, keep, list(FILE_COLUMNS), self.skipped)

    def _piece(self, f: SnapshotFile, t: pa.Table, keep: list[Listing]) -> pa.Table | None:
        if not f.is_runs:
            return super()._piece(f, t, keep)
        return t.append_column("index_host", pa.array([f.host] * t.num_rows, pa.string()))

    @property
    def _window(self) -> tuple[int | None, int | None]:
        return self.since_us, self.until_us

    def _runs_of(self, c: Any) -> pa.Table | None:
        """Return a runs file's runs as stored, checked against its footer's listings."""
        try:
            table = read_runs(c.parquet)
        except FileNotFoundError:
            raise
        except (pa.ArrowException, OSError) as exc:
            self.skipped.append((c.file, f"its rows do not decode ({exc})"))
            return None
        stamps = np.array([x.listed_us for x in c.listings], dtype=np.int64)
        rows = np.array([x.rows or 0 for x in c.listings], dtype=np.int64)
        return self._adding_up(c.file, table, stamps, rows)

    def _adding_up(
        self, f: SnapshotFile, table: pa.Table, stamps: np.ndarray, rows: np.ndarray
    ) -> pa.Table | None:
        """Return a runs file's runs if they add up to its listings' rows (else skip it)."""
        every, at = np.unique(stamps, return_inverse=True)
        expected = np.bincount(at.reshape(-1), weights=rows, minlength=len(every)).astype(np.int64)
        try:
            covered = runs.coverage(table, every)
        except ValueError as exc:
            self.skipped.append((f, str(exc)))
            return None
        if not np.array_equal(covered, expected):
            self.skipped.append((f, "its runs do not add up to the rows of its listings"))
            return None
        return table.replace_schema_metadata(None)


def _unrecorded(instants: dict[str, np.ndarray], records: Records) -> dict[str, np.ndarray]:
    """Leave out the instants of listings a prune recorded removed (see ``_pruned``)."""
    if not records:
        return instants
    drop: dict[str, list[int]] = {}
    for (host, _), us in records.listings.items():
        drop.setdefault(host, []).append(us)
    out = {
        h: np.setdiff1d(v, np.array(drop[h], dtype=np.int64)) if h in drop else v
        for h, v in instants.items()
    }
    return {h: v for h, v in out.items() if len(v)}


def _with_host(table: pa.Table, host: str) -> pa.Table:
    """Return runs of one index with their ``index_host`` column."""
    return table.append_column("index_host", pa.array([host] * table.num_rows, pa.string()))


@shared_params
def read_history(
    root: str | os.PathLike[str],
    *,
    index_host: str | Sequence[str] | None = None,
    index_name: str | Sequence[str] | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    storage_options: dict[str, Any] | None = None,
    dtype_backend: DtypeBackend = "numpy_nullable",
) -> pd.DataFrame:
    """Read the lake's history as runs: one row per import and unchanged state.

    A run is an import's stored state over consecutive listings of its index: it ends
    when a stored column but ``listed_at`` changes, when the import is absent from a
    listing of its index, or at the index's last listing (see
    :mod:`pinecone_imports_frame.runs`). Compacted days are read as the runs they store,
    never as listings; newer files are turned into runs a batch at a time, and a run
    crossing midnight or the compacted days' end is one run: memory grows with the runs,
    not the listings. Other processes may write, compact and prune the lake meanwhile,
    as for :func:`read_snapshots`, whose listings
    :func:`~pinecone_imports_frame.runs.to_listings` rebuilds exactly from this frame.

    Parameters
    ----------
    {root}
    index_host : str or list of str, optional
        Only these hosts, in any spelling or as URLs.
    index_name : str or list of str, optional
        Only rows of these index names.
    since, until : timestamp-like, optional
        Only listings with ``since <= listed_at < until`` (naive values are UTC): runs
        are cut to them.
    {storage_options}
    {dtype_backend}

    Returns
    -------
    pandas.DataFrame
        Columns ``schema.RUN_COLUMN_NAMES`` (every listing column but ``listed_at``,
        then ``first_listed_at``, ``last_listed_at``, ``listings``), ordered by
        ``index_host``, ``id`` and ``first_listed_at``, ``elapsed`` as at
        ``last_listed_at``; ``attrs["listings"]`` holds the
        :class:`~pinecone_imports_frame.runs.ListingInstants` of every listing read
        (those with no import too).

    Raises
    ------
    SnapshotError
        As :func:`read_snapshots`.
    ConfigurationError
        Bad arguments.

    Warns
    -----
    SkippedFileWarning
        As :func:`read_snapshots`.

    Examples
    --------
    >>> import tempfile
    >>> from pinecone_imports_frame import read_history, to_frame, write_snapshot
    >>> root = tempfile.mkdtemp()
    >>> for t, s in [("2025-05-01T12:00Z", "Pending"), ("2025-05-01T12:05Z", "Pending"),
    ...              ("2025-05-01T12:10Z", "Completed")]:
    ...     _ = write_snapshot(to_frame([{"id": "1", "status": s}], listed_at=t,
    ...                                 index_host="h"), root)
    >>> read_history(root)[["id", "status", "listings"]]
      id     status  listings
    0  1    Pending         2
    1  1  Completed         1
    """
    check_dtype_backend(dtype_backend)
    hosts = as_hosts(index_host)
    names = as_set(index_name, "index_name")
    since_ts, until_ts = as_window(since, until)
    store = open_store(root, storage_options)
    since_us, until_us = micros(since_ts), micros(until_ts)

    def scan() -> list[SnapshotFile]:
        return store.scan(
            hosts=hosts,
            first_date=None if since_ts is None else day(since_ts),
            last_date=None if until_ts is None else day(until_ts),
        )

    with read_pool():  # (see _pool: a year's read spends a fifth less)
        for _ in range(MAX_LOOKS):
            skipped: list[tuple[SnapshotFile, str]] = []
            reader = _HistoryReader(store, list(FILE_COLUMNS), names, skipped, (since_us, until_us))
            try:
                settled = reader.gather(scan)
                final = reader.read_instants()  # the lake's last look's, in the window
                # Read last: what a prune recorded removed meanwhile is left out.
                final = _unrecorded(final, read_records(store))
                table = reader.runs.result(final)
            except _Restart as why:
                logger.info("reading the lake again: %s", why)
                continue
            break
        else:  # every read met the lake moving: none is the lake at one moment
            raise SnapshotError(
                f"the lake {store.user_path(store.root)} kept changing while its history was read: "
                f"each of {MAX_LOOKS} reads found listings moved by a compaction or a prune "
                "in another process (or written between listings already read); read it "
                "again when they are done"
            )
    _warn_skipped(store, skipped)
    if not settled:
        _warn_unsettled(store)
    hosts_seen = set(pc.unique(table["index_host"]).to_pylist()) if names is not None else None
    if hosts_seen is not None:
        final = {h: v for h, v in final.items() if h in hosts_seen}
    instants = runs.ListingInstants._of(final)
    with read_pool():
        return runs.runs_frame(table, instants, dtype_backend)
