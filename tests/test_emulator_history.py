"""The emulator's synthetic history: steady arrivals, realistic lifecycles, the known truth."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from pinecone_imports_frame.emulator import Emulator, IndexConfig, Project

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
#: The failure messages Pinecone documents (as regular expressions).
DOCUMENTED = {
    "namespace_exists": r'User error: The namespace "[^"]+" already exists\. Imports are only '
    r"allowed into nonexistent namespaces\.",
    "no_parquet": r'No Parquet files found under "[^"]+"',
    "missing_column": r'Missing required column "[^"]+"',
    "type_mismatch": r'The expected data type for column "[^"]+" is "[^"]+", but got "[^"]+"',
    "corrupt_parquet": r"Parquet footer could not be parsed.*",
    "system_limit": r"Exceeds system limit",
    "storage": r".*(storage|object storage).*",
}


def created(record: dict[str, Any]) -> datetime:
    return datetime.strptime(record["createdAt"], STAMP).replace(tzinfo=timezone.utc)


def running_every_other_hour_of_a_week(imports: int, seed: int) -> list[int]:
    emu = Emulator(imports=imports, seed=seed, now=NOW)
    running = []
    for _ in range(7 * 12):  # every other hour
        emu.advance(7200)
        running.append(sum(r["status"] in ("Pending", "InProgress") for r in emu.records()))
    return running


def test_imports_n_means_n_visible_over_the_past_weeks() -> None:
    for n in (1, 250, 2000):
        records = Emulator(imports=n, seed=2, now=NOW).records()
        assert len(records) == n
        assert [r["id"] for r in records] == [str(i) for i in range(1, n + 1)]
        assert all(created(r) <= NOW for r in records)
    oldest = created(Emulator(imports=2000, seed=2, now=NOW).records()[0])
    assert timedelta(days=21) < NOW - oldest < timedelta(days=35)
    assert Emulator(imports=0, seed=2, now=NOW).records() == []


def test_same_seed_and_steps_same_history_whatever_the_queries() -> None:
    a = Emulator(imports=300, seed=4, now=NOW)
    b = Emulator(imports=300, seed=4, now=NOW)
    seen_a = []
    for _ in range(10):  # a looks at every step, b only at the end
        a.advance(1800)
        seen_a.append(a.records())
        a.plan(a.records()[-1]["id"])
    b.advance(5 * 3600)
    assert b.records() == seen_a[-1]
    assert (
        Emulator(imports=300, seed=5, now=NOW).records()
        != Emulator(imports=300, seed=4, now=NOW).records()
    )
    # The history is relative to the start: another start shifts every time, nothing else.
    later = Emulator(imports=300, seed=4, now=NOW + timedelta(days=3, hours=5))
    later.advance(5 * 3600)
    shift = timedelta(days=3, hours=5)
    assert [created(r) - shift for r in later.records()] == [created(r) for r in seen_a[-1]]
    assert [r["status"] for r in later.records()] == [r["status"] for r in seen_a[-1]]


def test_describing_first_or_listing_first_gives_the_same_answers() -> None:
    with (
        Emulator(imports=200, seed=6, now=NOW) as one,
        Emulator(imports=200, seed=6, now=NOW) as two,
    ):
        headers = {"Api-Key": one.api_key}
        one.advance(7200)
        two.advance(7200)
        ids = [r["id"] for r in two.records()]
        described = [
            requests.get(f"{one.url}/bulk/imports/{i}", headers=headers).json() for i in ids
        ]
        listed = requests.get(two.url + "/bulk/imports", headers=headers, params={"limit": 100})
        assert listed.json()["data"] == described[:100]


def test_two_indexes_with_one_seed_have_their_own_histories() -> None:
    project = Project(
        indexes=[IndexConfig("a", imports=50, seed=1), IndexConfig("b", imports=50, seed=1)]
    )
    assert project["a"].records() != project["b"].records()


def test_arrivals_are_steady_with_a_daily_rhythm() -> None:
    emu = Emulator(imports=2000, seed=8, now=NOW)
    per_day_before = Counter(created(r).date() for r in emu.records())
    emu.advance(14 * 86400)
    records = emu.records()
    after = [created(r) for r in records if created(r) > NOW]
    per_day = Counter((t - NOW).days for t in after)
    mean = statistics.mean(per_day.values())
    assert sorted(per_day) == list(range(14))  # arrivals for as long as the clock runs
    assert all(0.6 * mean < n < 1.4 * mean for n in per_day.values()), per_day
    # The past runs at the same rate: full days before the start look like days after it.
    full_days_before = [
        n for d, n in per_day_before.items() if NOW.date() - timedelta(days=20) < d < NOW.date()
    ]
    assert 0.75 < statistics.mean(full_days_before) / mean < 1.25
    # No spike at the start: the last hour and the last day before it are ordinary.
    hourly = mean / 24
    last_hour = sum(NOW - timedelta(hours=1) < created(r) <= NOW for r in records)
    last_day = sum(NOW - timedelta(days=1) < created(r) <= NOW for r in records)
    assert last_hour <= 3 * hourly + 3
    assert 0.6 * mean < last_day < 1.4 * mean
    # A daily rhythm: the busiest hours of the day see well over twice the quietest.
    by_hour = Counter(int((t - NOW).total_seconds() // 3600) % 24 for t in after)
    ranked = sorted(by_hour.values())
    assert sum(ranked[-4:]) > 2 * sum(ranked[:4])


@pytest.mark.parametrize(("imports", "seed"), [(250, 0), (2000, 3)])
def test_a_few_run_at_once(imports: int, seed: int) -> None:
    running = running_every_other_hour_of_a_week(imports, seed)
    assert 1 <= statistics.mean(running) <= 6, statistics.mean(running)
    assert max(running) <= 15
    assert sum(n > 0 for n in running) > len(running) / 2  # usually something is running


def test_the_lifecycle_of_one_import_at_known_times() -> None:
    with Emulator(imports=500, seed=12, now=NOW) as emu:
        emu.advance(6 * 3600)
        headers = {"Api-Key": emu.api_key, "X-Pinecone-API-Version": "2026-07"}
        truths = [emu.plan(r["id"]) for r in emu.records() if created(r) > NOW]
        truth = next(
            t
            for t in truths
            if t.outcome == "Completed"
            and t.loading_ends_at - t.loading_starts_at > timedelta(minutes=10)
        )
        emu.reset()

        def at(moment: datetime) -> dict[str, Any]:
            emu.advance((moment - emu.now()).total_seconds())
            return requests.get(f"{emu.url}/bulk/imports/{truth.id}", headers=headers).json()

        assert at(truth.created_at - timedelta(seconds=1))["code"] == 5  # not created yet
        pending = at(truth.created_at)
        assert pending["status"] == "Pending" and pending["percentComplete"] == 0.0
        assert truth.loading_starts_at > truth.created_at
        half = truth.loading_starts_at + (truth.loading_ends_at - truth.loading_starts_at) / 2
        loading = at(half)
        hours = (half - truth.loading_starts_at).total_seconds() / 3600
        assert loading["status"] == "InProgress"
        assert loading["percentComplete"] == pytest.approx(
            truth.percent_per_hour * hours, abs=0.011
        )
        assert loading["recordsImported"] == pytest.approx(
            truth.records_per_second * hours * 3600, rel=1e-6, abs=1
        )
        assert truth.indexing_ends_at - truth.loading_ends_at >= timedelta(minutes=10)
        indexing = at(truth.loading_ends_at + timedelta(minutes=5))
        assert indexing["status"] == "InProgress" and indexing["percentComplete"] == 100.0
        assert indexing["recordsImported"] == truth.total_records and "finishedAt" not in indexing
        still = at(truth.indexing_ends_at - timedelta(microseconds=1))
        assert still["status"] == "InProgress"
        done = at(truth.indexing_ends_at)
        assert done["status"] == "Completed"
        assert done["finishedAt"] == truth.finished_at.strftime(STAMP)
        assert truth.finished_at == truth.indexing_ends_at


def test_failures_use_the_documented_messages_and_some_are_retried() -> None:
    emu = Emulator(imports=3000, seed=21, now=NOW)
    records = emu.records()
    failed = [r for r in records if r["status"] == "Failed"]
    kinds = Counter()
    for r in failed:
        kind = next(
            (k for k, pattern in DOCUMENTED.items() if re.fullmatch(pattern, r["error"])), None
        )
        assert kind is not None, r["error"]
        kinds[kind] += 1
    assert set(kinds) == set(DOCUMENTED)
    assert not [r for r in records if r["status"] != "Failed" and "error" in r]


#: A document index's failures (JSON Lines; Pinecone publishes no wording of its own).
JSONL = {
    "namespace_exists": DOCUMENTED["namespace_exists"],
    "no_jsonl": r'No JSONL files found under "[^"]+/"',
    "bad_line": r'Invalid JSON on line \d+ of "[^"]+\.jsonl": .+',
    "missing_field": r'Missing required field "_id" on line \d+ of "[^"]+\.jsonl"',
    "type_mismatch": r'The expected data type for field "[^"]+" is "[^"]+", but got "[^"]+" '
    r'on line \d+ of "[^"]+\.jsonl"',
    "system_limit": DOCUMENTED["system_limit"],
    "storage": DOCUMENTED["storage"],
}


def test_a_document_index_fails_with_json_lines_errors_never_parquet_ones() -> None:
    docs = IndexConfig("docs", imports=3000, seed=21, documents=True)
    with Project(indexes=[docs], now=NOW) as p:
        records = p["docs"].records()
    kinds = Counter()
    for r in (r for r in records if r["status"] == "Failed"):
        kind = next((k for k, pattern in JSONL.items() if re.fullmatch(pattern, r["error"])), None)
        assert kind is not None and "arquet" not in r["error"], r["error"]
        kinds[kind] += 1
    assert set(kinds) == set(JSONL)


def test_the_retry_trap() -> None:
    """A failure midway is retried on the same URI; the retry fails: its namespace exists."""
    emu = Emulator(imports=3000, seed=21, now=NOW)
    by_id = {r["id"]: r for r in emu.records()}
    retries = [emu.plan(i) for i in by_id if emu.plan(i).retry_of in by_id]
    assert len(retries) >= 5
    for truth in retries:
        retry, first = by_id[truth.id], by_id[str(truth.retry_of)]
        assert first["status"] == retry["status"] == "Failed"
        assert retry["uri"] == first["uri"]
        assert retry["createdAt"] > first["finishedAt"]  # retried after the failure
        assert re.fullmatch(DOCUMENTED["namespace_exists"], retry["error"])
        assert not re.fullmatch(DOCUMENTED["namespace_exists"], first["error"])
        assert first["recordsImported"] > 0  # the first attempt wrote part of the namespace
        namespace = re.search(r'namespace "([^"]+)"', retry["error"])
        assert namespace is not None and namespace.group(1).split("-")[0] in first["uri"]


def test_plan_is_the_truth_of_visible_imports_only() -> None:
    emu = Emulator(imports=10, seed=1, now=NOW)
    with pytest.raises(KeyError, match="999"):
        emu.plan("999")
    verbatim = Emulator(records=[{"id": "1", "status": "Completed"}], now=NOW)
    with pytest.raises(KeyError):
        verbatim.plan("1")
    truth = emu.plan("10")
    assert truth.created_at == created(emu.records()[-1])
    assert truth.loading_starts_at < truth.loading_ends_at <= truth.indexing_ends_at
