"""``pinecone-imports snapshot``: write listings into a lake, once or every PERIOD."""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

from .._text import printable
from ..errors import UnmatchedIndexWarning
from ..polling import poll
from ._args import _duration, _int_in, _interval, said
from ._common import (
    LISTING,
    _add_storage,
    _read,
    _report_fleet,
    _storage_options,
)
from ._parser import Command
from ._table import shown_path

logger = logging.getLogger(__name__)


# Indirections so that tests run a polling schedule without waiting for it.
_clock = time.monotonic


_sleep = time.sleep


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from ..errors import ConfigurationError, SnapshotError
    from ..snapshots import check_destination, write_snapshot

    if args.count is not None and args.every is None:  # it would take one, silently
        raise ConfigurationError("--count stops --every after N snapshots: add --every PERIOD")
    options = _storage_options(args)
    try:
        check_destination(args.to, storage_options=options)  # a wrong lake fails at once
    except SnapshotError as exc:
        if exc.permanent or args.every is None:
            raise
        # The store is down for now (unreachable, throttled): each poll will try again.
        logger.warning("the lake is not reachable yet, polling anyway: %s", exc)

    polls = 0

    def once() -> None:
        nonlocal polls
        polls += 1
        if args.all_indexes:  # one snapshot per index, written as each index finishes
            with warnings.catch_warnings():
                if polls > 1:  # a name of --indexes that matches nothing: said at the first
                    warnings.simplefilter("ignore", UnmatchedIndexWarning)
                df = _read(args, snapshot_to=args.to, storage_options=options)
            _report_fleet(df)
            hosts = df["index_host"].nunique()
            print(f"{len(df)} imports of {hosts} indexes -> {shown_path(args.to)}", flush=True)
            return
        df = _read(args)
        path = write_snapshot(df, args.to, storage_options=options)
        listed = df.attrs.get("listed_at") or ""
        print(f"{printable(listed[:19])}Z  {len(df)} imports -> {shown_path(path)}", flush=True)
        if args.compact_after is not None:
            from ..snapshots import compact_snapshots

            done = compact_snapshots(
                args.to,
                older_than=args.compact_after,
                index_host=df.attrs.get("index_host") or None,
                storage_options=options,
            )
            for row in done.itertuples():
                print(f"compacted {row.files_before} files of {row.date} -> {shown_path(row.path)}")

    if args.every is None:
        once()
        return 0
    # Until interrupted (or --count polls): transient failures are logged once and retried
    # at the next tick, a permanent one ends the command with its error.
    failed = None
    for tick in poll(once, interval=args.every, max_polls=args.count, clock=_clock, sleep=_sleep):
        failed = tick.error
    if failed is not None:
        print(
            f"pinecone-imports: error: the last poll failed: {said(failed)}",
            file=sys.stderr,
        )
        return 1
    return 0


def _snapshot_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports snapshot`` that are its own."""
    p.add_argument("--to", required=True, metavar="ROOT", help="local folder or s3:// gs:// az://")
    _add_storage(p)
    p.add_argument(
        "--every",
        type=_interval,
        metavar="PERIOD",
        help="keep taking one every PERIOD (e.g. 5m, or seconds) until interrupted",
    )
    p.add_argument(
        "--count",
        type=_int_in(1, 10**9, "count"),
        metavar="N",
        help="with --every: stop after N snapshots",
    )
    p.add_argument(
        "--compact-after",
        type=_duration,
        metavar="AGE",
        help="after each snapshot, merge the days older than AGE (e.g. 1d) into one file each",
    )


#: ``pinecone-imports snapshot``: what runs it, its options.
SNAPSHOT = Command(_cmd_snapshot, _snapshot_options, LISTING)
