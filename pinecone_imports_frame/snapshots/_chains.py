"""Joining compacted days of runs without sorting them (``read_history``'s fast path).

A compacted day stores its runs merged and sorted (``runs.normalize``): a run crossing
midnight is stored twice, ending at one day's last listing and beginning at the next
day's first. When an index's days are read whole and in time order, with no other
listing between two of them, joining them needs no sort: a run beginning at a day's
first listing is looked up, by id, among the runs ending at the day before's last
listing, and the two are one run when their states are equal. Chains of days collapse
into one run; the runs still reaching the last day read stay open (the *carry*) for the
next days.

What this path cannot vouch for (runs not as compaction writes them: an id twice at an
edge, out of order, overlapping or not merged; columns it cannot compare) it refuses,
and the reader merges those days by sorting, as it merges listing files.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .. import runs

_TS = pa.timestamp("us", tz="UTC")


class Refused(Exception):
    """Days this path cannot join exactly: the reader merges them by sorting."""


def _values(col: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Return a column as integers equal where the values are, and where it is valid.

    Strings become their codes in one dictionary, timestamps and integers their values,
    floats their bits (-0.0 is not 0.0, as runs are told apart), so that two rows are
    compared by two integers.
    """
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_null(t):
        return np.zeros(len(col), np.int64), np.zeros(len(col), bool)
    valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        enc = pc.dictionary_encode(col)
        codes = pc.fill_null(pa.chunked_array([c.indices for c in enc.chunks], pa.int32()), -1)
        return np.asarray(codes.to_numpy(), np.int64), valid
    if pa.types.is_floating(t):
        bits = col.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False)
        return np.ascontiguousarray(bits, dtype=np.float64).view(np.int64), valid
    if pa.types.is_integer(t) or pa.types.is_timestamp(t) or pa.types.is_boolean(t):
        filled = col.cast(pa.int64()).fill_null(0)
        return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.int64), valid
    raise Refused(f"a column of type {t}")


#: State columns compared cheapest and likeliest to differ first.
def _compare_order(names: list[str]) -> list[str]:
    first = ("percent_complete", "records_imported", "status", "finished_at")
    return [c for c in first if c in names] + [c for c in names if c not in first]


class Chains:
    """The open runs of each index whose days were joined, and the joining of more days."""

    def __init__(self) -> None:
        self.carry: dict[str, pa.Table] = {}  # runs reaching ``edge``, stored columns
        self.edge: dict[str, int] = {}  # the last listing of the days joined (µs)
        self.refused: set[str] = set()  # hosts whose days are merged by sorting

    def join(
        self, host: str, days: list[tuple[np.ndarray, pa.Table]], every: np.ndarray
    ) -> pa.Table:
        """Join ``days`` of ``host`` (instants, stored runs; in time order) to its carry.

        ``every`` is the host's listings (sorted µs). Returns the runs that ended (they
        can join nothing later); those reaching the last day's end become the carry.
        Raises :class:`Refused` when the days are not as compaction writes them (and
        Arrow's or numpy's errors on columns of the wrong kind); the carry is then left
        as it was.
        """
        carry = self.carry.get(host)
        tables = ([carry] if carry is not None and carry.num_rows else []) + [t for _, t in days]
        seg_first = [int(st[0]) for st, _ in days]
        seg_last = [int(st[-1]) for st, _ in days]
        if len(tables) > len(days):  # the carry is a day of its own, ending at the edge
            seg_first.insert(0, self.edge[host])
            seg_last.insert(0, self.edge[host])
        sizes = [t.num_rows for t in tables]
        try:  # one chunk a column: every step below is then one pass, not one per day
            table = pa.concat_tables(tables, promote_options="permissive").combine_chunks()
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise Refused("days of other columns") from exc
        n = table.num_rows
        first_s, last_s = np.array(seg_first, np.int64), np.array(seg_last, np.int64)
        # Whether each day's first listing comes right after the day before's last.
        after = np.searchsorted(every, last_s[:-1], "right")
        linked = np.zeros(len(tables), bool)
        ok = after < len(every)
        linked[1:][ok] = every[after[ok]] == first_s[1:][ok]
        seg = np.repeat(np.arange(len(tables)), sizes)
        first = runs._micros_of(table["first_listed_at"])
        last = runs._micros_of(table["last_listed_at"])
        listings = np.asarray(table["listings"].to_numpy(zero_copy_only=False), dtype=np.int64)
        ids, _ = _values(table["id"])
        ids = np.where(ids < 0, ids.max(initial=0) + 1, ids)  # no id: one more id
        span = int(ids.max(initial=0)) + 1
        values: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        state = _compare_order([c for c in runs.STATE_COLUMNS if c in table.column_names])
        state.remove("id")

        def equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            same = np.ones(len(a), bool)
            for c in state:
                if c not in values:
                    values[c] = _values(table[c])
                v, ok = values[c]
                same &= (ok[a] == ok[b]) & ((v[a] == v[b]) | ~ok[a])
            return same

        sorted_from = 1 if len(tables) > len(days) else 0  # (the carry is not sorted)
        self._check_days(table["id"], seg, sorted_from, ids, first, last, every, equal)
        tails = np.flatnonzero(last == last_s[seg])
        heads = np.flatnonzero(linked[seg] & (first == first_s[seg]))
        tail_keys = seg[tails] * span + ids[tails]
        head_keys = (seg[heads] - 1) * span + ids[heads]
        order = np.argsort(tail_keys, kind="stable")
        tail_keys, tails = tail_keys[order], tails[order]
        if len(tails) > 1 and not np.all(np.diff(tail_keys) > 0):
            raise Refused("an id twice at a day's end")
        at = np.searchsorted(tail_keys, head_keys)
        found = at < len(tails)
        found[found] = tail_keys[at[found]] == head_keys[found]
        a, b = tails[at[found]], heads[found]  # (each id at most once: checked above)
        same = equal(a, b)
        parent = np.arange(n)
        parent[b[same]] = a[same]
        while True:  # each row's first day: pointer jumping, a few rounds
            up = parent[parent]
            if np.array_equal(up, parent):
                break
            parent = up
        roots = np.flatnonzero(parent == np.arange(n))
        end = np.arange(n)
        np.maximum.at(end, parent, np.arange(n))  # later days come later in the table
        total = np.bincount(parent, weights=listings, minlength=n).astype(np.int64)
        new_last, new_listings = last[end[roots]], total[roots]
        is_open = new_last == last_s[-1]
        names = table.column_names

        def runs_where(which: np.ndarray) -> pa.Table:
            mask = np.zeros(n, bool)  # a filter, chunk by chunk: no copy of the whole
            mask[roots[which]] = True
            out = table.filter(pa.array(mask))
            stamps = pa.array(new_last[which]).cast(_TS)
            out = out.set_column(names.index("last_listed_at"), "last_listed_at", stamps)
            counts = pa.array(new_listings[which], pa.int64())
            return out.set_column(names.index("listings"), "listings", counts)

        still_open, ended = runs_where(is_open), runs_where(~is_open)
        self.carry[host], self.edge[host] = still_open, int(last_s[-1])
        return ended

    @staticmethod
    def _check_days(
        id_column: pa.ChunkedArray,
        seg: np.ndarray,
        sorted_from: int,
        ids: np.ndarray,
        first: np.ndarray,
        last: np.ndarray,
        every: np.ndarray,
        equal: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ) -> None:
        """Refuse days whose runs are not merged and sorted as compaction stores them.

        Each day's runs are sorted by id (no id last), those of one id in time order,
        never overlapping, and two of them back to back (no listing between) differ in
        state. (So an id is at most once at a day's start, and once at its end.)
        """
        n = len(seg)
        if n > 1:
            one = id_column.combine_chunks() if id_column.num_chunks > 1 else id_column.chunk(0)
            le = pc.fill_null(pc.less_equal(one.slice(0, n - 1), one.slice(1)), False)
            nulls = np.asarray(one.is_null().to_numpy(zero_copy_only=False), bool)
            in_order = np.asarray(le.to_numpy(zero_copy_only=False), bool) | nulls[1:]
            day = (seg[1:] == seg[:-1]) & (seg[1:] >= sorted_from)
            if not np.all(in_order[day]):
                raise Refused("a day's runs not sorted by id")
        same = (seg[1:] == seg[:-1]) & (ids[1:] == ids[:-1])
        i = np.flatnonzero(same)
        if np.any(first[i + 1] <= last[i]) or np.any(first > last):
            raise Refused("a day's runs out of order or overlapping")
        nxt = np.searchsorted(every, last[i], "right")
        inside = nxt < len(every)
        touching = i[inside][every[nxt[inside]] == first[i[inside] + 1]]
        if len(touching) and np.any(equal(touching, touching + 1)):
            raise Refused("a day's runs not merged")
