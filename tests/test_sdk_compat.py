"""The official Pinecone SDK talks to the emulator as it would to Pinecone.

Notes on SDK 10.2's protocol handling, which these tests pin down:

* ``pc.Index(host="http://127.0.0.1:PORT")`` keeps an explicit ``http://`` scheme (a
  bare host gets ``https://``) and warns only for non-loopback, non-private hosts.
* It sends ``X-Pinecone-Api-Version: 2026-07``, not 2025-04 (so a Pending import comes
  with ``percentComplete`` 0.0 and ``recordsImported`` 0); ``additional_headers`` can
  pin 2025-04, and it still drains (its models then have None for a Pending import).
* Its ``ImportModel`` has no ``validationResult``: the SDK drops what 2026-07 adds.
* ``list_imports`` stops only when ``pagination`` or ``pagination.next`` is None: an
  empty-string ``next`` is sent back as a token (see the test below).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import requests

from pinecone_imports_frame.emulator import Emulator

pinecone = pytest.importorskip("pinecone")

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
KEY = "sdk-key"


@pytest.fixture
def emu(start_emulator: Callable[..., Emulator]) -> Emulator:
    return start_emulator(imports=60, seed=4, api_key=KEY, now=NOW)


def sdk_index(emu: Emulator, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # loopback http must not warn
        pc = pinecone.Pinecone(api_key=KEY, **kwargs)
        return pc.Index(host=emu.url)


@pytest.fixture
def idx(emu: Emulator) -> Iterator[Any]:
    index = sdk_index(emu)
    yield index
    index.close()


@pytest.mark.parametrize("version", ["2026-07", "2025-04"])
def test_sdk_drains_every_import(emu: Emulator, version: str) -> None:
    headers = {} if version == "2026-07" else {"X-Pinecone-API-Version": version}
    index = sdk_index(emu, additional_headers=headers)
    emu.advance(4 * 3600)  # some loading, some indexing, some finished
    started = requests.post(
        emu.url + "/bulk/imports", json={"uri": "s3://b/new/"}, headers={"Api-Key": KEY}
    )
    assert started.status_code == 200  # and one Pending
    try:
        got = list(index.list_imports(limit=7))
    finally:
        index.close()
    assert {q.api_version for q in emu.requests[1:]} == {version}
    expected = emu.records(api_version=version)
    assert len(got) == len(expected) > 60
    assert [g.id for g in got] == [r["id"] for r in expected]
    assert [g.status for g in got] == [r["status"] for r in expected]
    assert [g.records_imported for g in got] == [r.get("recordsImported") for r in expected]
    assert [g.percent_complete for g in got] == [r.get("percentComplete") for r in expected]
    assert [g.created_at for g in got] == [r["createdAt"] for r in expected]
    listing = emu.requests[1:]
    assert len(listing) == -(-len(expected) // 7)
    assert [q.query.get("limit") for q in listing] == ["7"] * len(listing)
    pending = [g for g in got if g.status == "Pending"]
    assert pending, "the history should hold a Pending import to compare"
    if version == "2026-07":
        assert all(g.records_imported == 0 and g.percent_complete == 0.0 for g in pending)
    else:
        assert all(g.records_imported is None and g.percent_complete is None for g in pending)


def test_sdk_default_page_size(emu: Emulator, idx: Any) -> None:
    assert len(list(idx.list_imports())) == 60
    assert len(emu.requests) == 1


def test_sdk_headers_logged_without_key(emu: Emulator, idx: Any) -> None:
    list(idx.list_imports(limit=50))
    req = emu.requests[0]
    assert req.headers["Api-Key"] == "***"
    assert KEY not in repr(req)
    assert req.api_version  # SDK 10.2 sends its own version (2026-07)
    assert req.user_agent and req.user_agent.startswith("python-client")


def test_sdk_describe_import(emu: Emulator, idx: Any) -> None:
    for record in emu.records()[::9]:
        model = idx.describe_import(record["id"])
        assert model.id == record["id"]
        assert model.status == record["status"]
        assert model.uri == record["uri"]
        assert model.percent_complete == record["percentComplete"]
        assert model.finished_at == record.get("finishedAt")
        assert model.error == record.get("error")


def test_sdk_describe_missing_import(idx: Any) -> None:
    with pytest.raises(pinecone.errors.exceptions.NotFoundError):
        idx.describe_import("99999")


def test_sdk_start_and_cancel(emu: Emulator, idx: Any) -> None:
    started = idx.start_import(uri="s3://bucket/dir/")
    assert idx.describe_import(started.id).status == "Pending"
    emu.advance(120)
    assert idx.describe_import(started.id).status == "InProgress"
    idx.cancel_import(started.id)
    assert idx.describe_import(started.id).status == "Cancelled"


@pytest.mark.parametrize("form", ["absent", "empty", "null"])
def test_sdk_stops_on_each_end_form(emu: Emulator, idx: Any, form: str) -> None:
    emu.pagination_end = form
    assert len(list(idx.list_imports(limit=25))) == 60


def test_sdk_sends_empty_next_back(emu: Emulator, idx: Any) -> None:
    """SDK 10.2 treats ``{"next": ""}`` as a token; the emulator reads "" as "from the start"."""
    emu.pagination_end = "empty_string"
    got = list(itertools.islice(idx.list_imports(limit=25), 150))
    assert len(got) == 150  # it never stops on its own
    assert "paginationToken" not in emu.requests[0].query
    assert emu.requests[3].query == {"limit": "25", "paginationToken": ""}


def test_sdk_retries_injected_503_and_drop(emu: Emulator, idx: Any) -> None:
    emu.inject("status", status=503, retry_after=0, times=2, after=1)
    assert len(list(idx.list_imports(limit=7))) == 60
    emu.inject("drop", after=2)
    assert len(list(idx.list_imports(limit=7))) == 60
    statuses = [q.status for q in emu.requests]
    assert statuses.count(503) == 2 and statuses.count(None) == 1


def test_sdk_does_not_detect_a_repeated_token(emu: Emulator, idx: Any) -> None:
    emu.inject("self_token", after=1)
    got = [g.id for g in idx.list_imports(limit=7)]
    assert len(got) == 67  # page 2 served twice: the SDK yields duplicates
    assert len(set(got)) == 60


def test_to_frame_of_the_sdks_import_models_equals_read_imports(emu: Emulator, idx: Any) -> None:
    import pandas as pd

    from pinecone_imports_frame import read_imports, to_frame

    ours = read_imports(emu.url, api_key=KEY, progress=False, api_version="2026-07")
    models = list(idx.list_imports(limit=25))
    assert type(models[0]).__name__ == "ImportModel"
    theirs = to_frame(
        models,
        listed_at=ours["listed_at"].iloc[0],
        index_host=emu.address,
        api_version=ours["api_version"].iloc[0],
    )
    # What the SDK cannot carry: validationResult (it drops it).
    sdk_blind = [c for c in ours.columns if c.startswith("validation_")]
    assert ours["validation_successes"].notna().any()  # there was something to drop
    pd.testing.assert_frame_equal(theirs.drop(columns=sdk_blind), ours.drop(columns=sdk_blind))


def test_sdk_lists_and_describes_every_index_of_a_project() -> None:
    """SDK 10.2 reads 2026-07's IndexModel: deployment, schema, private_host; no spec.

    ``Pinecone(host=...)`` keeps an explicit ``http://`` controller URL and sends
    ``X-Pinecone-Api-Version: 2026-07`` to the control plane too. Its ``list()`` skips,
    with a logged warning, an index it cannot decode: the count is checked, not assumed.
    """
    import msgspec

    from pinecone_imports_frame.emulator import IndexConfig, Project

    indexes = [
        IndexConfig("prod-search", imports=5, private_host=True),
        IndexConfig("legacy-pods", imports=0, pod=True),
        IndexConfig("byoc-search", imports=5, deployment="byoc", private_host=True),
        IndexConfig("byoc-archive", imports=0, deployment="byoc", imports_supported=False),
        IndexConfig("warming-up", imports=0, ready=False),
        IndexConfig("docs-kb", imports=5, documents=True),
    ]
    with Project(indexes=indexes, api_key=KEY, now=NOW) as project:
        raw = requests.get(
            project.control.url + "/indexes",
            headers={"Api-Key": KEY, "X-Pinecone-API-Version": "2026-07"},
            timeout=10,
        ).json()["indexes"]
        pc = pinecone.Pinecone(api_key=KEY, host=project.control.url)
        listed = list(pc.indexes.list())
        described = [pc.indexes.describe(c.name) for c in indexes]
        asked = [(r.path, r.api_version, r.status) for r in project.control.requests[1:]]
        hosts = {c.name: project[c.name].address for c in indexes}
        private = {i.index_name: i.private.address for i in project if i.private is not None}
    assert len(listed) == len(indexes)
    for config, model, one, wire in zip(indexes, listed, described, raw, strict=True):
        kind = msgspec.to_builtins(model.deployment)["deployment_type"]
        assert kind == config.deployment == wire["deployment"]["deployment_type"]
        assert msgspec.to_builtins(one.deployment) == msgspec.to_builtins(model.deployment)
        assert model.name == one.name == config.name
        assert model.status.ready is config.ready
        assert model.host == one.host == f"https://{hosts[config.name]}"  # the SDK adds https
        expected = private.get(config.name)
        assert model.private_host == (None if expected is None else f"https://{expected}")
    assert set(private) == {"prod-search", "byoc-search"}
    assert [a[1:] for a in asked] == [("2026-07", 200)] * (1 + len(indexes))
    fields = described[-1].schema.fields
    assert {type(f).__name__ for f in fields.values()} == {"StringField"}
    assert any(f.embed is not None for f in fields.values())  # a document index
