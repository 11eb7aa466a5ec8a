"""The lake commands' window: ages count back from the newest listing; --index-host's values."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.emulator import Emulator

#: A lake last written a month ago (a copy, or a snapshot job that stopped): the machine's
#: clock is far past its newest listing.
MONTH_AGO = (pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=30)).floor("D") + pd.Timedelta("9h")


def exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def _snapshot(emu: Emulator, root: Path) -> None:
    conn = ["--host", emu.url, "--api-key", emu.api_key, "--no-progress"]
    assert main(["snapshot", *conn, "--to", str(root)]) == 0


@pytest.fixture
def month_old_lake(tmp_path: Path) -> Path:
    """Listings at 09:00 two days before, then at 09:00 and 12:00, a month ago."""
    root = tmp_path / "lake"
    start = (MONTH_AGO - pd.Timedelta(days=2)).to_pydatetime()
    with Emulator(imports=20, seed=3, now=start) as emu:
        _snapshot(emu, root)
        emu.advance(2 * 86400)
        _snapshot(emu, root)
        emu.advance(3 * 3600)
        _snapshot(emu, root)
    return root


def test_an_age_counts_back_from_the_newest_listing_not_from_now(
    month_old_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    # "The last day" of a lake last written a month ago is its last day, as in the recipes.
    assert main(["trends", str(month_old_lake), "--since", "1d"]) == 0
    assert capsys.readouterr().out.startswith("status timeline (2 listings):")
    assert main(["trends", str(month_old_lake), "--since", "1d", "--until", "1h"]) == 0
    assert capsys.readouterr().out.startswith("status timeline (1 listings):")
    out = month_old_lake.parent / "r.html"
    assert main(["report", str(month_old_lake), "--since", "7d", "-o", str(out)]) == 0
    assert "(3 listings," in capsys.readouterr().out
    # An absolute time is as it was.
    since = (MONTH_AGO + pd.Timedelta("1h")).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert main(["trends", str(month_old_lake), "--since", since]) == 0
    assert capsys.readouterr().out.startswith("status timeline (1 listings):")


def test_the_newest_listing_of_a_compacted_day_is_read_from_its_footer(
    month_old_lake: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pif.compact_snapshots(month_old_lake, older_than="1d")
    files = sorted(p.name for p in month_old_lake.rglob("*.parquet"))
    assert len(files) == 2  # a day each: a compacted file's name holds its first listing
    capsys.readouterr()
    assert main(["trends", str(month_old_lake), "--since", "2h"]) == 0
    assert capsys.readouterr().out.startswith("status timeline (1 listings):")


def test_an_age_over_a_lake_without_listings_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trends", str(tmp_path), "--since", "7d"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no snapshots under") and "window" not in out


def test_help_says_an_age_is_before_the_newest_listing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert exit_code(["trends", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "an age before the newest listing" in text and "not before now" in text


def test_index_host_takes_an_index_name_its_snapshots_carry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lake"
    with Emulator(imports=20, seed=1) as a, Emulator(imports=20, seed=2) as b:
        for emu, name in ((a, "prod-a"), (b, "prod-b")):
            conn = ["--host", emu.url, "--index-name", name, "--api-key", emu.api_key]
            assert main(["snapshot", *conn, "--no-progress", "--to", str(root)]) == 0
        capsys.readouterr()
        assert main(["trends", str(root), "--index-host", "prod-b"]) == 0
        by_name = capsys.readouterr().out
        assert main(["trends", str(root), "--index-host", b.address]) == 0
        assert by_name == capsys.readouterr().out  # the name is that host
        assert by_name.startswith("status timeline (1 listings):")


def test_index_host_matching_no_index_names_the_lakes_hosts_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "lake"
    with Emulator(imports=5, seed=1) as emu:
        _snapshot(emu, root)
        host = emu.address
    (real,) = root.rglob("*.parquet")
    hostile = root / "index_host=evil%1B%5B2J" / real.parent.name
    hostile.mkdir(parents=True)
    shutil.copy(real, hostile / real.name)
    capsys.readouterr()
    assert exit_code(["trends", str(root), "--index-host", "SECRETKEY-typed-here"]) == 2
    err = capsys.readouterr().err
    assert "--index-host matches no index" in err and "index_host=" in err
    assert host in err and "evil\\x1b[2j" in err.lower() and "\x1b" not in err
    assert "SECRETKEY" not in err and re.search(r"\bno snapshots\b", err) is None


def test_an_age_over_a_compacted_lake_on_s3(
    s3_lake: tuple[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    root, options = s3_lake
    start = (MONTH_AGO - pd.Timedelta(days=2)).to_pydatetime()
    with Emulator(imports=20, seed=3, now=start) as emu:
        for advance in (0, 2 * 86400, 3 * 3600):
            emu.advance(advance)
            listing = pif.read_imports(emu.url, api_key=emu.api_key, progress=False)
            pif.write_snapshot(listing, root, storage_options=options)
    pif.compact_snapshots(root, older_than="1d", storage_options=options)
    storage = [x for k, v in options.items() for x in ("--storage-option", f"{k}={_json(v)}")]
    capsys.readouterr()
    assert main(["trends", root, *storage, "--since", "2h"]) == 0
    assert capsys.readouterr().out.startswith("status timeline (1 listings):")
    assert main(["trends", root, *storage, "--since", "3d"]) == 0
    assert capsys.readouterr().out.startswith("status timeline (3 listings):")


def _json(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict) else str(value)
