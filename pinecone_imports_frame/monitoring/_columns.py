"""The columns of a listing the exporter's metrics read, taken out of the frame once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


def listed_at_us(df: pd.DataFrame) -> int:
    """Return the listing's time (the server's clock) in µs."""
    text = df.attrs.get("listed_at")
    ts = pd.Timestamp(text) if text else pd.Timestamp(df["listed_at"].max())
    return int(ts.as_unit("us").asm8.view("i8"))


def micros(s: pd.Series) -> np.ndarray:
    """Timestamps as int64 µs; NaT as the smallest int64."""
    return np.asarray(s.array.as_unit("us").asi8)


@dataclass(frozen=True)
class Columns:
    """The columns of a listing the metrics read, taken out of the frame once."""

    ids: Any
    codes: np.ndarray
    names: list[str]
    finished: np.ndarray
    created: np.ndarray
    percent: Any
    records: Any
    invalid: Any

    @classmethod
    def of(cls, df: pd.DataFrame) -> Columns:
        # pandas deep-copies a frame's attrs into each column taken out of it: the listing's
        # attrs are set aside meanwhile (a third of the exporter's CPU per listing, else).
        attrs, df.attrs = df.attrs, {}
        try:
            status = df["status"]
            return cls(
                ids=df["id"].array,
                codes=status.cat.codes.to_numpy(),
                names=[str(c) for c in status.cat.categories],
                finished=micros(df["finished_at"]),
                created=micros(df["created_at"]),
                percent=df["percent_complete"].array,
                records=df["records_imported"].array,
                invalid=df["validation_errors"].array,
            )
        finally:
            df.attrs = attrs

    def texts(self, rows: np.ndarray) -> list[Any]:
        return list(self.ids[rows].tolist())

    @staticmethod
    def floats(values: Any, rows: np.ndarray) -> np.ndarray:
        return np.asarray(values[rows].to_numpy(dtype=np.float64, na_value=np.nan))
