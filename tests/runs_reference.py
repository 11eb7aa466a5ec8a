"""A slow, obviously correct converter from listings to runs, for the tests to compare with.

A *run* is one import's unchanged state over consecutive listings of its index
(RUNS_SPEC.md). This converter walks every import's rows one by one in Python: no
vectorisation to get wrong. Use it on small histories only.

``ListingInstants`` is the package's (``pinecone_imports_frame.runs``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pyarrow as pa

from pinecone_imports_frame.runs import ListingInstants

#: The runs-only columns, after the listing columns (RUNS_SPEC.md).
RUNS_ONLY = ("first_listed_at", "last_listed_at", "listings")

#: Columns that change from listing to listing without the state changing.
NOT_STATE = ("listed_at", "elapsed")


def _same(a: Any, b: Any) -> bool:
    """Equal values, two missing values being equal."""
    if pd.isna(a) and pd.isna(b):
        return True
    if pd.isna(a) or pd.isna(b):
        return False
    return bool(a == b)


def _host(value: Any) -> str:
    return "" if pd.isna(value) else str(value)


def to_runs(
    listings: pd.DataFrame, instants: Mapping[str, Iterable[Any]] | None = None
) -> pd.DataFrame:
    """Turn a listing frame into its runs frame, one import and one row at a time.

    ``instants`` maps each host to its listing instants (default: the listings' own
    ``listed_at``); listings without imports can only be given this way.
    """
    df = listings.reset_index(drop=True)
    hosts = df["index_host"].map(_host) if "index_host" in df else pd.Series([""] * len(df))
    times: dict[str, set[pd.Timestamp]] = {}
    for host, t in zip(hosts, pd.to_datetime(df["listed_at"], utc=True), strict=True):
        times.setdefault(host, set()).add(t)
    for host, given in (instants or {}).items():
        times.setdefault(host, set()).update(pd.to_datetime(list(given), utc=True))
    order = {host: sorted(ts) for host, ts in times.items()}
    state = [c for c in df.columns if c not in NOT_STATE]
    df = df.assign(_host=hosts.to_numpy(), _t=pd.to_datetime(df["listed_at"], utc=True))
    df = df.sort_values(["_host", "id", "_t"], kind="stable")
    runs: list[tuple[int, int, pd.Timestamp, pd.Timestamp, int]] = []  # (first row, last...)
    previous: Any = None
    for position, record in enumerate(df.to_dict("records")):
        this = (record["_host"], record["id"], record["_t"])
        if previous is not None:
            p_record = previous
            listing = order[record["_host"]]
            consecutive = (
                p_record["_host"] == record["_host"]
                and _same(p_record["id"], record["id"])
                and listing.index(p_record["_t"]) + 1 == listing.index(record["_t"])
                and all(_same(p_record[c], record[c]) for c in state)
            )
            if consecutive:
                start, _, first, _, n = runs[-1]
                runs[-1] = (start, position, first, this[2], n + 1)
                previous = record
                continue
        runs.append((position, position, this[2], this[2], 1))
        previous = record
    last_rows = df.iloc[[last for _, last, _, _, _ in runs]].reset_index(drop=True)
    stamp = df["listed_at"].dtype
    out = last_rows[[c for c in listings.columns if c != "listed_at"]].copy()
    out["first_listed_at"] = pd.Series([r[2] for r in runs], dtype=object).astype(stamp)
    out["last_listed_at"] = pd.Series([r[3] for r in runs], dtype=object).astype(stamp)
    pyarrow = isinstance(stamp, pd.ArrowDtype)
    count_dtype: Any = pd.ArrowDtype(pa.int64()) if pyarrow else pd.Int64Dtype()
    out["listings"] = pd.Series([r[4] for r in runs], dtype=count_dtype)
    out.attrs["listings"] = ListingInstants({host: ts for host, ts in order.items() if host != ""})
    return out
