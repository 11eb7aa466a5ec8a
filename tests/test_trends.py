"""trends: known answers on hand-made histories and on the emulator's, one listing, empty."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame import ConfigurationError, schema, trends
from pinecone_imports_frame.emulator import Emulator

T0 = pd.Timestamp("2025-05-01T10:00:00Z")
#: Every function that returns a frame (summary_text returns text).
FUNCTIONS = [name for name in trends.COLUMNS_NEEDED if name != "summary_text"]


def at(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def iso(minutes: float) -> str:
    return at(minutes).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rec(import_id: str, status: str, **fields: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": import_id,
        "uri": fields.pop("uri", f"s3://bucket/{import_id}/"),
        "status": status,
        "createdAt": iso(fields.pop("created", 0)),
    }
    if "finished" in fields:
        out["finishedAt"] = iso(fields.pop("finished"))
    out.update(fields)
    return out


def listing(
    minutes: float,
    records: list[dict[str, Any]],
    *,
    host: str = "idx-a.svc.pinecone.io",
    api_version: str = "2025-04",
) -> pd.DataFrame:
    return pif.to_frame(records, listed_at=at(minutes), index_host=host, api_version=api_version)


def stack(*frames: pd.DataFrame) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def take_listing(emu: Emulator) -> pd.DataFrame:
    """One listing of the emulator over HTTP, stamped exactly with the emulator's clock.

    ``read_imports`` stamps ``listed_at`` from the server's ``Date`` header, which has whole
    seconds; the tests that compare listing times with Pinecone's own want the exact time.
    """
    pages = pif.iter_pages(emu.url, api_key=emu.api_key, progress=False)
    records = [r for page in pages for r in page]
    return pif.to_frame(records, listed_at=emu.now(), index_host=emu.address)


def planned(emu: Emulator, import_id: str) -> dict[str, Any]:
    """What the emulator planned for an import: its loading rate and phase boundaries."""
    truth = emu.plan(import_id)
    return {
        "percent_per_hour": truth.percent_per_hour,
        "records_per_second": truth.records_per_second,
        "loading_starts": pd.Timestamp(truth.loading_starts_at),
        "loading_ends": pd.Timestamp(truth.loading_ends_at),
        "indexing_ends": pd.Timestamp(truth.indexing_ends_at),
    }


# --- every function: empty input, one listing, backends, columns ---------------------------


def small_history() -> pd.DataFrame:
    return stack(
        listing(60, [rec("1", "Pending"), rec("2", "InProgress", percentComplete=10.0)]),
        listing(
            120,
            [
                rec("1", "InProgress", percentComplete=5.0, recordsImported=50),
                rec("2", "Failed", finished=100, error="Exceeds system limit"),
            ],
        ),
    )


@pytest.mark.parametrize("name", FUNCTIONS)
def test_an_empty_input_gives_the_same_columns_and_dtypes(name: str) -> None:
    fn = getattr(trends, name)
    full = fn(small_history())
    empty = fn(pif.empty_frame())
    assert len(full) > 0 and len(empty) == 0
    assert list(empty.columns) == list(full.columns)
    for column in full.columns:
        if isinstance(full[column].dtype, pd.CategoricalDtype):
            assert isinstance(empty[column].dtype, pd.CategoricalDtype), column
        else:
            assert empty[column].dtype == full[column].dtype, column


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_pyarrow_backend_gives_the_same_answers(name: str) -> None:
    history = small_history()
    arrow = history.copy()
    for column in arrow.columns:
        arrow[column] = arrow[column].astype(schema.pandas_dtype(column, "pyarrow"))
    got, expected = getattr(trends, name)(arrow), getattr(trends, name)(history)
    if name == "latest":  # the input's own columns keep their (Arrow) dtypes
        assert all(got[c].dtype == arrow[c].dtype for c in arrow.columns)
        got = got.astype({c: history[c].dtype for c in history.columns})
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_a_missing_column_is_named_with_the_fix(name: str) -> None:
    needed = [c for c in trends.COLUMNS_NEEDED[name] if c != "index_host"]
    with pytest.raises(ConfigurationError) as info:
        getattr(trends, name)(small_history().drop(columns=[needed[-1]]))
    assert needed[-1] in str(info.value) and "COLUMNS_NEEDED" in str(info.value)


def test_not_a_frame_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="takes a DataFrame"):
        trends.latest([{"id": "1"}])  # type: ignore[arg-type]


def test_each_function_works_on_a_lake_read_with_only_its_columns(tmp_path: Path) -> None:
    history = small_history()
    for _, one in history.groupby("listed_at"):
        pif.write_snapshot(one.reset_index(drop=True), tmp_path)
    for name in FUNCTIONS:
        narrow = pif.read_snapshots(tmp_path, columns=trends.COLUMNS_NEEDED[name])
        assert set(narrow.columns) <= set(trends.COLUMNS_NEEDED[name]) | {"index_host"}
        got = getattr(trends, name)(narrow)
        expected = getattr(trends, name)(pif.read_snapshots(tmp_path))
        if name == "latest":  # the input's columns, then its own
            expected = expected[got.columns]
        pd.testing.assert_frame_equal(got, expected)


# --- latest --------------------------------------------------------------------------------


def test_latest_keeps_the_last_row_of_each_import_and_when_it_was_seen() -> None:
    history = stack(
        listing(0, [rec("1", "Pending"), rec("2", "InProgress", percentComplete=50.0)]),
        listing(10, [rec("1", "InProgress", percentComplete=1.0), rec("2", "Completed")]),
        listing(20, [rec("1", "InProgress", percentComplete=9.0)]),  # 2 is no longer listed
        listing(10, [rec("1", "Failed", error="x")], host="idx-b.svc.pinecone.io"),
    )
    out = trends.latest(history).set_index(["index_host", "id"])
    a = out.loc[("idx-a.svc.pinecone.io", "1")]
    assert a["status"] == "InProgress" and a["percent_complete"] == 9.0
    assert (a["first_seen"], a["last_seen"], a["listings"]) == (at(0), at(20), 3)
    gone = out.loc[("idx-a.svc.pinecone.io", "2")]
    assert gone["status"] == "Completed" and gone["last_seen"] == at(10)
    other = out.loc[("idx-b.svc.pinecone.io", "1")]  # same id, another index: another import
    assert other["status"] == "Failed" and other["listings"] == 1
    assert len(out) == 3


def test_latest_of_one_listing_is_that_listing() -> None:
    one = listing(0, [rec(str(i), "Completed", finished=1) for i in range(5)])
    out = trends.latest(one)
    pd.testing.assert_frame_equal(out[one.columns], one)
    assert (out["first_seen"] == at(0)).all() and (out["listings"] == 1).all()


def _shifted_history() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A history whose second listing shows import 2 twice (as a lake of an older version
    holds it: the import moved between pages while the listing was paged), and the same
    history with import 2 once in it, as its last row."""
    first = listing(60, [rec("1", "Pending"), rec("2", "InProgress", percentComplete=10.0)])
    second = [
        rec("1", "InProgress", percentComplete=5.0, recordsImported=50),
        rec("2", "InProgress", percentComplete=20.0),
    ]
    failed = rec("2", "Failed", finished=100, error="Exceeds system limit")
    shifted = stack(first, listing(120, second), listing(120, [failed]))
    once = stack(first, listing(120, [second[0], failed]))
    return shifted, once


@pytest.mark.parametrize("name", [*FUNCTIONS, "summary_text"])
def test_an_import_twice_in_one_listing_counts_once_as_its_last_row(name: str) -> None:
    """Every function agrees with the frame and the watch: one import, its last row."""
    shifted, once = _shifted_history()
    function = getattr(trends, name)
    with pytest.warns(pif.DuplicateImportWarning, match=r"^1 row of the frame .* last row"):
        got = function(shifted)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        function(shifted)
    assert [w.category for w in caught] == [pif.DuplicateImportWarning]  # said once
    expected = function(once)
    if name == "summary_text":
        assert got == expected
    else:
        pd.testing.assert_frame_equal(got, expected)


def test_the_trends_agree_on_how_many_imports_a_shifted_listing_holds() -> None:
    shifted, _ = _shifted_history()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pif.DuplicateImportWarning)
        timeline = trends.status_timeline(shifted)
        figures = trends.summary(shifted)
        last = trends.latest(shifted)
    assert timeline["total"].tolist() == [2, 2]
    assert int(figures.loc[0, "imports"]) == len(last) == 2
    assert timeline.iloc[-1][["InProgress", "Failed"]].tolist() == [1, 1]


def test_a_lake_of_an_older_version_with_an_import_twice_in_a_listing(tmp_path: Path) -> None:
    """Snapshots written before the frame kept one row per import: read back as they are."""
    shifted, once = _shifted_history()
    for _, one in shifted.groupby("listed_at"):
        pif.write_snapshot(one.reset_index(drop=True), tmp_path)
    lake = pif.read_snapshots(tmp_path)
    assert len(lake) == 5  # the lake holds import 2 twice in its second listing
    for name in FUNCTIONS:
        with pytest.warns(pif.DuplicateImportWarning, match="^1 row"):
            got = getattr(trends, name)(lake)
        pd.testing.assert_frame_equal(got, getattr(trends, name)(once))


def test_one_id_in_two_indexes_is_two_imports_not_a_duplicate() -> None:
    both = stack(
        listing(0, [rec("1", "Pending")], host="idx-a.svc.pinecone.io"),
        listing(0, [rec("1", "Pending")], host="idx-b.svc.pinecone.io"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", pif.DuplicateImportWarning)
        assert trends.status_timeline(both)["total"].tolist() == [1, 1]
        assert int(trends.summary(both)["imports"].sum()) == len(trends.latest(both)) == 2


def test_a_listing_stored_twice_counts_once() -> None:
    once = listing(0, [rec("1", "Pending")])
    history = stack(once, once, listing(5, [rec("1", "InProgress", percentComplete=1.0)]))
    with pytest.warns(pif.DuplicateImportWarning, match="^1 row"):
        assert trends.latest(history).loc[0, "listings"] == 2
    with pytest.warns(pif.DuplicateImportWarning):
        assert trends.status_history(history)["listings"].tolist() == [1, 1]


# --- statuses over time --------------------------------------------------------------------


def test_status_timeline_counts_each_listing_of_each_index() -> None:
    history = stack(
        listing(0, [rec("1", "Pending"), rec("2", "Pending"), rec("3", "Failed", finished=0)]),
        listing(5, [rec("1", "InProgress"), rec("2", "Completed", finished=4)]),
        listing(5, [rec("9", "Cancelled", finished=2)], host="idx-b.svc.pinecone.io"),
    )
    out = trends.status_timeline(history)
    assert out[["index_host", "listed_at"]].values.tolist() == [
        ["idx-a.svc.pinecone.io", at(0)],
        ["idx-a.svc.pinecone.io", at(5)],
        ["idx-b.svc.pinecone.io", at(5)],
    ]
    assert out[list(schema.STATUSES)].values.tolist() == [
        [2, 0, 0, 1, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 0, 0, 1],
    ]
    assert out["total"].tolist() == [3, 2, 1]


def test_status_timeline_keeps_a_status_of_a_newer_api_version() -> None:
    with pytest.warns(pif.UnknownStatusWarning):
        one = listing(0, [rec("1", "Paused"), rec("2", "Pending")])
    out = trends.status_timeline(one)
    assert out.loc[0, "Paused"] == 1 and out.loc[0, "total"] == 2


def test_status_history_is_an_scd2_history_with_returns_to_a_status() -> None:
    seq = [(0, "Pending"), (10, "InProgress"), (20, "InProgress"), (30, "Pending"),
           (40, "Completed"), (50, "Completed")]  # fmt: skip
    history = stack(*(listing(m, [rec("1", s, percentComplete=1.0)]) for m, s in seq))
    out = trends.status_history(history)
    assert out["status"].tolist() == ["Pending", "InProgress", "Pending", "Completed"]
    assert out["from"].tolist() == [at(0), at(10), at(30), at(40)]
    assert out["to"].tolist()[:3] == [at(10), at(30), at(40)] and pd.isna(out["to"].iloc[3])
    assert out["last_seen"].tolist() == [at(0), at(20), at(30), at(50)]
    assert out["listings"].tolist() == [1, 2, 1, 2]
    assert out["current"].tolist() == [False, False, False, True]


def test_transitions_are_the_changes_between_consecutive_listings() -> None:
    history = stack(
        listing(0, [rec("1", "Pending"), rec("2", "InProgress")]),
        listing(10, [rec("1", "InProgress"), rec("2", "InProgress"), rec("3", "Pending")]),
        listing(20, [rec("1", "Failed", finished=15), rec("2", "Completed", finished=12)]),
    )
    out = trends.transitions(history)
    got = [
        (i, str(f), str(t), a, s)
        for i, f, t, a, s in out[
            ["id", "from_status", "to_status", "changed_after", "first_seen"]
        ].itertuples(index=False)
    ]
    assert got == [
        ("1", "Pending", "InProgress", at(0), at(10)),
        ("1", "InProgress", "Failed", at(10), at(20)),
        ("2", "InProgress", "Completed", at(10), at(20)),
    ]  # 3 appeared and disappeared: an appearance is not a change


def test_one_listing_has_no_transitions_and_one_interval_per_import() -> None:
    one = listing(0, [rec("1", "Pending"), rec("2", "Completed", finished=0)])
    assert len(trends.transitions(one)) == 0
    intervals = trends.status_history(one)
    assert len(intervals) == 2 and intervals["current"].all() and intervals["to"].isna().all()


@pytest.fixture(scope="module")
def emulator_history() -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Six simulated hours of an emulator, a listing every 10 minutes; and its last records."""
    with Emulator(imports=300, seed=11, now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc)) as emu:
        frames = [take_listing(emu)]
        for _ in range(36):
            emu.advance(600)
            frames.append(take_listing(emu))
        return stack(*frames), emu.records()


def test_on_the_emulator_the_timeline_matches_each_listing(
    emulator_history: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> None:
    history, _ = emulator_history
    out = trends.status_timeline(history).set_index("listed_at")
    assert len(out) == 37
    for when, one in history.groupby("listed_at"):
        counts = one["status"].value_counts()
        assert [out.loc[when, s] for s in schema.STATUSES] == [counts[s] for s in schema.STATUSES]


def test_on_the_emulator_throughput_counts_what_the_emulator_finished_each_hour(
    emulator_history: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> None:
    """The known answer is the emulator's own records: each finishedAt, by hour and status."""
    history, records = emulator_history
    finished = pd.DataFrame(
        [
            (pd.Timestamp(r["finishedAt"]).floor("h"), r["status"])
            for r in records
            if r.get("finishedAt")
        ],
        columns=["hour", "status"],
    )
    expected = finished.groupby("hour").size()
    out = trends.throughput(history, freq="1h").set_index("period")
    out = out[out["finished"] > 0]
    assert out["finished"].to_dict() == {k.to_pydatetime(): v for k, v in expected.items()}
    by_status = finished.groupby(["hour", "status"]).size()
    for (hour, status), count in by_status.items():
        assert out.loc[hour, status] == count


def test_on_the_emulator_every_failure_has_a_known_category(
    emulator_history: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> None:
    """Each error the emulator draws is one Pinecone documents: none is 'other' or NA."""
    history, records = emulator_history
    failed = trends.failed_imports(history)
    failed = failed[failed["status"] == "Failed"]
    assert len(failed) == sum(r["status"] == "Failed" for r in records) > 0
    assert failed["error_category"].notna().all()
    assert not (failed["error_category"] == "other").any()
    summary = trends.failures(history)
    assert summary["imports"].sum() >= len(failed)


def test_on_the_emulator_each_change_is_observed_around_when_it_happened(
    emulator_history: tuple[pd.DataFrame, list[dict[str, Any]]],
) -> None:
    history, last_records = emulator_history
    changes = trends.transitions(history)
    ended = changes[changes["to_status"].isin(["Completed", "Failed", "Cancelled"])]
    assert len(ended) >= 10
    finished = trends.latest(history).set_index("id")["finished_at"]
    for row in ended.itertuples(index=False):  # Pinecone's time lies between the listings
        assert row.changed_after < finished[row.id] <= row.first_seen
    current = trends.status_history(history)
    current = current[current["current"]].set_index("id")["status"]
    assert {r["id"]: r["status"] for r in last_records} == {
        i: s for i, s in current.items() if i in {r["id"] for r in last_records}
    }


# --- progress and estimates ----------------------------------------------------------------


def test_progress_takes_pending_as_zero_whatever_the_api_version() -> None:
    # 2025-04 sends no percentComplete for a Pending import, 2026-07 sends 0: mixing them
    # in a lake must not look like progress (issue 11).
    history = stack(
        listing(0, [rec("1", "Pending")], api_version="2025-04"),
        listing(
            5, [rec("1", "Pending", percentComplete=0.0, recordsImported=0)], api_version="2026-07"
        ),
        listing(10, [rec("1", "Pending")], api_version="2025-04"),
        listing(
            15,
            [rec("1", "InProgress", percentComplete=10.0, recordsImported=100)],
            api_version="2026-07",
        ),
    )
    out = trends.progress_history(history)
    assert out["percent_complete"].tolist() == [0.0, 0.0, 0.0, 10.0]
    assert out["records_imported"].tolist() == [0, 0, 0, 100]
    assert out["percent_complete"].notna().all()


def test_the_old_name_of_progress_history_says_the_new_one() -> None:
    with pytest.raises(AttributeError, match=r"trends\.progress_history"):
        trends.progress  # noqa: B018


def test_a_change_between_na_and_zero_is_not_progress_for_the_estimate() -> None:
    history = stack(
        listing(
            0, [rec("1", "Pending", percentComplete=0.0, recordsImported=0)], api_version="2026-07"
        ),
        listing(5, [rec("1", "Pending")], api_version="2025-04"),
        listing(
            10,
            [rec("1", "InProgress", percentComplete=0.0, recordsImported=0)],
            api_version="2026-07",
        ),
    )
    e = trends.estimate_completion(history).iloc[0]
    assert e["phase"] == "loading" and pd.isna(e["percent_per_hour"]) and pd.isna(e["eta"])
    assert e["reason"] == trends.REASONS["too_few"]


def test_estimate_extrapolates_the_recent_rate() -> None:
    history = stack(
        *(
            listing(m, [rec("1", "InProgress", percentComplete=p, recordsImported=p * 360)])
            for m, p in [(0, 1.0), (60, 5.0), (120, 15.0), (150, 20.0)]
        )
    )
    # The last hour (120 to 150 minutes, then back to 60 at most an hour before 150):
    e = trends.estimate_completion(history, window="1h").iloc[0]
    assert e["rate_since"] == at(120) and e["rate_listings"] == 2
    assert e["percent_per_hour"] == pytest.approx(10.0)  # 5 % in 30 minutes
    assert e["records_per_second"] == pytest.approx(5 * 360 / 1800)
    assert e["eta"] == at(150 + 8 * 60) and e["time_left"] == pd.Timedelta(hours=8)
    slow = trends.estimate_completion(history, window="3h").iloc[0]  # all four listings
    assert slow["rate_listings"] == 4 and slow["percent_per_hour"] == pytest.approx(19 / 2.5)


def test_an_import_at_100_percent_still_in_progress_is_indexing_not_finished() -> None:
    history = stack(
        listing(-10, [rec("1", "InProgress", percentComplete=70.0)]),
        listing(0, [rec("1", "InProgress", percentComplete=80.0)]),
        listing(10, [rec("1", "InProgress", percentComplete=100.0)]),
        listing(20, [rec("1", "InProgress", percentComplete=100.0)]),
        listing(35, [rec("1", "InProgress", percentComplete=100.0)]),
    )
    e = trends.estimate_completion(history).iloc[0]
    assert e["phase"] == "indexing" and e["status"] == "InProgress"
    assert e["indexing_since"] == at(10) and e["indexing_for"] == pd.Timedelta(minutes=25)
    assert pd.isna(e["eta"]) and pd.isna(e["time_left"]) and "indexing" in e["reason"]
    assert e["percent_per_hour"] == pytest.approx(60.0)  # its loading rate, 70 -> 80


def test_estimates_give_a_reason_where_they_cannot_say() -> None:
    history = stack(
        listing(0, [rec("p", "Pending"), rec("s", "InProgress", percentComplete=30.0)]),
        listing(
            10,
            [
                rec("p", "Pending"),
                rec("s", "InProgress", percentComplete=30.0),  # stalled
                rec("n", "InProgress", percentComplete=3.0),  # new: one listing
                rec("d", "Completed", finished=5),  # not running
            ],
        ),
    )
    out = trends.estimate_completion(history).set_index("id")
    assert sorted(out.index) == ["n", "p", "s"]
    assert out.loc["p", "reason"] == trends.REASONS["pending"]
    assert out.loc["s", "reason"] == trends.REASONS["stalled"]
    assert out.loc["n", "reason"] == trends.REASONS["too_few"]
    assert out["eta"].isna().all()


def test_only_imports_running_at_the_last_listing_of_their_index_are_estimated() -> None:
    history = stack(
        listing(0, [rec("1", "InProgress", percentComplete=1.0)]),
        listing(10, [rec("1", "InProgress", percentComplete=2.0)]),
        listing(20, [rec("2", "InProgress", percentComplete=2.0)]),  # 1 dropped out
        listing(10, [rec("1", "InProgress", percentComplete=2.0)], host="idx-b.svc.pinecone.io"),
    )
    out = trends.estimate_completion(history)
    assert sorted(zip(out["index_host"], out["id"], strict=True)) == [
        ("idx-a.svc.pinecone.io", "2"),
        ("idx-b.svc.pinecone.io", "1"),
    ]


def test_a_window_without_a_unit_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="window"):
        trends.estimate_completion(small_history(), window=90)


def test_the_estimate_matches_the_emulators_known_rate() -> None:
    with Emulator(imports=600, seed=5, now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc)) as emu:
        first = take_listing(emu)
        loading = first[(first["status"] == "InProgress") & (first["percent_complete"] < 90)]
        assert len(loading) >= 1, "the emulator should have imports loading at the start"
        frames = [first]
        for _ in range(4):
            emu.advance(30)
            frames.append(take_listing(emu))
        history = stack(*frames)
        estimates = trends.estimate_completion(history).set_index("id")
        last = frames[-1].set_index("id")
        checked = 0
        for import_id in loading["id"]:
            now = last.loc[import_id]
            if now["status"] != "InProgress" or now["percent_complete"] >= 100:
                assert import_id not in estimates.index or now["status"] == "InProgress"
                continue  # it failed, was cancelled or finished loading while watched
            plan = planned(emu, import_id)
            e = estimates.loc[import_id]
            assert e["phase"] == "loading" and e["rate_listings"] >= 2
            assert e["percent_per_hour"] == pytest.approx(plan["percent_per_hour"], rel=0.02)
            assert e["records_per_second"] == pytest.approx(plan["records_per_second"], rel=0.02)
            slack = pd.Timedelta(seconds=60) + 0.02 * (plan["loading_ends"] - emu.now())
            assert abs(e["eta"] - plan["loading_ends"]) <= slack
            checked += 1
        assert checked >= 1


def test_on_the_emulator_an_indexing_import_is_reported_as_indexing() -> None:
    with Emulator(imports=400, seed=5, now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc)) as emu:
        # The first running import that will complete, by the emulator's plan.
        for _ in range(48):
            now = take_listing(emu)
            running = now.loc[now["status"].isin(["Pending", "InProgress"]), "id"]
            completing = [i for i in running if emu.plan(i).outcome == "Completed"]
            if completing:
                break
            emu.advance(1800)
        assert completing, "no import ran to completion in a simulated day"
        target = completing[0]
        plan = planned(emu, target)
        # Listings from just before its loading ends, two minutes apart, into indexing.
        lead = (plan["loading_ends"] - pd.Timestamp(emu.now())).total_seconds() - 90
        emu.advance(max(lead, 0))
        frames = []
        for _ in range(5):
            frames.append(take_listing(emu))
            emu.advance(120)
        row = trends.estimate_completion(stack(*frames)).set_index("id").loc[target]
    last = frames[-1]["listed_at"].iloc[0]
    assert plan["loading_ends"] <= last < plan["indexing_ends"]  # truly indexing now
    assert row["phase"] == "indexing" and row["status"] == "InProgress"
    assert row["percent_complete"] == 100.0 and pd.isna(row["eta"])
    assert (
        plan["loading_ends"]
        <= row["indexing_since"]
        <= plan["loading_ends"] + pd.Timedelta(minutes=2)
    )
    assert row["indexing_for"] == last - row["indexing_since"]


# --- throughput ----------------------------------------------------------------------------


def test_throughput_per_day_counts_each_import_once() -> None:
    day = 24 * 60
    records = [
        rec("1", "Completed", created=0, finished=60, recordsImported=3600),
        rec("2", "Completed", created=0, finished=120, recordsImported=14400),
        rec("3", "Failed", created=0, finished=30, recordsImported=10, error="x"),
        rec("4", "Completed", created=2 * day, finished=2 * day + 30, recordsImported=1800),
        rec("5", "InProgress", created=2 * day, percentComplete=3.0),
    ]
    history = stack(listing(3 * day, records[:3]), listing(3 * day + 1, records))
    out = trends.throughput(history)
    assert out["period"].tolist() == [
        pd.Timestamp("2025-05-01", tz="UTC"),
        pd.Timestamp("2025-05-02", tz="UTC"),
        pd.Timestamp("2025-05-03", tz="UTC"),
    ]
    assert out["finished"].tolist() == [3, 0, 1]
    assert out["Completed"].tolist() == [2, 0, 1] and out["Failed"].tolist() == [1, 0, 0]
    assert out["records_imported"].tolist() == [3600 + 14400 + 10, 0, 1800]
    assert out.loc[0, "records_per_second_p50"] == pytest.approx(1.5)  # 1 and 2 records/s
    assert out.loc[0, "records_per_second_p90"] == pytest.approx(1.9)
    assert out.loc[0, "duration_max"] == pd.Timedelta(hours=2)
    assert out.loc[0, "duration_p50"] == pd.Timedelta(minutes=90)
    assert out.loc[0, "duration_p90"] == pd.Timedelta(minutes=114)
    assert pd.isna(out.loc[1, "duration_p50"]) and pd.isna(out.loc[1, "records_per_second_p50"])
    hourly = trends.throughput(history, freq="1h")
    assert hourly["finished"].sum() == 4


@pytest.mark.parametrize("freq", ["fortnight", "-1D", 0])
def test_throughput_refuses_a_bad_frequency(freq: Any) -> None:
    with pytest.raises(ConfigurationError, match="freq"):
        trends.throughput(small_history(), freq=freq)


# --- failures ------------------------------------------------------------------------------

NAMESPACE_EXISTS = (
    'User error: The namespace "{}" already exists. Imports are only allowed into '
    "nonexistent namespaces."
)


def test_the_retry_trap_is_flagged_only_after_an_earlier_failure_on_the_uri() -> None:
    trap_uri, other_uri = "s3://b/docs/", "s3://b/users/"
    records = [
        rec("1", "Failed", uri=trap_uri, created=0, finished=5, error="Exceeds system limit"),
        rec("2", "Failed", uri=trap_uri, created=10, finished=11,
            error=NAMESPACE_EXISTS.format("docs")),
        rec("3", "Completed", uri=other_uri, created=0, finished=5),
        rec("4", "Failed", uri=other_uri, created=10, finished=11,
            error=NAMESPACE_EXISTS.format("users")),  # an import that worked wrote it: not a trap
        rec("5", "Failed", uri="s3://b/new/", created=10, finished=11,
            error=NAMESPACE_EXISTS.format("new")),  # nothing before it
    ]  # fmt: skip
    elsewhere = listing(
        20,
        [rec("6", "Failed", uri=trap_uri, created=12, finished=13,
             error=NAMESPACE_EXISTS.format("docs"))],
        host="idx-b.svc.pinecone.io",
    )  # fmt: skip
    history = stack(listing(20, records), elsewhere)
    out = trends.failed_imports(history).set_index(["index_host", "id"])
    trapped = out[out["retry_trap"]]
    assert list(trapped.index) == [("idx-a.svc.pinecone.io", "2")]
    assert trapped["retry_of"].tolist() == ["1"]
    groups = trends.failures(history)
    namespace = groups[groups["error_category"] == "namespace_exists"]
    assert namespace["imports"].tolist() == [4] and namespace["retry_traps"].tolist() == [1]
    assert namespace["message"].tolist() == [NAMESPACE_EXISTS.format("…")]


def test_on_the_emulator_the_retry_trap_is_the_one_it_planned() -> None:
    with Emulator(imports=300, seed=11, now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc)) as emu:
        frames = [take_listing(emu)]
        for _ in range(28):  # a week, every six hours
            emu.advance(6 * 3600)
            frames.append(take_listing(emu))
        history = stack(*frames)
        truth = {i: emu.plan(i).retry_of for i in trends.latest(history)["id"]}
    flagged = trends.failed_imports(history)
    flagged = flagged[flagged["retry_trap"]]
    planned_retries = {i: r for i, r in truth.items() if r is not None}
    assert len(planned_retries) >= 3
    assert dict(zip(flagged["id"], flagged["retry_of"], strict=True)) == planned_retries


def test_failures_group_by_kind_with_uris_and_when() -> None:
    records = [
        rec(str(i), "Failed", uri=f"s3://b/{i % 2}/", created=i, finished=i + 1,
            error=f'No Parquet files found under "s3://b/{i}/"')
        for i in range(4)
    ] + [
        rec("9", "Failed", created=0, finished=30, error="Parquet footer could not be parsed"),
        rec("10", "Failed", created=0, finished=31,
            error='The expected data type for column "values" is "list<float>", but got "x"'),
    ]  # fmt: skip
    out = trends.failures(listing(60, records))
    assert out["imports"].tolist() == [4, 1, 1]
    first = out.iloc[0]
    assert first["error_category"] == "no_parquet_found" and first["problem"] == "failed"
    assert first["uris"] == ("s3://b/0/", "s3://b/1/")
    assert (first["first_finished_at"], first["last_finished_at"]) == (at(1), at(4))
    assert first["example"] == 'No Parquet files found under "s3://b/3/"'
    assert set(out["error_category"].iloc[1:]) == {"corrupt_parquet", "type_mismatch"}


def test_failures_are_grouped_by_message_with_names_and_numbers_masked() -> None:
    records = [
        rec(str(n), "Failed", created=0, finished=n, error=f"Found {n} rows with missing vectors")
        for n in (3, 17, 250)
    ] + [
        rec("7", "Failed", finished=5, error='Missing required column "values" in 3 files'),
        rec("8", "Failed", finished=6, error='Unexpected column "x" in 12 files'),
        rec("9", "Failed", finished=7, error='Unexpected column "y" in 4 files'),
    ]
    out = trends.failures(listing(300, records))
    assert out[["error_category", "message", "imports"]].values.tolist() == [
        ["other", "Found N rows with missing vectors", 3],
        ["schema", 'Unexpected column "…" in N files', 2],  # one category, two messages
        ["schema", 'Missing required column "…" in N files', 1],
    ]


def test_an_import_with_validation_errors_is_flagged_even_when_it_completed() -> None:
    records = [
        rec("1", "Completed", finished=10, recordsImported=90,
            validationResult={"importSuccesses": 90, "importErrors": 10}),
        rec("2", "Completed", finished=10, recordsImported=50,
            validationResult={"importSuccesses": 50, "importErrors": 0}),
        rec("3", "Failed", finished=10, error="Exceeds system limit",
            validationResult={"importSuccesses": 0, "importErrors": 7}),
    ]  # fmt: skip
    one = listing(20, records, api_version="2026-07")
    flagged = trends.failed_imports(one)
    assert flagged["id"].tolist() == ["1", "3"]
    groups = trends.failures(one).set_index("problem")
    assert groups.loc["validation_errors", "imports"] == 1
    assert groups.loc["validation_errors", "validation_errors"] == 10
    assert pd.isna(groups.loc["validation_errors", "error_category"])
    assert groups.loc["failed", "validation_errors"] == 7
    s = trends.summary(one).iloc[0]
    assert s["with_validation_errors"] == 2 and s["validation_errors"] == 17
    text = trends.summary_text(one)
    assert "17 records failed validation in 2 imports" in text


# --- summary -------------------------------------------------------------------------------


def test_summary_of_a_history_counts_each_import_once() -> None:
    history = stack(
        listing(0, [rec("1", "Pending"), rec("2", "InProgress", percentComplete=40.0)]),
        listing(
            30,
            [
                rec("1", "InProgress", percentComplete=20.0),
                rec("2", "Completed", finished=25, recordsImported=1500),
                rec("3", "Failed", finished=28, error="Exceeds system limit"),
            ],
        ),
    )
    s = trends.summary(history).iloc[0]
    assert (s["imports"], s["InProgress"], s["Completed"], s["Failed"]) == (3, 1, 1, 1)
    assert s["running"] == 1 and s["running_percent_p50"] == 20.0
    assert s["duration_p50"] == pd.Timedelta(minutes=25) and s["listed_at"] == at(30)
    assert s["records_imported"] == 1500 and pd.isna(s["validation_errors"])
    text = trends.summary_text(history)
    assert text.splitlines()[:2] == ["3 imports", "by status:  InProgress 1  Completed 1  Failed 1"]
    assert "running:  1 imports, median 20 % complete" in text
    assert "Exceeds system limit" in text


def test_summary_text_says_which_index_when_there_are_several() -> None:
    history = stack(
        listing(0, [rec("1", "Completed", finished=0)]),
        listing(0, [rec("1", "Failed", finished=0, error="x")], host="idx-b.svc.pinecone.io"),
    )
    text = trends.summary_text(history)
    assert "1 imports on idx-a.svc.pinecone.io" in text
    assert "1 imports on idx-b.svc.pinecone.io" in text
    with pytest.raises(ConfigurationError, match="max_failed"):
        trends.summary_text(history, max_failed=-1)


def test_summary_text_mentions_the_retry_trap() -> None:
    records = [
        rec("1", "Failed", uri="s3://b/d/", created=0, finished=5, error="Exceeds system limit"),
        rec("2", "Failed", uri="s3://b/d/", created=9, finished=10,
            error=NAMESPACE_EXISTS.format("d")),
    ]  # fmt: skip
    assert "retry trap:  1 imports failed" in trends.summary_text(listing(20, records))


def test_latest_has_one_row_per_import_on_a_large_random_history() -> None:
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 50, 2000).astype(str)
    minutes = rng.integers(0, 500, 2000)
    frames = [
        listing(int(m), [rec(str(i), "Pending")])
        for m, i in zip(minutes[:300], ids[:300], strict=True)
    ]
    history = stack(*frames)
    out = trends.latest(history)
    expected = history.groupby("id")["listed_at"].agg(["min", "max", "nunique"])
    got = out.set_index("id")
    assert set(got.index) == set(expected.index)
    assert (got["first_seen"] == expected["min"]).all()
    assert (got["last_seen"] == expected["max"]).all()
    assert (got["listings"] == expected["nunique"]).all()


def test_the_retry_trap_is_seen_across_listings_when_the_first_attempt_is_gone() -> None:
    # Only a history shows it: the first attempt failed, dropped out of the listing, and
    # the retry on the same URI failed later with "namespace already exists".
    first = rec("1", "Failed", uri="s3://b/d/", created=0, finished=5, error="Exceeds system limit")
    retry = rec("2", "Failed", uri="s3://b/d/", created=60, finished=61,
                error=NAMESPACE_EXISTS.format("d"))  # fmt: skip
    history = stack(listing(10, [first]), listing(70, [retry]))
    assert not trends.failed_imports(listing(70, [retry]))["retry_trap"].any()
    flagged = trends.failed_imports(history).set_index("id")
    assert flagged.loc["2", "retry_trap"] and flagged.loc["2", "retry_of"] == "1"


def test_summary_text_escapes_control_characters_of_server_text() -> None:
    evil = rec("7\x1b[2J", "Failed", uri="s3://b/\r/", finished=1, error="x\x1b]0;pwned\x07")
    text = trends.summary_text(listing(5, [evil]))
    assert "\x1b" not in text and "\r" not in text and "\x07" not in text
    assert "7\\x1b[2J" in text and "x\\x1b]0;pwned\\x07" in text
