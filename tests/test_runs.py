"""Runs: listings to runs and back, exactly; runs are what changed, not every listing."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
from everyday import examples
from hypothesis import HealthCheck, given, settings
from runs_histories import histories, listings_frame

from pinecone_imports_frame import concat_frames, schema, to_frame
from pinecone_imports_frame.errors import ConfigurationError
from pinecone_imports_frame.runs import ListingInstants, is_runs, to_listings, to_runs

BACKENDS = ["numpy_nullable", "pyarrow"]


@pytest.mark.parametrize("dtype_backend", BACKENDS)
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories())
def test_listings_to_runs_and_back_is_exact(dtype_backend: str, history: list) -> None:
    listings = listings_frame(history, dtype_backend)
    instants = ListingInstants(
        {h: [t for hh, t, *_ in history if hh == h] for h in {x[0] for x in history}}
    )
    runs = to_runs(listings, instants)
    assert list(runs.columns) == list(schema.RUN_COLUMN_NAMES)
    dtypes = runs.dtypes.to_dict()
    assert dtypes.pop("status") == listings["status"].dtype
    expected = schema.pandas_dtypes(dtype_backend, runs=True)  # type: ignore[arg-type]
    assert dtypes == {c: d for c, d in expected.items() if c != "status"}
    assert runs.attrs["listings"] == instants
    assert len(runs) <= len(listings)
    back = to_listings(runs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.testing.assert_frame_equal(back, listings)
    # Runs are ordered by host, id, first listing; each spans its listings, first to last.
    keys = runs[["index_host", "id", "first_listed_at"]].astype(str)
    ordered = runs.sort_values(["index_host", "id", "first_listed_at"], kind="stable")
    assert keys.equals(ordered[["index_host", "id", "first_listed_at"]].astype(str))
    for host, stamps in instants.by_host().items():
        mine = runs[runs["index_host"] == host]
        first = stamps.get_indexer(pd.DatetimeIndex(mine["first_listed_at"]))
        last = stamps.get_indexer(pd.DatetimeIndex(mine["last_listed_at"]))
        assert (first >= 0).all() and (last >= 0).all()
        assert (last - first + 1 == mine["listings"].to_numpy()).all()


def _listing(t: str, records: list[dict], **kw: object) -> pd.DataFrame:
    return to_frame(records, listed_at=t, index_host="h", api_version="2025-10", **kw)


def test_an_import_that_vanishes_for_one_listing_is_two_runs() -> None:
    one = {"id": "1", "status": "InProgress", "createdAt": "2025-05-01T00:00Z"}
    frames = [
        _listing("2025-05-01T00:05Z", [one]),
        _listing("2025-05-01T00:10Z", []),
        _listing("2025-05-01T00:15Z", [one]),
    ]
    listings = concat_frames(frames)
    instants = ListingInstants(
        {"h": ["2025-05-01T00:05Z", "2025-05-01T00:10Z", "2025-05-01T00:15Z"]}
    )
    runs = to_runs(listings, instants)
    assert runs["listings"].tolist() == [1, 1]
    # Without the empty listing, nothing says it vanished: one run of two listings.
    assert to_runs(listings)["listings"].tolist() == [2]
    # elapsed is as at the run's last listing.
    assert runs["elapsed"].tolist() == [pd.Timedelta("5min"), pd.Timedelta("15min")]
    pd.testing.assert_frame_equal(to_listings(runs), listings)


def test_a_change_of_any_stored_column_ends_a_run() -> None:
    base = {"id": "1", "status": "InProgress", "percentComplete": 0.0}
    frames = [
        _listing("2025-05-01T00:00Z", [base]),
        _listing("2025-05-01T00:01Z", [{**base, "percentComplete": -0.0}]),  # other bits
        _listing("2025-05-01T00:02Z", [{**base, "percentComplete": -0.0}]),
        _listing("2025-05-01T00:03Z", [{**base, "percentComplete": -0.0}], index_name="x"),
        to_frame(
            [{**base, "percentComplete": -0.0}],
            listed_at="2025-05-01T00:04Z",
            index_host="h",
            index_name="x",
            api_version="2026-07",
        ),
    ]
    runs = to_runs(concat_frames(frames))
    assert runs["listings"].tolist() == [1, 2, 1, 1]
    assert np.signbit(runs["percent_complete"].astype(float).to_numpy()).tolist() == [
        False,
        True,
        True,
        True,
    ]


def test_instants_are_immutable_and_copy_as_themselves() -> None:
    instants = ListingInstants({"h": [1, 2]})
    assert copy.deepcopy(instants) is instants
    with pytest.raises(ValueError):
        instants.micros("h")[0] = 5
    runs = to_runs(_listing("2025-05-01", [{"id": "1"}]))
    assert runs.copy().attrs["listings"] is runs.attrs["listings"]
    assert is_runs(runs) and not is_runs(to_listings(runs))


def test_to_listings_without_instants_refuses_runs_it_cannot_rebuild() -> None:
    one = {"id": "1", "status": "Pending"}
    listings = concat_frames(
        _listing(t, [one]) for t in ["2025-05-01T00:00Z", "2025-05-01T00:01Z", "2025-05-01T00:02Z"]
    )
    runs = to_runs(listings)
    runs.attrs = {}
    with pytest.raises(ConfigurationError, match="cannot be rebuilt"):
        to_listings(runs)


def test_rows_without_id_keep_their_order() -> None:
    a, b = {"status": "Pending"}, {"status": "Failed"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frames = [
            _listing("2025-05-01T00:00Z", [b, a]),
            _listing("2025-05-01T00:01Z", [a, b]),
            _listing("2025-05-01T00:02Z", [a]),
        ]
    listings = concat_frames(frames)
    pd.testing.assert_frame_equal(to_listings(to_runs(listings)), listings)


@pytest.mark.parametrize("dtype_backend", BACKENDS)
def test_empty_frames(dtype_backend: str) -> None:
    empty = to_frame([], dtype_backend=dtype_backend)  # type: ignore[arg-type]
    runs = to_runs(empty)
    assert len(runs) == 0 and list(runs.columns) == list(schema.RUN_COLUMN_NAMES)
    assert runs.dtypes.to_dict() == schema.pandas_dtypes(dtype_backend, runs=True)
    pd.testing.assert_frame_equal(to_listings(runs), empty)
