"""``pinecone-imports watch``: follow the running imports live until they end."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .._text import printable
from ._args import _interval
from ._common import (
    LISTING,
    _add_storage,
    _connection,
    _fleet_arguments,
    _report_fleet,
    _storage_options,
)
from ._parser import Command
from ._signals import TERMINATED, sigterm_as_interrupt
from ._table import _print_running


def _cmd_watch(args: argparse.Namespace) -> int:
    from .. import watch

    def line(event: watch.WatchEvent) -> None:
        from .._progress import write

        write(printable(str(event)), file=sys.stdout)
        sys.stdout.flush()

    common: dict[str, Any] = {
        "interval": args.interval,
        "until": args.until,
        "snapshot_to": args.snapshot_to,
        "storage_options": _storage_options(args),
        "progress": args.progress,
        "on_event": line,
    }
    watch.parse_until(args.until, what="--until", quote=False)  # checked before any request
    fleet = _fleet_arguments(args, verb="watches")
    # SIGTERM (systemd, docker stop) ends the watch as Ctrl-C does: the summary, then 143.
    with sigterm_as_interrupt() as terminated:
        if fleet is not None:
            history = watch.watch_project_imports(**fleet, **common)
        else:
            history = watch.watch_imports(args.host, **_connection(args), **common)
    if fleet is not None:
        _report_fleet(history)
    info = history.attrs.get("watch", {})
    started = info.get("running_at_start", 0)
    polls = f"{info.get('polls', 0)} polls"
    if info.get("stopped") == "done":
        print(f"all {started} imports running at the start have ended ({polls})")
        return 0
    _print_running(history)
    if info.get("stopped") == "interrupted":
        if terminated():
            print(f"terminated by SIGTERM ({polls})", file=sys.stderr)
            return TERMINATED
        print(f"interrupted ({polls})", file=sys.stderr)
        return 130
    print(f"stopped after --until {args.until} ({polls})")
    return 0


def _watch_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports watch`` that are its own."""
    p.add_argument(
        "--interval",
        type=_interval,
        metavar="PERIOD",
        help="time between polls (e.g. 10s, 1m, or seconds; default 10s, 30s with "
        "--all-indexes, as watch_imports and watch_project_imports)",
    )
    p.add_argument(
        "--until",
        default="done",
        metavar="done|DURATION|TIME",
        help="'done' (default): until every import running at the start has ended; or stop "
        "sooner, after a duration (e.g. 2h) or at a time (UTC), by the server's clock (a "
        "time also by this machine's, an interval after it)",
    )
    p.add_argument("--snapshot-to", metavar="ROOT", help="also write each listing to this lake")
    _add_storage(p)


#: ``pinecone-imports watch``: what runs it, its options.
WATCH = Command(_cmd_watch, _watch_options, LISTING)
