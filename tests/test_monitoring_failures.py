"""``pinecone_imports_failures_total``: each failed import counted once, when it appears.

The listings change between refreshes as Pinecone's do: emulators serving other records
one after another on the same port (the same index to the exporter), each clock a few
minutes on (no test sleeps). The counter is what ``PineconeImportFailed`` alerts on, so
that a second failure of a kind within the window notifies again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator
from pinecone_imports_frame.monitoring import ImportsExporter

pytest.importorskip("prometheus_client")

NOW = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
KEY = "pcsk_failures-Secret-5e1d"
TOTAL = "pinecone_imports_failures_total"


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def failed(import_id: str, minutes_ago: float, *, now: datetime, error: str) -> dict[str, Any]:
    end = now - timedelta(minutes=minutes_ago)
    created = ts(end - timedelta(hours=1))
    return {"id": import_id, "uri": f"s3://b/{import_id}/", "status": "Failed",
            "createdAt": created, "finishedAt": ts(end), "error": error}  # fmt: skip


LIMIT = "Exceeds system limit"
NO_PARQUET = 'No Parquet files found under "s3://b/x/"'


class Listings:
    """The index's listing as it changes: each :meth:`show` serves new records, on one port."""

    def __init__(self) -> None:
        self.port = 0
        self.minutes = 0
        self.emu: Emulator | None = None

    def show(self, *ids: tuple[str, float, str]) -> Emulator:
        """Serve these failures (id, minutes ago, error), 5 minutes after the last listing."""
        self.close()
        now = NOW + timedelta(minutes=self.minutes)
        self.minutes += 5
        records = [failed(i, ago, now=now, error=e) for i, ago, e in ids]
        created = ts(now - timedelta(hours=1))
        records.append({"id": "ok", "uri": "s3://b/ok/", "status": "InProgress",
                        "createdAt": created, "percentComplete": 10.0})  # fmt: skip
        emu = Emulator(records=records, now=now, api_key=KEY, index_name="docs", port=self.port)
        self.emu = emu.start()
        self.port = self.emu.port
        return self.emu

    def close(self) -> None:
        if self.emu is not None:
            self.emu.stop()
            self.emu.check()
            self.emu = None

    def url(self) -> str:
        assert self.emu is not None
        return self.emu.url


@contextmanager
def listings() -> Iterator[Listings]:
    changing = Listings()
    try:
        yield changing
    finally:
        changing.close()


def counted(text: str) -> dict[str, float]:
    """The counter's samples by error category (every category is a series, 0 where none)."""
    return {
        s.labels["error_category"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == TOTAL
    }


def test_each_failed_import_is_counted_once_when_it_appears() -> None:
    with listings() as index:
        index.show(("old", 120, LIMIT))
        conn = pif.Connection.resolve(index.url(), api_key=KEY, index_name="docs", max_retries=0)
        exporter = ImportsExporter(connection=conn)
        assert exporter.refresh()
        first = counted(exporter.text())
        # Failed before the exporter's first listing: not counted (a restart would page).
        assert first["system_limit"] == 0 and set(first.values()) == {0}
        assert "# TYPE pinecone_imports_failures_total counter" in exporter.text()
        # In OpenMetrics (what Prometheus asks for first) a counter's family drops _total:
        # it must not take the name of the gauge pinecone_imports_failed.
        from prometheus_client.openmetrics.exposition import generate_latest

        text = generate_latest(exporter.registry).decode()
        families = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")]
        assert len(families) == len(set(families)), families

        index.show(("old", 125, LIMIT), ("second", 1, LIMIT))  # the same kind, again
        assert exporter.refresh()
        assert counted(exporter.text())["system_limit"] == 1
        assert exporter.refresh()  # listed again: not counted again
        assert counted(exporter.text())["system_limit"] == 1

        # "old" leaves the listing: the counter never goes down; a new kind counts apart.
        index.show(("second", 6, LIMIT), ("third", 2, NO_PARQUET), ("fourth", 1, LIMIT))
        assert exporter.refresh()
        now = counted(exporter.text())
        assert (now["system_limit"], now["no_parquet_found"]) == (2, 1)
        index.show(("second", 11, LIMIT))  # the ids gone are forgotten, the count kept
        assert exporter.refresh()
        assert counted(exporter.text())["system_limit"] == 2
        assert len(exporter._indexes[""].failed_seen or ()) == 1


def test_textfile_runs_keep_the_counter_and_the_ids_seen(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "pinecone_imports.prom"
    state = tmp_path / "pinecone_imports.prom.state.json"

    def run() -> dict[str, float]:
        argv = ["metrics", "--host", index.url(), "--api-key", KEY, "--max-retries", "0"]
        assert main([*argv, "--textfile", str(path)]) == 0
        return counted(path.read_text())

    with listings() as index:
        index.show(("old", 120, LIMIT))
        assert run()["system_limit"] == 0
        index.show(("old", 125, LIMIT), ("second", 1, LIMIT))
        assert run()["system_limit"] == 1  # each cron run a fresh process: it remembers
        assert run()["system_limit"] == 1  # listed again: counted once
        index.show(("second", 6, LIMIT))  # "old" gone: the count kept
        assert run()["system_limit"] == 1
        data = json.loads(state.read_text())
        assert data["version"] == 2
        assert data["indexes"][0]["failed_seen"] == ["second"]

        # A state file of version 1 (no counter) is read; its first listing counts nothing.
        for entry in data["indexes"]:
            del entry["failed_seen"], entry["view"]["failed_total"]
        state.write_text(json.dumps({**data, "version": 1}))
        index.show(("second", 11, LIMIT), ("third", 1, LIMIT))
        assert run()["system_limit"] == 0
        assert "state file" not in capsys.readouterr().err  # no warning: read, not refused
        index.show(("second", 16, LIMIT), ("third", 6, LIMIT), ("fourth", 1, LIMIT))
        assert run()["system_limit"] == 1
