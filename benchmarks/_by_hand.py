"""The typed frame built by hand with pandas: what a competent user writes without the package.

Used by the SDK and the naive ``requests`` paths of the benchmark, so that they do the same
work as ``read_imports``: the same columns, dtypes and derived columns. Imports only pandas.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

STATUSES = ["Pending", "InProgress", "Completed", "Failed", "Cancelled"]
TERMINAL = ["Completed", "Failed", "Cancelled"]
CAMEL = {
    "createdAt": "created_at",
    "finishedAt": "finished_at",
    "percentComplete": "percent_complete",
    "recordsImported": "records_imported",
}
FIELDS = [
    "id",
    "uri",
    "status",
    "created_at",
    "finished_at",
    "percent_complete",
    "records_imported",
    "error",
]


def typed_by_hand(
    raw: pd.DataFrame, *, listed_at: Any, index_host: str | None, index_name: str | None = None
) -> pd.DataFrame:
    """``raw`` (one row per import, camelCase or snake_case columns) to the typed frame."""
    raw = raw.rename(columns=CAMEL).reindex(columns=FIELDS)  # a field no row had is absent
    text = pd.StringDtype("pyarrow")  # the dtype read_imports gives, on pandas 2.2 and 3
    listed = pd.Timestamp(listed_at).tz_convert("UTC").as_unit("us")
    n = len(raw)
    out = pd.DataFrame(
        {
            "id": raw["id"].astype(text),
            "uri": raw["uri"].astype(text),
            "status": raw["status"].astype(pd.CategoricalDtype(STATUSES)),
            "created_at": pd.to_datetime(raw["created_at"], utc=True, format="ISO8601"),
            "finished_at": pd.to_datetime(raw["finished_at"], utc=True, format="ISO8601"),
            "percent_complete": raw["percent_complete"].astype("Float64"),
            "records_imported": raw["records_imported"].astype("Int64"),
            "error": raw["error"].astype(text),
        }
    )
    for col in ("created_at", "finished_at"):
        out[col] = out[col].dt.as_unit("us")
    duration = (out["finished_at"] - out["created_at"]).astype("timedelta64[us]")
    is_terminal = out["status"].isin(TERMINAL).astype("boolean")
    is_terminal[out["status"].isna()] = pd.NA
    listed_col = pd.Series(listed, index=out.index).dt.as_unit("us")
    running = (listed_col - out["created_at"]).where(~is_terminal.fillna(False))
    elapsed = duration.where(out["finished_at"].notna(), running).astype("timedelta64[us]")
    seconds = duration.dt.total_seconds().astype("Float64")
    seconds = seconds.mask(seconds == 0)
    out["duration"] = duration
    out["elapsed"] = elapsed
    out["is_terminal"] = is_terminal
    out["records_per_second"] = out["records_imported"].astype("Float64") / seconds
    out["listed_at"] = listed_col
    out["index_host"] = pd.array([index_host] * n, dtype=text)
    out["index_name"] = pd.array([index_name] * n, dtype=text)
    return out
