"""Every API version end to end: emulator, frame, lake, frame; and a lake of mixed versions."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame.config import API_VERSIONS
from pinecone_imports_frame.emulator import Emulator

START = pd.Timestamp("2026-03-02T09:00:00Z")


def _start_import(emu: Emulator) -> None:
    request = urllib.request.Request(
        emu.url + "/bulk/imports",
        data=json.dumps({"uri": "s3://bucket/new/"}).encode(),
        headers={"Api-Key": emu.api_key, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def _read(emu: Emulator, version: str) -> pd.DataFrame:
    return pif.read_imports(emu.url, api_key=emu.api_key, api_version=version, progress=False)


@pytest.mark.parametrize("version", API_VERSIONS)
def test_emulator_to_frame_to_lake_to_frame(version: str, tmp_path: Path) -> None:
    with Emulator(imports=300, seed=8, now=START.to_pydatetime()) as emu:
        df = _read(emu, version)
        records = emu.records(api_version=version)
        address = emu.address
    assert (df["api_version"] == version).all()
    expected = pif.to_frame(
        records,
        listed_at=df["listed_at"].iloc[0],
        index_host=address,
        api_version=version,
    )
    pd.testing.assert_frame_equal(df, expected)
    has_validation = df["validation_successes"].notna().any()
    assert has_validation == (version == "2026-07")
    pif.write_snapshot(df, tmp_path)
    back = pif.read_snapshots(tmp_path)
    pd.testing.assert_frame_equal(
        back, df.sort_values("id").reset_index(drop=True), check_like=False
    )


def test_a_lake_mixing_2025_04_and_2026_07_stacks_without_false_jumps(tmp_path: Path) -> None:
    with Emulator(imports=300, seed=9, now=START.to_pydatetime()) as emu:
        _start_import(emu)  # Pending for a few simulated seconds
        old = _read(emu, "2025-04")
        pif.write_snapshot(old, tmp_path)
        emu.advance(600)
        _start_import(emu)
        new = _read(emu, "2026-07")
        pif.write_snapshot(new, tmp_path)
    history = pif.read_snapshots(tmp_path)
    assert len(history) == len(old) + len(new)
    assert history.dtypes.to_dict() == pif.schema.pandas_dtypes()
    by_version = history.groupby("api_version", observed=True)
    assert set(by_version.groups) == {"2025-04", "2026-07"}
    # The old listing has no validation columns: NA, not 0.
    first = history[history["api_version"] == "2025-04"]
    assert first["validation_successes"].isna().all() and first["validation_errors"].isna().all()
    # Pending imports: NA progress under 2025-04, 0 under 2026-07 (the version says which).
    pending_old = first[first["status"] == "Pending"]
    second = history[history["api_version"] == "2026-07"]
    pending_new = second[second["status"] == "Pending"]
    assert pending_old["percent_complete"].isna().all()
    assert (pending_new["percent_complete"] == 0).all()
    assert len(pending_old) >= 1 and len(pending_new) >= 1
