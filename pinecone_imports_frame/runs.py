"""Runs: one import's unchanged stored state over consecutive listings of its index.

A lake listed every five minutes repeats almost every row of a listing in the next one.
A *run* keeps such rows once: an import's stored columns (``schema.RUN_COLUMN_NAMES``
but the span) and ``first_listed_at``, ``last_listed_at`` and ``listings`` (how many
listings of its index it spans, first to last). A run ends when a stored column but
``listed_at`` changes (``index_name`` and ``api_version`` included), when the import is
absent from a listing of its index, and at the index's last listing: an import that
vanishes for one listing and comes back is two runs.

Which listings exist (also those with no import) travels beside the runs, as a
:class:`ListingInstants` in ``df.attrs["listings"]``, so that every listing can be
rebuilt exactly: the listing of host ``h`` at instant ``t`` is every run of ``h`` with
``first_listed_at <= t <= last_listed_at``, with ``listed_at = t``. :func:`to_runs` and
:func:`to_listings` convert both ways; ``read_history`` reads runs from a lake, whose
compacted days store them (``snapshots._compact``).

Everything here is vectorised: rows are sorted by host, id and time once, and a run
starts wherever a row's state differs from the row before it (nulls equal to nulls,
floats compared bit for bit) or the listing before it is not the index's previous one.
Rows a listing shows twice (an id repeated, or no id) never break a rebuild: such rows
are kept apart, in their order.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Literal, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema
from ._instants import ListingInstants
from .errors import ConfigurationError
from .schema import DtypeBackend

logger = logging.getLogger(__name__)

__all__ = ["ListingInstants", "is_runs", "to_listings", "to_runs"]

#: The stored columns that make a run's state: every stored column but ``listed_at``
#: (``index_host`` is the run's index, part of its key).
STATE_COLUMNS: tuple[str, ...] = tuple(
    c for c in schema.STORED_COLUMNS if c not in ("listed_at", "index_host")
)
#: The span columns a run adds.
SPAN_COLUMNS: tuple[str, ...] = ("first_listed_at", "last_listed_at", "listings")
#: What a runs file stores (``index_host`` is its partition), in order.
RUN_FILE_COLUMNS: tuple[str, ...] = (*STATE_COLUMNS, *SPAN_COLUMNS)
assert RUN_FILE_COLUMNS == schema.RUN_STORED_COLUMNS

_TS = pa.timestamp(schema.TIME_UNIT, tz="UTC")
_EMPTY = np.zeros(0, dtype=np.int64)
#: The key an index whose host is NA (a frame built without one) has inside this module.
_NO_HOST = "\x00"


def is_runs(df: pd.DataFrame) -> bool:
    """Tell a runs frame (``read_history``) from a listing frame (``read_snapshots``).

    Examples
    --------
    >>> from pinecone_imports_frame import to_frame
    >>> is_runs(to_frame([])), is_runs(to_runs(to_frame([])))
    (False, True)
    """
    return "first_listed_at" in df.columns


# --- the vectorised core, on Arrow tables ------------------------------------------------


def id_ranks(ids: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Return each row's id as its rank among the distinct ids (no id: after them all).

    Equal ids have equal ranks, and ranks sort as the ids do.

    Examples
    --------
    >>> id_ranks(pa.array(["b", None, "a", "b"])).tolist()
    [1, 2, 0, 1]
    """
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks() if ids.num_chunks != 1 else ids.chunk(0)
    if pa.types.is_dictionary(ids.type):
        ids = ids.cast(ids.type.value_type)
    enc = pc.dictionary_encode(ids)
    n = len(enc.dictionary)
    ranks = np.empty(n + 1, dtype=np.int64)
    ranks[pc.sort_indices(enc.dictionary).to_numpy()] = np.arange(n)
    ranks[-1] = n
    return ranks[enc.indices.fill_null(n).to_numpy(zero_copy_only=False)]


def sort_order(host_codes: np.ndarray, ranks: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Return the order of rows by host code, id rank and time; ties keep their order.

    ``ranks`` as :func:`id_ranks` gives them; ``times`` best as positions among the
    listings (small integers make one key, and a stable sort of one key is the fastest).

    Examples
    --------
    >>> sort_order(np.array([0, 0, 0]), id_ranks(pa.array(["b", None, "a"])), np.array([1, 2, 3]))
    array([2, 0, 1])
    """
    if not len(times):
        return np.zeros(0, dtype=np.int64)
    low, high = int(times.min()), int(times.max())
    spans = [int(host_codes.max()) + 1, int(ranks.max()) + 1, high - low + 1]
    if spans[0] * spans[1] * spans[2] < 2**63:
        key = (host_codes.astype(np.int64) * spans[1] + ranks) * spans[2] + (times - low)
        return np.argsort(key, kind="stable")
    keys = pa.table({"h": host_codes, "id": ranks, "t": times})
    return pc.sort_indices(
        keys, sort_keys=[("h", "ascending"), ("id", "ascending"), ("t", "ascending")]
    ).to_numpy()


def _equal_at(col: pa.ChunkedArray | pa.Array, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return whether rows ``a`` and ``b`` of a column hold equal values.

    Nulls equal nulls; floats are compared bit for bit (-0.0 is not 0.0, a NaN is the NaN
    it is), as runs are told apart.

    Examples
    --------
    >>> col = pa.array([1.0, -0.0, 0.0, None, None])
    >>> _equal_at(col, np.array([1, 3, 0]), np.array([2, 4, 3])).tolist()
    [False, True, False]
    """
    x, y = col.take(pa.array(a, pa.int64())), col.take(pa.array(b, pa.int64()))
    t = col.type
    if pa.types.is_dictionary(t):
        x, y, t = x.cast(t.value_type), y.cast(t.value_type), t.value_type
    if pa.types.is_null(t):
        return np.ones(len(a), dtype=bool)
    vx = np.asarray(x.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    vy = np.asarray(y.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_floating(t):
        bits = [
            np.ascontiguousarray(
                v.cast(pa.float64()).fill_null(0.0).to_numpy(zero_copy_only=False),
                dtype=np.float64,
            ).view(np.int64)
            for v in (x, y)
        ]
        equal = bits[0] == bits[1]
    else:
        equal = np.asarray(
            pc.fill_null(pc.equal(x, y), False).to_numpy(zero_copy_only=False), dtype=bool
        )
    return (vx == vy) & (equal | ~vx)


def _micros_of(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(col.cast(pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _host_keys(table: pa.Table) -> tuple[np.ndarray, list[str]]:
    """Each row's host as a code into a sorted list of hosts (NA hosts as ``_NO_HOST``)."""
    hosts = pc.fill_null(table["index_host"].cast(pa.string()), _NO_HOST)
    one = hosts.combine_chunks() if hosts.num_chunks != 1 else hosts.chunk(0)
    enc = pc.dictionary_encode(one)  # one pass; a few hosts, sorted after
    found = enc.dictionary.to_pylist()
    names = sorted(found)
    where = np.array([names.index(h) for h in found], dtype=np.int64)
    return where[enc.indices.to_numpy(zero_copy_only=False)], names


def _positions(
    first: np.ndarray,
    last: np.ndarray,
    host_codes: np.ndarray,
    hosts: list[str],
    instants: Mapping[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each span's first and last instant as positions into all hosts' instants, stacked.

    Returns those positions and the stacked instants: a span holding no instant has its
    last position before its first.
    """
    n = len(first)
    pf = np.zeros(n, dtype=np.int64)
    pl = np.full(n, -1, dtype=np.int64)
    stacked, offset = [], 0
    single = len(hosts) == 1
    for k, h in enumerate(hosts):
        arr = instants.get(h, _EMPTY)
        if single:
            pf = np.searchsorted(arr, first, "left").astype(np.int64)
            pl = np.searchsorted(arr, last, "right").astype(np.int64) - 1
        else:
            m = host_codes == k
            pf[m] = np.searchsorted(arr, first[m], "left") + offset
            pl[m] = np.searchsorted(arr, last[m], "right") - 1 + offset
        stacked.append(arr)
        offset += len(arr)
    every = np.concatenate(stacked) if stacked else _EMPTY
    return pf, pl, every


@overload
def normalize(
    table: pa.Table, instants: Mapping[str, np.ndarray], *, split_open: Literal[False] = ...
) -> pa.Table: ...
@overload
def normalize(
    table: pa.Table, instants: Mapping[str, np.ndarray], *, split_open: Literal[True]
) -> tuple[pa.Table, pa.Table]: ...
def normalize(
    table: pa.Table, instants: Mapping[str, np.ndarray], *, split_open: bool = False
) -> pa.Table | tuple[pa.Table, pa.Table]:
    """Turn rows or pieces of runs into runs: clipped to ``instants``, merged, sorted.

    ``table`` has ``index_host``, :data:`STATE_COLUMNS` and either ``listed_at`` (one
    listing's row each) or ``first_listed_at`` and ``last_listed_at`` (a piece of a run:
    the listings of ``instants`` from first to last). ``instants`` gives each host's
    listings (sorted unique µs); a piece that holds none of them is dropped, one that
    ends where the next begins (the next listing of its host), in the same state, is one
    run with it. Returns ``index_host``, :data:`STATE_COLUMNS` and :data:`SPAN_COLUMNS`,
    sorted by host, id (nulls last) and ``first_listed_at``; rows of equal keys keep their
    order. ``split_open``: return two such tables, the runs that end before the newest
    instant of their host among the runs, and those that reach it (still open to a read).

    Examples
    --------
    >>> t = pa.table({"index_host": ["h"] * 3, "id": ["1"] * 3, "listed_at": [1, 2, 3]})
    >>> t = t.append_column("status", pa.array(["Pending", "Pending", "Completed"]))
    >>> runs = normalize(t, {"h": np.array([1, 2, 3])})
    >>> runs["status"].to_pylist(), runs["listings"].to_pylist()
    (['Pending', 'Completed'], [2, 1])
    """
    if "listed_at" in table.column_names:
        first = last = _micros_of(table["listed_at"])
    else:
        first, last = _micros_of(table["first_listed_at"]), _micros_of(table["last_listed_at"])
    host_codes, hosts = _host_keys(table)
    pf, pl, every = _positions(first, last, host_codes, hosts, instants)
    keep = pf <= pl
    state = [c for c in STATE_COLUMNS if c in table.column_names]
    if not keep.all():
        idx = np.flatnonzero(keep)
        table, host_codes, pf, pl = _take(table, idx), host_codes[idx], pf[idx], pl[idx]
    n = table.num_rows
    ranks = id_ranks(table["id"])
    order = sort_order(host_codes, ranks, pf)
    hs, pfs, pls = host_codes[order], pf[order], pl[order]
    same = (hs[1:] == hs[:-1]) & (pfs[1:] == pls[:-1] + 1)
    # Only the pairs that may join are compared, fewer with each column (id first).
    pairs = np.flatnonzero(same)
    for c in state:
        if not len(pairs):
            break
        a, b = order[pairs], order[pairs + 1]
        equal = ranks[a] == ranks[b] if c == "id" else _equal_at(table[c], a, b)
        same[pairs[~equal]] = False
        pairs = pairs[equal]
    starts = np.flatnonzero(np.concatenate([[True], ~same])) if n else _EMPTY
    ends = np.concatenate([starts[1:], [n]]) - 1 if n else _EMPTY
    rows = order[starts]
    first_us, last_us = every[pfs[starts]], every[pls[ends]]
    listings = pls[ends] - pfs[starts] + 1
    columns = table.select(["index_host", *state])

    def runs_at(which: np.ndarray | slice) -> pa.Table:
        out = _take(columns, rows[which])
        out = out.append_column("first_listed_at", pa.array(first_us[which]).cast(_TS))
        out = out.append_column("last_listed_at", pa.array(last_us[which]).cast(_TS))
        return out.append_column("listings", pa.array(listings[which], pa.int64()))

    if not split_open:
        return runs_at(slice(None))
    # Open: the runs reaching the newest instant of their host among these runs.
    codes = hs[starts]
    newest = np.full(len(hosts), np.iinfo(np.int64).min, dtype=np.int64)
    for k in np.unique(codes).tolist():
        newest[k] = last_us[codes == k].max()
    is_open = last_us == newest[codes]
    return runs_at(np.flatnonzero(~is_open)), runs_at(np.flatnonzero(is_open))


def _take(table: pa.Table, idx: np.ndarray) -> pa.Table:
    if len(idx) == table.num_rows and (len(idx) == 0 or np.array_equal(idx, np.arange(len(idx)))):
        return table
    return table.take(pa.array(idx, pa.int64()))


def expand(
    runs: pa.Table,
    instants: Mapping[str, np.ndarray],
    *,
    check: bool = True,
) -> pa.Table:
    """Rebuild the listing rows of runs at the given instants (each host's, sorted µs).

    Each run gives one row per instant of its host from ``first_listed_at`` to
    ``last_listed_at``, with ``listed_at`` that instant; ``index_host``, the state
    columns and ``listed_at`` are returned, the rows of each run together, in the runs'
    order. ``check``: the number of instants of each run must be its ``listings`` (the
    instants are all of its host's); else only those of ``instants`` are given (a subset
    of the listings). Raises ValueError when a run does not add up.

    Examples
    --------
    >>> runs = pa.table({"index_host": ["h"], "id": ["1"], "first_listed_at": [1],
    ...                  "last_listed_at": [3], "listings": [2]})
    >>> expand(runs, {"h": np.array([1, 3, 5])})["listed_at"].cast(pa.int64()).to_pylist()
    [1, 3]
    """
    first, last = _micros_of(runs["first_listed_at"]), _micros_of(runs["last_listed_at"])
    host_codes, hosts = _host_keys(runs)
    pf, pl, every = _positions(first, last, host_codes, hosts, instants)
    counts = np.maximum(pl - pf + 1, 0)
    if check:
        listings = runs["listings"]
        if listings.null_count or not np.array_equal(
            counts, np.asarray(listings.to_numpy(zero_copy_only=False), dtype=np.int64)
        ):
            raise ValueError("its runs do not span the listings it lists")
        if len(first) and not (
            np.array_equal(every[np.minimum(pf, len(every) - 1)], first)
            and np.array_equal(every[np.maximum(pl, 0)], last)
        ):
            raise ValueError("its runs begin or end at no listing it lists")
    total = int(counts.sum())
    rows = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    at = np.repeat(pf, counts) + within
    state = [c for c in runs.column_names if c not in SPAN_COLUMNS]
    out = _take(runs.select(state), rows)
    listed = pa.array(every[at] if total else _EMPTY, pa.int64()).cast(_TS)
    return out.append_column("listed_at", listed)


def instants_of(table: pa.Table) -> dict[str, np.ndarray]:
    """Return the instants seen in rows (``listed_at``) or runs (first and last), by host."""
    host_codes, hosts = _host_keys(table)
    if "listed_at" in table.column_names:
        stamps = [_micros_of(table["listed_at"])]
    else:
        stamps = [_micros_of(table["first_listed_at"]), _micros_of(table["last_listed_at"])]
    out = {}
    for k, h in enumerate(hosts):
        m = host_codes == k
        out[h] = np.unique(np.concatenate([s[m] for s in stamps]))
    return out


# --- frames ------------------------------------------------------------------------------


def _backend(df: pd.DataFrame) -> DtypeBackend:
    col = "created_at" if "created_at" in df.columns else df.columns[0]
    return "pyarrow" if isinstance(df[col].dtype, pd.ArrowDtype) else "numpy_nullable"


def _arrow(df: pd.DataFrame, columns: Iterable[str]) -> pa.Table:
    """Return the given columns of a frame as an Arrow table in the schema's types."""
    arrays, names = [], []
    for c in columns:
        if c not in df.columns:
            raise ConfigurationError(
                f"the frame has no {c!r} column: give a frame of read_snapshots, "
                "read_imports or read_history"
            )
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            arr = pa.array(s.astype(object).where(s.notna(), None), type=pa.string())
        else:
            arr = pa.array(s, from_pandas=True)
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        want = pa.string() if c in ("status", "index_host") else schema.arrow_type(c)
        if arr.type != want:
            arr = arr.cast(want)
        arrays.append(arr)
        names.append(c)
    return pa.Table.from_arrays(arrays, names=names)


def _restore_hosts(table: pa.Table) -> pa.Table:
    hosts = table["index_host"]
    if pc.any(pc.equal(hosts, _NO_HOST)).as_py():
        nulls = pc.if_else(pc.equal(hosts, _NO_HOST), pa.scalar(None, pa.string()), hosts)
        table = table.set_column(table.column_names.index("index_host"), "index_host", nulls)
    return table


def _instants_for(table: pa.Table, instants: ListingInstants | None) -> dict[str, np.ndarray]:
    seen = instants_of(table)
    if instants is not None:
        for h in instants.hosts:
            key = h
            seen[key] = (
                np.union1d(seen[key], instants.micros(h)) if key in seen else (instants.micros(h))
            )
    return seen


def runs_frame(
    runs: pa.Table, instants: ListingInstants, dtype_backend: DtypeBackend = "numpy_nullable"
) -> pd.DataFrame:
    """Return the pandas runs frame of runs (``normalize``'s table), derived columns computed.

    ``elapsed`` is computed as at ``last_listed_at``.
    """
    import warnings

    from . import frame as _frame
    from .errors import UnknownStatusWarning

    base = runs.select(["index_host", *STATE_COLUMNS]).append_column(
        "listed_at", runs["last_listed_at"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownStatusWarning)
        full = _frame.conform_table(base)
    data = {}
    for c in schema.RUN_COLUMN_NAMES:
        col = runs[c] if c in SPAN_COLUMNS else full[c]
        data[c] = _frame.column_to_pandas(col, c, dtype_backend)
    out = pd.DataFrame(data, copy=False)
    out.attrs["listings"] = instants
    return out


def to_runs(listings_df: pd.DataFrame, instants: ListingInstants | None = None) -> pd.DataFrame:
    """Turn a listing frame into its runs: one row per import and unchanged state.

    Parameters
    ----------
    listings_df : pandas.DataFrame
        A listing frame (``read_snapshots``, ``read_imports``, ``to_frame``): the columns
        of ``schema.COLUMN_NAMES``, either dtype backend.
    instants : ListingInstants, optional
        Which listings exist. By default the ``listed_at`` values the frame shows: a
        listing with no import is then unknown (it does not end the runs around it).
        Instants the frame shows are always added.

    Returns
    -------
    pandas.DataFrame
        The runs, columns ``schema.RUN_COLUMN_NAMES`` with the input's dtype backend,
        ordered by ``index_host``, ``id`` and ``first_listed_at``; ``attrs["listings"]``
        holds the :class:`ListingInstants`.

    Examples
    --------
    >>> from pinecone_imports_frame import to_frame, concat_frames
    >>> listings = concat_frames(
    ...     to_frame([{"id": "1", "status": s}], listed_at=t, index_host="h")
    ...     for t, s in [("2025-05-01T12:00Z", "Pending"), ("2025-05-01T12:05Z", "Pending"),
    ...                  ("2025-05-01T12:10Z", "Completed")])
    >>> runs = to_runs(listings)
    >>> runs[["status", "listings"]]
          status  listings
    0    Pending         2
    1  Completed         1
    >>> to_listings(runs).equals(listings)
    True
    """
    if is_runs(listings_df):
        raise ConfigurationError("to_runs takes a listing frame; this one holds runs already")
    table = _arrow(listings_df, ["index_host", *STATE_COLUMNS, "listed_at"])
    table = table.set_column(0, "index_host", pc.fill_null(table["index_host"], _NO_HOST))
    if table["listed_at"].null_count:
        raise ConfigurationError("a row has no listed_at: every listing row has one")
    given = None
    if instants is not None:
        given = ListingInstants._of(
            {(_NO_HOST if h is None else h): instants.micros(h) for h in instants.hosts}
        )
    by_host = _instants_for(table, given)
    runs = _restore_hosts(normalize(table, by_host))
    known = ListingInstants._of(by_host)
    if _NO_HOST in known.hosts:
        logger.debug("rows without an index_host are one index")
    return runs_frame(runs, known, _backend(listings_df))


def to_listings(runs_df: pd.DataFrame) -> pd.DataFrame:
    """Rebuild the listing frame of a runs frame: every listing, every row, as written.

    The listings come from ``runs_df.attrs["listings"]`` (a :class:`ListingInstants`, as
    ``read_history`` and :func:`to_runs` set it). Without it, the instants are those the
    runs begin and end at, and each run's ``listings`` must agree with them (else a
    ConfigurationError: some listing is unknown). Listings with no import give no row.

    Parameters
    ----------
    runs_df : pandas.DataFrame
        A runs frame (``read_history``, :func:`to_runs`), either dtype backend.

    Returns
    -------
    pandas.DataFrame
        The listing frame (``schema.COLUMN_NAMES``), sorted by ``listed_at``, ``id``
        (and ``index_host``), with ``elapsed`` as at each listing; a fresh RangeIndex.

    Examples
    --------
    >>> from pinecone_imports_frame import to_frame
    >>> runs = to_runs(to_frame([{"id": "1"}], listed_at="2025-05-01", index_host="h"))
    >>> to_listings(runs)["listed_at"].tolist()
    [Timestamp('2025-05-01 00:00:00+0000', tz='UTC')]
    """
    if not is_runs(runs_df):
        raise ConfigurationError("to_listings takes a runs frame (read_history, to_runs)")
    table = _arrow(runs_df, ["index_host", *STATE_COLUMNS, *SPAN_COLUMNS])
    table = table.set_column(0, "index_host", pc.fill_null(table["index_host"], _NO_HOST))
    given = runs_df.attrs.get("listings")
    if isinstance(given, ListingInstants):
        by_host = {(_NO_HOST if h is None else h): given.micros(h) for h in given.hosts}
        for h, v in instants_of(table).items():  # instants a run shows, whatever attrs say
            by_host[h] = np.union1d(by_host[h], v) if h in by_host else v
    else:
        by_host = instants_of(table)
    try:
        rows = expand(table, by_host)
    except ValueError as exc:
        raise ConfigurationError(
            f"these runs cannot be rebuilt into listings ({exc}): their "
            "attrs['listings'] is missing or not theirs; give a frame of read_history or "
            "to_runs"
        ) from None
    return listing_frame(_restore_hosts(rows), _backend(runs_df))


def listing_frame(rows: pa.Table, dtype_backend: DtypeBackend) -> pd.DataFrame:
    """Rows of listings (``expand``'s table) as a listing frame, sorted, typed, derived."""
    import warnings

    from . import frame as _frame
    from .errors import UnknownStatusWarning

    if rows.num_rows > 1:
        order = pc.sort_indices(
            rows,
            sort_keys=[
                ("listed_at", "ascending"),
                ("id", "ascending"),
                ("index_host", "ascending"),
            ],
        )
        rows = rows.take(order)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownStatusWarning)
        full = _frame.conform_table(rows)
    return _frame.frame_from_table(full, dtype_backend=dtype_backend)


def coverage(table: pa.Table, every: np.ndarray) -> np.ndarray:
    """Return how many runs of one host span each of its instants ``every`` (sorted µs).

    What a file's footer says each listing's rows are, checked without rebuilding them.
    Raises ValueError when a run does not begin and end at instants of ``every`` or its
    ``listings`` is not the number of instants between.

    Examples
    --------
    >>> runs = pa.table({"first_listed_at": [1, 1], "last_listed_at": [3, 1],
    ...                  "listings": [3, 1]})
    >>> coverage(runs, np.array([1, 2, 3])).tolist()
    [2, 1, 1]
    """
    first, last = _micros_of(table["first_listed_at"]), _micros_of(table["last_listed_at"])
    pf = np.searchsorted(every, first, "left")
    pl = np.searchsorted(every, last, "right") - 1
    listings = table["listings"]
    if len(first) and (
        listings.null_count
        or pf.max() >= len(every)
        or pl.min() < 0
        or not np.array_equal(every[pf], first)
        or not np.array_equal(every[pl], last)
        or not np.array_equal(
            pl - pf + 1, np.asarray(listings.to_numpy(zero_copy_only=False), dtype=np.int64)
        )
    ):
        raise ValueError("its runs do not span the listings it lists")
    size = len(every) + 1
    delta = np.bincount(pf, minlength=size) - np.bincount(pl + 1, minlength=size)
    return np.cumsum(delta)[:-1].astype(np.int64)
