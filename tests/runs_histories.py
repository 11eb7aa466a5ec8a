"""Random histories of listings for the runs tests: imports that start, progress, end,
vanish for a listing and come back, lose their id; several indexes and API versions."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd
from hypothesis import strategies as st

from pinecone_imports_frame import concat_frames, to_frame

HOSTS = ("a.svc.pinecone.io", "b.svc.pinecone.io")
VERSIONS = ("2025-04", "2025-10", "2026-07")
STATUSES = ("Pending", "InProgress", "Completed", "Failed", "Cancelled", "Paused")


@st.composite
def histories(draw: Any, *, max_listings: int = 8, days: int = 2) -> list[tuple[str, str, Any]]:
    """A list of (host, listed_at, records, api_version, index_name) listings."""
    n_imports = draw(st.integers(0, 5))
    out = []
    for host in draw(st.lists(st.sampled_from(HOSTS), min_size=1, max_size=2, unique=True)):
        n = draw(st.integers(1, max_listings))
        # Listings over `days` days (some cross midnight), minutes apart.
        minutes = sorted(
            draw(st.lists(st.integers(0, days * 1440 - 1), min_size=n, max_size=n, unique=True))
        )
        version = draw(st.sampled_from(VERSIONS))
        name = draw(st.sampled_from(["idx", None]))
        state = {i: draw(st.integers(0, 3)) for i in range(n_imports)}
        for m in minutes:
            t = pd.Timestamp("2025-05-01T00:00Z") + pd.Timedelta(minutes=m)
            if draw(st.integers(0, 5)) == 0:
                version = draw(st.sampled_from(VERSIONS))
            if draw(st.integers(0, 7)) == 0:
                name = draw(st.sampled_from(["idx", "idx2", None]))
            records = []
            for i in range(n_imports):
                if draw(st.integers(0, 4)) == 0:  # changes
                    state[i] = draw(st.integers(0, 3))
                if draw(st.integers(0, 6)) == 0:  # absent from this listing
                    continue
                s = state[i]
                rec: dict[str, Any] = {
                    "id": None if i == 4 else f"imp-{i}",
                    "uri": f"s3://b/{i}",
                    "status": STATUSES[s if i != 3 else 5],
                    "createdAt": "2025-04-30T23:00:00Z",
                    "percentComplete": [0.0, 37.5, 100.0, 12.5][s],
                    "recordsImported": [0, 10, 100, 5][s],
                }
                if s >= 2:
                    rec["finishedAt"] = "2025-05-01T00:30:00Z"
                if s == 3:
                    rec["error"] = "No Parquet files found under s3://b"
                if version == "2026-07" and s:
                    rec["validationResult"] = {"importSuccesses": s, "importErrors": 0}
                records.append(rec)
            out.append((host, t, records, version, name))
    return out


def frame_of(listing: tuple[str, Any, Any, str, Any], dtype_backend: str) -> pd.DataFrame:
    host, t, records, version, name = listing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unknown status "Paused"
        return to_frame(
            records,
            listed_at=t,
            index_host=host,
            index_name=name,
            api_version=version,
            dtype_backend=dtype_backend,  # type: ignore[arg-type]
        )


def listings_frame(history: list[Any], dtype_backend: str) -> pd.DataFrame:
    """What read_snapshots gives of these listings: sorted by listed_at, id (and host)."""
    frames = [frame_of(x, dtype_backend) for x in history]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = concat_frames(frames)
    return df.sort_values(["listed_at", "id", "index_host"], kind="stable").reset_index(drop=True)
