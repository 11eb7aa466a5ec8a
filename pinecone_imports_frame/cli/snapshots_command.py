"""``pinecone-imports snapshots``, ``prune`` and ``compact``: the lake's files."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import pandas as pd

from .._text import printable, short_duration
from ..errors import ConfigurationError
from ._args import _duration, _int_in
from ._common import _add_lake_root, _storage_options
from ._export import _csv_text, _write_stdout
from ._parser import Command
from ._table import shown_path, table_text

#: Columns of the snapshots table left out, in this order, when the terminal is narrow.
_SNAPSHOTS_OPTIONAL = (
    "package_version",
    "schema_version",
    "api_version",
    "file_listings",
    "date",
    "bytes",
)


def _one_index(inventory: pd.DataFrame) -> bool:
    return inventory["index_host"].nunique() <= 1


def _cmd_snapshots(args: argparse.Namespace) -> int:
    from ..snapshots import list_snapshots

    inventory = list_snapshots(args.root, storage_options=_storage_options(args))
    if args.format == "csv":
        _write_stdout(_csv_text(inventory))
    elif len(inventory):
        optional = [*_SNAPSHOTS_OPTIONAL, *(["index_name"] if _one_index(inventory) else [])]
        sys.stdout.write(table_text(inventory, list(inventory.columns), optional=optional) + "\n")
    else:
        print(f"no snapshots under {shown_path(args.root)}")
    return 0


# Indirection so that tests answer the question on a terminal of their own.
def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _confirm(question: str) -> bool:
    sys.stdout.write(f"{question} [y/N] ")
    sys.stdout.flush()
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _describe(frame: pd.DataFrame, verb: str) -> str:
    """``remove 3 snapshots (750 rows), 1 temporary file`` from list_snapshots rows."""
    if not len(frame):
        return f"{verb} nothing"
    counts = frame["file_status"].value_counts()
    rows = int(frame.loc[frame["file_status"] == "ok", "rows"].fillna(0).sum())
    parts = []
    for file_status, label in (
        ("ok", "snapshots"),
        ("corrupt", "corrupt files"),
        ("temporary", "temporary files of killed writers"),
        ("superseded", "copies left by an interrupted compaction"),
    ):
        if counts.get(file_status, 0):
            n = int(counts[file_status])
            parts.append(f"{n} {label}" + (f" ({rows} rows)" if file_status == "ok" else ""))
    return f"{verb} " + ", ".join(parts)


def _destructive(args: argparse.Namespace, run: Any, what: str) -> int:
    """Say what a destructive command removes, ask on a terminal if it removes the most."""
    from ..snapshots import list_snapshots

    options = _storage_options(args)
    plan = run(dry_run=True)
    snapshots = list_snapshots(args.root, storage_options=options)
    kept = int((snapshots["file_status"] == "ok").sum()) - int((plan["file_status"] == "ok").sum())
    verb = "would remove" if args.dry_run else "will remove"
    print(f"{_describe(plan, verb)}; {kept} snapshots stay{what}")
    for path in plan["path"]:
        print(f"  {shown_path(path)}")
    if args.dry_run or not len(plan):
        return 0
    removing = int((plan["file_status"] == "ok").sum())
    asks = removing > kept and not args.yes and _interactive()
    if asks and not _confirm(f"remove {removing} snapshots and keep {kept}?"):
        print("nothing removed")
        return 1
    removed = run(dry_run=False)
    print(_describe(removed, "removed"))
    return 0


def _cmd_compact(args: argparse.Namespace) -> int:
    from ..snapshots import compact_snapshots

    done = compact_snapshots(
        args.root,
        older_than=args.older_than,
        index_host=args.index_host,
        dry_run=args.dry_run,
        storage_options=_storage_options(args),
    )
    if not len(done):
        age = short_duration(args.older_than)
        print(
            f"nothing to merge: no day older than {age} has more than one file (a day is "
            "merged once it is that old: the newest stay as written)"
        )
        return 0
    verb = "would merge" if args.dry_run else "merged"
    before, held = int(done["files_before"].sum()), int(done["listings"].sum())
    print(f"{verb} {before} files into {len(done)} ({held} listings)")
    for row in done.itertuples():
        into = "" if args.dry_run else f" -> {shown_path(row.path)}"
        print(f"  {printable(row.index_host)} {row.date}: {row.files_before} files{into}")
    return 0


def _cmd_prune(args: argparse.Namespace) -> int:
    from ..snapshots import prune_snapshots

    if args.older_than is None and args.keep_last is None and not (args.all or args.corrupt):
        raise ConfigurationError(
            "prune needs --older-than AGE (e.g. 30d), --keep-last N, --corrupt or --all"
        )
    if args.keep_last == 0 and not args.all:
        raise ConfigurationError("--keep-last 0 removes every snapshot: add --all if you mean it")

    def run(*, dry_run: bool) -> pd.DataFrame:
        return prune_snapshots(
            args.root,
            older_than=args.older_than,
            keep_last=args.keep_last,
            all_snapshots=args.all,
            corrupt=args.corrupt,
            dry_run=dry_run,
            storage_options=_storage_options(args),
        )

    return _destructive(args, run, "")


def _snapshots_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports snapshots`` that are its own."""
    p.add_argument(
        "--format",
        choices=["table", "csv"],
        default="table",
        help="table (default, fits the terminal) or csv",
    )


def _prune_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports prune`` that are its own."""
    p.add_argument("--older-than", type=_duration, metavar="AGE", help="e.g. 30d, 12h")
    p.add_argument(
        "--keep-last",
        type=_int_in(0, 10**9, "keep-last"),
        metavar="N",
        help="keep the newest N per index",
    )
    p.add_argument("--all", action="store_true", help="remove every snapshot (or --keep-last 0)")
    p.add_argument(
        "--corrupt", action="store_true", help="also remove unreadable files named as snapshots"
    )
    p.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask, even on a terminal")


def _compact_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports compact`` that are its own."""
    p.add_argument(
        "--older-than", type=_duration, default="1d", metavar="AGE", help="days this old (1d)"
    )
    p.add_argument("--index-host", action="append", metavar="HOST", help="only this index")
    p.add_argument("--dry-run", action="store_true", help="say what would merge, change nothing")


#: ``pinecone-imports snapshots``: what runs it, its options.
SNAPSHOTS = Command(_cmd_snapshots, _snapshots_options, (_add_lake_root,))


#: ``pinecone-imports prune``: what runs it, its options.
PRUNE = Command(_cmd_prune, _prune_options, (_add_lake_root,))


#: ``pinecone-imports compact``: what runs it, its options.
COMPACT = Command(_cmd_compact, _compact_options, (_add_lake_root,))
