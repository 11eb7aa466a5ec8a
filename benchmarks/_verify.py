"""Check that two paths built the same frame, so that no path is measured doing less work."""

from __future__ import annotations

from typing import Any

import pandas as pd


def schema_mismatches(frame: pd.DataFrame) -> list[str]:
    """Columns whose name, order or dtype differ from the package's schema."""
    from pinecone_imports_frame import schema

    expected = schema.pandas_dtypes()
    problems = []
    if list(frame.columns) != list(expected):
        problems.append(f"columns {list(frame.columns)} != {list(expected)}")
    for name, dtype in expected.items():
        if name in frame and str(frame[name].dtype) != str(dtype):
            problems.append(f"{name}: {frame[name].dtype} != {dtype}")
    return problems


def compare(
    reference: pd.DataFrame,
    other: pd.DataFrame,
    *,
    same_listing: bool = True,
    cannot_have: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Rows, ids, dtypes and values of ``other`` against ``reference``.

    With ``same_listing=False`` (two processes listed at different instants) ``listed_at``
    is not compared and ``elapsed`` only where it does not depend on it (finished imports).
    ``cannot_have`` names columns the other path cannot fill (the SDK drops
    ``validationResult``): they must be all NA there, and are reported, not compared.
    """
    out: dict[str, Any] = {
        "rows": [len(reference), len(other)],
        "ids_equal": reference["id"].tolist() == other["id"].tolist(),
        "schema_problems": schema_mismatches(other),
    }
    differing = []
    for name in reference.columns:
        if name not in other:
            differing.append(f"{name} (missing)")
            continue
        a, b = reference[name], other[name]
        if str(a.dtype) != str(b.dtype):
            differing.append(f"{name} (dtype {a.dtype} vs {b.dtype})")
            continue
        if not same_listing and name == "listed_at":
            continue
        if name in cannot_have:
            if not b.isna().all():
                differing.append(f"{name} (expected NA: this path cannot fill it)")
            continue
        if not same_listing and name == "elapsed":
            done = reference["finished_at"].notna().to_numpy()
            a, b = a[done], b[done]
        a, b = a.reset_index(drop=True), b.reset_index(drop=True)
        if str(a.dtype) == "Float64":  # the last bit of a division may differ by path
            try:
                pd.testing.assert_series_equal(a, b, check_exact=False, rtol=1e-12)
            except AssertionError:
                differing.append(name)
        elif not a.equals(b):
            differing.append(name)
    out["differing_columns"] = differing
    out["not_compared"] = list(cannot_have)
    out["equal"] = (
        out["ids_equal"]
        and len(reference) == len(other)
        and not differing
        and not out["schema_problems"]
    )
    return out
