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
    "validationResult.importSuccesses": "validation_successes",
    "validationResult.importErrors": "validation_errors",
}
#: What a user would write to sort failures by kind: the same patterns as the package's.
CATEGORIES = [
    ("namespace_exists", r"namespace .*already exists"),
    ("no_parquet_found", r"no parquet files? (?:were )?found"),
    ("type_mismatch", r"expected data type|but got|type mismatch|has type .* expected"),
    (
        "schema",
        r"missing required column|unexpected column|schema|dimension .*(?:does not|doesn't) "
        r"match|column",
    ),
    ("corrupt_parquet", r"footer|corrupt|could not be parsed|invalid parquet|not a parquet"),
    ("system_limit", r"exceeds? (?:the )?system limit|exceeds .*limit|limit exceeded|quota"),
    (
        "storage_access",
        r"access denied|permission|forbidden|unauthori[sz]ed|not authori[sz]ed|credential|"
        r"storage integration|could not (?:access|read|list)|unable to (?:access|read|list)|"
        r"no such bucket|bucket .*(?:not found|does not exist)|storage",
    ),
]
FIELDS = [
    "id",
    "uri",
    "status",
    "created_at",
    "finished_at",
    "percent_complete",
    "records_imported",
    "validation_successes",
    "validation_errors",
    "error",
]


def typed_by_hand(
    raw: pd.DataFrame,
    *,
    listed_at: Any,
    index_host: str | None,
    index_name: str | None = None,
    api_version: str | None = None,
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
            "validation_successes": raw["validation_successes"].astype("Int64"),
            "validation_errors": raw["validation_errors"].astype("Int64"),
            "error": raw["error"].astype(text),
        }
    )
    errors = out["error"].str.lower()
    category = pd.Series(pd.NA, index=out.index, dtype=object)
    for name, pattern in reversed(CATEGORIES):  # the first pattern that matches wins
        category = category.mask(errors.str.contains(pattern, regex=True).fillna(False), name)
    category = category.mask(errors.notna() & category.isna(), "other")
    out["error_category"] = category.astype(
        pd.CategoricalDtype([c for c, _ in CATEGORIES] + ["other"])
    )
    for col in ("created_at", "finished_at"):
        out[col] = out[col].dt.as_unit("us")
    duration = (out["finished_at"] - out["created_at"]).astype("timedelta64[us]")
    is_terminal = out["status"].isin(TERMINAL).astype("boolean")
    is_terminal[out["status"].isna()] = pd.NA
    listed_col = pd.Series(listed, index=out.index).dt.as_unit("us")
    running = (listed_col - out["created_at"]).clip(lower=pd.Timedelta(0))
    running = running.where(~is_terminal.fillna(False))
    elapsed = duration.where(out["finished_at"].notna(), running).astype("timedelta64[us]")
    seconds = duration.dt.total_seconds().astype("Float64")
    seconds = seconds.mask(seconds <= 0)
    out["duration"] = duration
    out["elapsed"] = elapsed
    out["is_terminal"] = is_terminal
    out["records_per_second"] = out["records_imported"].astype("Float64") / seconds
    out["listed_at"] = listed_col
    out["index_host"] = pd.array([index_host] * n, dtype=text)
    out["index_name"] = pd.array([index_name] * n, dtype=text)
    out["api_version"] = pd.array([api_version] * n, dtype=text)
    return out[COLUMNS]


COLUMNS = [
    *FIELDS,
    "error_category",
    "duration",
    "elapsed",
    "is_terminal",
    "records_per_second",
    "listed_at",
    "index_host",
    "index_name",
    "api_version",
]
