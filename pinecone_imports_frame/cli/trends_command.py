"""``pinecone-imports trends``: a lake's status timeline, running imports and failures."""

from __future__ import annotations

import argparse

from ._args import _int_in
from ._common import _add_lake_window, _read_lake
from ._parser import Command
from ._table import (
    _print_running,
    index_names,
    shown_path,
    table_text,
    with_index_column,
    with_index_names,
)


def _cmd_trends(args: argparse.Namespace) -> int:
    from ..trends import failures, status_timeline

    history = _read_lake(args)
    if not len(history):
        print(
            f"no snapshots under {shown_path(args.root)}"
            + (" in that window" if args.since is not None or args.until is not None else "")
        )
        return 0
    timeline = with_index_names(status_timeline(history), index_names(history))
    shown = timeline.tail(args.listings)
    more = f", the latest {len(shown)}" if len(timeline) > len(shown) else ""
    print(f"status timeline ({len(timeline)} listings{more}):")
    print(table_text(shown, with_index_column(timeline, list(timeline.columns))))
    print()
    _print_running(history)
    print()
    table = failures(history)
    if not len(table):
        print("no failed imports")
        return 0
    print(f"failures ({int(table['imports'].sum())} imports):")
    columns = ["problem", "error_category", "imports", "retry_traps", "last_finished_at"]
    print(table_text(table, [*columns, "message"], optional=["retry_traps"]))
    return 0


def _trends_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports trends`` that are its own."""
    p.add_argument(
        "--listings",
        type=_int_in(1, 10**6, "listings"),
        default=24,
        metavar="N",
        help="show the latest N listings of the timeline (default 24)",
    )


#: ``pinecone-imports trends``: what runs it, its options.
TRENDS = Command(_cmd_trends, _trends_options, (_add_lake_window,))
