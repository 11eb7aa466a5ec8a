"""trends on runs: every function gives on a runs frame what it gives on its listings.

The runs come from ``tests/runs_reference.py``, a slow and obviously correct converter;
the listings from hand-made histories (an import vanishing for a listing, a status coming
back, the retry trap, validation errors, two API versions, two indexes) and from the
emulator over HTTP, in both dtype backends.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from runs_reference import RUNS_ONLY, ListingInstants, to_runs

import pinecone_imports_frame as pif
from pinecone_imports_frame import ConfigurationError, trends
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator

T0 = pd.Timestamp("2025-05-01T10:00:00Z")
HOST_A = "idx-a.svc.pinecone.io"
HOST_B = "idx-b.svc.pinecone.io"
NAMESPACE_EXISTS = (
    'User error: The namespace "docs" already exists. Imports are only allowed into '
    "nonexistent namespaces."
)

#: Every trend function, and how to call it.
CALLS: dict[str, Any] = {
    "latest": trends.latest,
    "status_timeline": trends.status_timeline,
    "status_history": trends.status_history,
    "transitions": trends.transitions,
    "progress_history": trends.progress_history,
    "estimate_completion": trends.estimate_completion,
    "throughput": trends.throughput,
    "throughput_7D": lambda df: trends.throughput(df, freq="7D"),
    "throughput_1h": lambda df: trends.throughput(df, freq="1h"),
    "failed_imports": trends.failed_imports,
    "failures": trends.failures,
    "summary": trends.summary,
    "summary_text": trends.summary_text,
}
BACKENDS = ["numpy_nullable", "pyarrow"]


def test_every_trend_function_is_covered() -> None:
    assert {name for name in CALLS if "_" not in name or name in trends.__all__} >= set(
        trends.COLUMNS_NEEDED
    )


def iso(minutes: float) -> str:
    return (T0 + pd.Timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def rec(import_id: str, status: str, **fields: Any) -> dict[str, Any]:
    out = {
        "id": import_id,
        "uri": fields.pop("uri", f"s3://bucket/{import_id}/"),
        "status": status,
        "createdAt": iso(fields.pop("created", 0)),
    }
    if "finished" in fields:
        out["finishedAt"] = iso(fields.pop("finished"))
    out.update(fields)
    return out


def hand_history(backend: str) -> pd.DataFrame:
    """Ten listings of two indexes, every 30 minutes, with what trends must keep apart."""
    frames = []
    for k in range(10):
        m = 30 * k
        a: list[dict[str, Any]] = []
        # 1: Pending, loads in steps (a step repeated: no change), completes, stays listed.
        if k == 0:
            a.append(rec("1", "Pending"))
        elif k < 5:
            p = [0, 10.0, 40.0, 40.0, 70.0][k]
            a.append(rec("1", "InProgress", percentComplete=p, recordsImported=int(p * 100)))
        else:
            a.append(
                rec("1", "Completed", finished=140, percentComplete=100.0, recordsImported=10_000)
            )
        # 2: InProgress, vanishes for listing 3 and comes back the same: two runs.
        if k != 3:
            a.append(rec("2", "InProgress", percentComplete=20.0, recordsImported=50))
        # 3 fails; 4 retries into the namespace 3 wrote: the retry trap.
        if k >= 2:
            a.append(
                rec(
                    "3",
                    "Failed",
                    uri="s3://bucket/docs/",
                    finished=50,
                    error="Exceeds system limit 100",
                )
            )
        if k >= 4:
            a.append(
                rec(
                    "4",
                    "Failed",
                    uri="s3://bucket/docs/",
                    created=100,
                    finished=101,
                    error=NAMESPACE_EXISTS,
                )
            )
        # 5: at 100 % and still InProgress (indexing) for the last three listings.
        if k >= 7:
            a.append(
                rec("5", "InProgress", created=200, percentComplete=100.0, recordsImported=900)
            )
        elif k >= 5:
            a.append(
                rec(
                    "5",
                    "InProgress",
                    created=200,
                    percentComplete=10.0 * k,
                    recordsImported=100 * k,
                )
            )
        # 6: first seen in the last listing.
        if k == 9:
            a.append(rec("6", "Pending", created=265))
        api = "2025-04" if k < 6 else "2026-07"
        if api == "2026-07":  # 7: completed with records that failed validation
            a.append(
                rec(
                    "7",
                    "Completed",
                    created=170,
                    finished=175,
                    recordsImported=80,
                    percentComplete=100.0,
                    validationResult={"importSuccesses": 80, "importErrors": 20},
                )
            )
        frames.append(
            pif.to_frame(
                a,
                listed_at=T0 + pd.Timedelta(minutes=m),
                index_host=HOST_A,
                index_name="a",
                api_version=api,
                dtype_backend=backend,
            )
        )
        if k % 2 == 0:  # index B, listed every hour, a moment later
            b = [
                rec("1", "InProgress", created=-60, percentComplete=5.0 * k, recordsImported=10 * k)
            ]
            if k >= 6:
                b.append(rec("9", "Cancelled", created=100, finished=170))
            frames.append(
                pif.to_frame(
                    b,
                    listed_at=T0 + pd.Timedelta(minutes=m, seconds=2),
                    index_host=HOST_B,
                    index_name="b",
                    api_version="2025-04",
                    dtype_backend=backend,
                )
            )
    return pd.concat(frames, ignore_index=True)


def assert_same(name: str, listings: pd.DataFrame, runs: pd.DataFrame) -> None:
    on_listings = CALLS[name](listings)
    on_runs = CALLS[name](runs)
    if isinstance(on_listings, str):
        assert on_runs == on_listings
    else:
        pd.testing.assert_frame_equal(on_runs, on_listings)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(CALLS))
def test_every_function_answers_the_same_on_runs_and_on_listings(name: str, backend: str) -> None:
    listings = hand_history(backend)
    runs = to_runs(listings)
    assert len(runs) < len(listings)  # runs, not listings again
    assert_same(name, listings, runs)


def test_the_hand_history_has_what_the_comparison_needs() -> None:
    listings = hand_history("numpy_nullable")
    runs = to_runs(listings)
    two = runs[(runs["index_host"] == HOST_A) & (runs["id"] == "2")]
    # vanished for listing 3 and came back: a new run; then the API version changed
    assert two["listings"].tolist() == [3, 2, 4]
    assert trends.failed_imports(runs)["retry_trap"].sum() == 1
    assert set(trends.estimate_completion(runs)["phase"]) == {"pending", "loading", "indexing"}
    assert set(runs["api_version"]) == {"2025-04", "2026-07"}


@pytest.fixture(scope="module")
def emulator_listings() -> pd.DataFrame:
    """Three simulated hours of an emulator over HTTP, a listing every 10 minutes."""
    with Emulator(imports=120, seed=5, now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc)) as emu:
        frames = []
        for _ in range(18):
            records = [
                r
                for page in pif.iter_pages(emu.url, api_key=emu.api_key, progress=False)
                for r in page
            ]
            frames.append(pif.to_frame(records, listed_at=emu.now(), index_host=emu.address))
            emu.advance(600)
        return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("name", list(CALLS))
def test_on_the_emulator_every_function_answers_the_same_on_runs(
    name: str, emulator_listings: pd.DataFrame
) -> None:
    runs = to_runs(emulator_listings)
    assert len(runs) < len(emulator_listings) / 3
    assert_same(name, emulator_listings, runs)


def test_the_timeline_counts_a_listing_without_imports_when_the_runs_know_it() -> None:
    listings = hand_history("numpy_nullable")
    empty_at = T0 + pd.Timedelta(hours=10)
    runs = to_runs(listings, instants={HOST_B: [empty_at]})
    timeline = trends.status_timeline(runs)
    row = timeline[(timeline["index_host"] == HOST_B) & (timeline["listed_at"] == empty_at)]
    assert row["total"].tolist() == [0]
    # every other listing as the listings count it
    pd.testing.assert_frame_equal(
        timeline.drop(row.index).reset_index(drop=True), trends.status_timeline(listings)
    )


def test_the_timeline_counts_at_each_listing_without_rebuilding_the_listings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    listings = hand_history("numpy_nullable")
    runs = to_runs(listings)
    from pinecone_imports_frame.trends import _on_runs

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("status_timeline rebuilt the listings")

    monkeypatch.setattr(_on_runs, "expand", refuse)
    monkeypatch.setattr(_on_runs, "listing_rows", refuse)
    for name in ("status_timeline", "status_history", "transitions"):
        assert_same(name, listings, runs)


def test_without_the_instants_the_timeline_has_the_runs_first_and_last_listings() -> None:
    listings = hand_history("numpy_nullable")
    runs = to_runs(listings)
    runs.attrs = {}
    timeline = trends.status_timeline(runs)
    full = trends.status_timeline(listings)
    known = set(runs["first_listed_at"]) | set(runs["last_listed_at"])
    assert set(timeline["listed_at"]) == known
    merged = timeline.merge(full, on=["index_host", "listed_at"], suffixes=("", "_l"))
    assert len(merged) == len(timeline)
    assert (merged["total"] == merged["total_l"]).all()


def test_duplicate_ids_in_a_listing_still_warn_on_listings() -> None:
    listings = hand_history("numpy_nullable")
    twice = pd.concat([listings, listings.iloc[[0]]], ignore_index=True)
    for name in ("status_timeline", "latest", "summary"):
        with pytest.warns(pif.DuplicateImportWarning):
            CALLS[name](twice)
    runs = to_runs(listings)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in CALLS:
            CALLS[name](runs)


@pytest.mark.parametrize("name", list(trends.COLUMNS_NEEDED))
def test_an_empty_runs_frame_gives_the_empty_answer(name: str) -> None:
    listings = hand_history("numpy_nullable").iloc[:0]
    runs = to_runs(listings)
    assert list(runs.columns[-3:]) == ["first_listed_at", "last_listed_at", "listings"]
    assert_same(name, listings, runs)


def test_a_runs_frame_without_its_times_is_refused_with_what_to_read() -> None:
    runs = to_runs(hand_history("numpy_nullable")).drop(columns="last_listed_at")
    with pytest.raises(ConfigurationError, match="last_listed_at"):
        trends.summary(runs)


def test_the_instants_stand_in_travels_with_copies() -> None:
    runs = to_runs(hand_history("numpy_nullable"))
    instants = runs.attrs["listings"]
    assert isinstance(instants, ListingInstants)
    assert runs.copy().attrs["listings"] is instants
    assert runs[runs["id"] == "1"].attrs["listings"] is instants
    assert list(instants.hosts) == [HOST_A, HOST_B]
    assert np.array_equal(
        instants.by_host()[HOST_B],
        pd.DatetimeIndex(
            sorted(set(hand_history("numpy_nullable").query("index_host == @HOST_B")["listed_at"]))
        ),
    )


def test_the_report_is_the_same_page_from_runs_and_from_listings() -> None:
    pytest.importorskip("matplotlib")
    from pinecone_imports_frame.report import report

    listings = hand_history("numpy_nullable")
    runs = to_runs(listings)
    with warnings.catch_warnings():  # (pandas 2.2 warned on a quantile of no duration)
        warnings.simplefilter("error")
        assert report(runs) == report(listings)


def test_the_report_rebuilds_the_listings_of_the_running_imports_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("matplotlib")
    from pinecone_imports_frame.report import report
    from pinecone_imports_frame.trends import _on_runs

    listings = hand_history("numpy_nullable")
    runs = to_runs(listings)
    running = set(trends.estimate_completion(runs)["id"])
    rebuilt: list[pd.DataFrame] = []
    real = _on_runs.expand

    def spy(frame: pd.DataFrame, rows: np.ndarray, columns: tuple[str, ...]) -> pd.DataFrame:
        out = real(frame, rows, columns)
        rebuilt.append(out)
        return out

    monkeypatch.setattr(_on_runs, "expand", spy)
    report(runs)
    assert rebuilt and all(set(part["id"]) <= running for part in rebuilt)


def test_the_cli_trends_and_report_say_the_same_from_runs(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI reads the lake as runs (report._lake.read_lake); it says what listings say."""
    pytest.importorskip("matplotlib")
    from pinecone_imports_frame.cli import main
    from pinecone_imports_frame.report import _lake

    listings = hand_history("numpy_nullable")
    for _, one in listings.groupby(["index_host", "listed_at"], sort=True):
        pif.write_snapshot(one.reset_index(drop=True), tmp_path / "lake")
    lake = str(tmp_path / "lake")
    outputs = []
    read_runs = _lake.read_lake
    assert read_runs(lake).columns[-3:].tolist() == list(RUNS_ONLY)

    def read_listings(root: Any, **options: Any) -> pd.DataFrame:
        return pif.read_snapshots(root, **options)

    for as_runs in (False, True):
        monkeypatch.setattr(_lake, "read_lake", read_runs if as_runs else read_listings)
        assert main(["trends", lake]) == 0
        page = tmp_path / f"report-{as_runs}.html"
        assert main(["report", lake, "--output", str(page)]) == 0
        outputs.append((capsys.readouterr().out.replace(str(page), "PAGE"), page.read_text()))
    assert outputs[1] == outputs[0]
    assert "(15 listings" in outputs[0][0]  # 10 of one index, 5 of the other


@pytest.mark.parametrize("name", ["status_timeline", "summary", "estimate_completion"])
def test_runs_of_one_index_answer_as_that_indexs_listings(name: str) -> None:
    listings = hand_history("numpy_nullable")
    runs = to_runs(listings)  # attrs still know both indexes' listings
    one = runs[runs["index_host"] == HOST_B]
    assert one.attrs["listings"].hosts == (HOST_A, HOST_B)
    assert_same(name, listings[listings["index_host"] == HOST_B].reset_index(drop=True), one)


def random_history(seed: int, backend: str) -> pd.DataFrame:
    """Random listings of two indexes: imports appear, vanish, come back, change at random."""
    rng = np.random.default_rng(seed)
    statuses = ["Pending", "InProgress", "Completed", "Failed", "Cancelled"]
    frames = []
    for host in (HOST_A, HOST_B):
        state: dict[str, dict[str, Any]] = {}
        minutes = 0.0
        for _ in range(int(rng.integers(1, 12))):
            minutes += float(rng.choice([5, 10, 30]))
            for n in range(int(rng.integers(0, 3))):  # new imports
                i = f"{len(state) + n}"
                state[i] = rec(i, "Pending", created=minutes - 1)
            for record in state.values():  # some change
                if rng.random() < 0.3:
                    status = str(rng.choice(statuses))
                    record["status"] = status
                    record["percentComplete"] = float(rng.integers(0, 101))
                    if status in ("Completed", "Failed", "Cancelled"):
                        record["finishedAt"] = iso(minutes - 0.5)
                    if status == "Failed":
                        record["error"] = str(
                            rng.choice(["Exceeds system limit", NAMESPACE_EXISTS])
                        )
            shown = [dict(r) for r in state.values() if rng.random() < 0.85]  # some vanish
            api = str(rng.choice(["2025-04", "2026-07"]))
            frames.append(
                pif.to_frame(
                    shown,
                    listed_at=T0 + pd.Timedelta(minutes=minutes),
                    index_host=host,
                    api_version=api,
                    dtype_backend=backend,
                )
            )
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("seed", range(8))
def test_random_histories_answer_the_same_on_runs(seed: int) -> None:
    backend = BACKENDS[seed % 2]
    listings = random_history(seed, backend)
    runs = to_runs(listings)
    for name in CALLS:
        assert_same(name, listings, runs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_package_makes_the_runs_the_reference_makes(backend: str) -> None:
    """``pif.to_runs`` (vectorised) against the slow reference, on the hand history."""
    listings = hand_history(backend)
    ours, reference = pif.to_runs(listings), to_runs(listings)
    pd.testing.assert_frame_equal(ours, reference, check_dtype=False)
    assert ours.attrs["listings"].by_host().keys() == reference.attrs["listings"].by_host().keys()


@pytest.fixture(scope="module")
def lake_of_the_hand_history(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The hand history written a listing at a time, half of it compacted into runs."""
    root = str(tmp_path_factory.mktemp("lake"))
    listings = hand_history("numpy_nullable")
    for _, listing in listings.groupby(["index_host", "listed_at"], sort=True):
        pif.write_snapshot(listing.reset_index(drop=True), root)
    pif.compact_snapshots(root, older_than="1d")  # the day of 2025-05-01 is closed
    stored = sorted(p.name for p in Path(root).rglob("*.parquet"))
    assert len(stored) == 2 and all(n.endswith(".runs.parquet") for n in stored), stored
    return root


@pytest.mark.parametrize("name", list(CALLS))
def test_every_function_answers_the_same_on_a_lake_read_as_runs(
    name: str, lake_of_the_hand_history: str
) -> None:
    """What the report and the CLI do (``read_history``) against today's path
    (``read_snapshots``), on a lake whose day was compacted into runs."""
    history = pif.read_history(lake_of_the_hand_history)
    listings = pif.read_snapshots(lake_of_the_hand_history)
    assert len(history) < len(listings) and list(pd.unique(listings["listed_at"]))
    assert_same(name, listings, history)


@pytest.mark.parametrize("command", ["trends", "report"])
def test_the_cli_reads_a_lake_as_runs(
    command: str,
    lake_of_the_hand_history: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``trends`` and ``report`` never expand a lake into listings: a year would not fit."""
    import pinecone_imports_frame.snapshots as snapshots

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the CLI read every listing again")

    monkeypatch.setattr(snapshots, "read_snapshots", refuse)
    argv = [command, lake_of_the_hand_history]
    if command == "report":
        argv += ["-o", str(tmp_path / "report.html")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    if command == "report":
        assert (tmp_path / "report.html").stat().st_size > 10_000
    else:  # the retry trap, found from the runs
        assert "retry" in out.lower(), out
