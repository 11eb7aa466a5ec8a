"""``pinecone-imports metrics`` and ``pinecone-imports check``: their options and their runs.

The connection and fleet options are the ``list`` command's (``cli._add_connection``,
``cli._add_fleet``); the rest is here, so that ``cli`` registers each command in a line.

Exit codes of ``check``: 0 healthy; 1 a problem found (an import failed, stalled or
indexing too long, a listing that failed: an unreachable API or a wrong key is a problem
the check reports, since it could not look); 2 bad arguments. ``metrics --textfile``: 0
when every listing succeeded, 1 when one failed (the file is written either way and says
so, with the last good figures) or its state file could not be written, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..cli._parser import Command
from ..config import Connection
from ..errors import ConfigurationError, PineconeImportsError

if TYPE_CHECKING:
    from ._exporter import ImportsExporter

logger = logging.getLogger(__name__)


def _connection(args: argparse.Namespace) -> tuple[Connection, dict[str, Any]]:
    """Resolve the connection options; the fleet's options, checked as ``list`` checks them."""
    from .. import cli

    fleet = cli._fleet_arguments(args, verb="lists")  # --indexes without --all-indexes...
    options = {k: v for k, v in cli._connection(args).items() if k != "page_size"}
    if fleet is not None:
        options.pop("index_name")
    conn = Connection.resolve(None if fleet is not None else args.host, **options)
    more = {"page_size": args.page_size}
    if fleet is not None:
        more.update(all_indexes=True, indexes=fleet["indexes"], max_workers=fleet["max_workers"])
    return conn, more


def _listing_group(p: argparse.ArgumentParser, group: str) -> argparse._ArgumentGroup:
    """Add ``list``'s connection and fleet options; return ``group``, for the command's own."""
    from .. import cli

    cli._add_connection(p)
    cli._add_fleet(p)
    return p.add_argument_group(group)


def _add_ages(g: argparse._ArgumentGroup, *ages: tuple[str, str, str]) -> None:
    """Add options that take an age (``24h``), each ``(flag, default, help)``.

    Each default is written once: the help says it too.
    """
    from .. import cli

    for flag, default, text in ages:
        g.add_argument(
            flag,
            type=cli._duration,
            default=pd.Timedelta(default),
            metavar="AGE",
            help=f"{text} (default {default})",
        )


# -- metrics -------------------------------------------------------------------------------


def _port(text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number") from None
    if not 0 <= value <= 65_535:
        raise argparse.ArgumentTypeError("must be from 0 to 65,535 (0 picks a free port)")
    return value


def _metrics_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports metrics``: the Prometheus exporter."""
    from .. import cli
    from . import DEFAULT_PORT

    g = _listing_group(p, "exporter")
    g.add_argument(
        "--interval",
        type=cli._interval,
        default=pd.Timedelta("60s"),
        metavar="PERIOD",
        help="time between listings (default 60s); a scrape never waits on one",
    )
    _add_ages(g, ("--window", "24h", "count failures this recent in pinecone_imports_failed"))
    g.add_argument(
        "--bind", default="127.0.0.1", help="address to serve on (default 127.0.0.1, this host)"
    )
    g.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0 picks one"
    )
    g.add_argument(
        "--textfile",
        metavar="PATH",
        help="list once, write the metrics to PATH (atomically) and exit: node_exporter's "
        "textfile collector, from cron (PATH should end in .prom); PATH.state.json beside "
        "it keeps what the next run needs (stalls, indexing, rates, the last figures)",
    )


def _exporter(args: argparse.Namespace) -> ImportsExporter:
    from ._exporter import ImportsExporter

    conn, more = _connection(args)
    return ImportsExporter(connection=conn, window=args.window, **more)


def run_metrics(args: argparse.Namespace) -> int:
    """Run ``pinecone-imports metrics``."""
    exporter = _exporter(args)
    if args.textfile:
        from ._exporter import missing_folder

        missing = missing_folder(args.textfile)
        if missing is not None:  # said before the listing, not after it
            raise missing
        if not args.textfile.endswith(".prom"):
            logger.warning("node_exporter's textfile collector reads only files ending in .prom")
        from ._textstate import TextfileState

        # Each run is a process of its own: what the running exporter remembers between
        # listings (stalls, indexing, rates, the last good figures) is kept beside the file.
        state = TextfileState(args.textfile)
        state.restore(exporter)
        ok = exporter.refresh()
        exporter.write_textfile(args.textfile)
        state.save(exporter)
        if not ok:
            print(
                f"pinecone-imports: a listing failed; {args.textfile} says so (its "
                "pinecone_imports_listing_success or _control_plane_success 0)",
                file=sys.stderr,
            )
        return 0 if ok else 1
    stop = threading.Event()
    from ..cli._common import listening

    with listening(bind=args.bind, port=args.port):
        server = exporter.serve(bind=args.bind, port=args.port)
    previous: Any = None
    in_main = threading.current_thread() is threading.main_thread()

    def on_term(signum: int, frame: FrameType | None) -> None:
        stop.set()

    try:
        if in_main:  # before the URL goes out: whoever reads it may send SIGTERM at once
            previous = signal.signal(signal.SIGTERM, on_term)
        print(
            f"serving {server.url} (listing every {args.interval.total_seconds():g} s)",
            flush=True,
        )
        exporter.run(interval=args.interval, stop=stop)
    except KeyboardInterrupt:
        pass
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        server.close()
    return 0


# -- check ---------------------------------------------------------------------------------


def _check_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports check``: exit 1, saying why, on a problem."""
    from .. import cli

    g = _listing_group(p, "check")
    g.add_argument(
        "--lake",
        metavar="ROOT",
        help="check the lake's recent listings (stalls and indexing times need several) "
        "instead of listing once",
    )
    cli._add_storage(g)  # type: ignore[arg-type]
    _add_ages(
        g,
        ("--since", "24h", "failures this recent are problems"),
        ("--stalled-after", "30m", "InProgress below 100 %% with no progress this long"),
        ("--indexing-after", "1h", "at 100 %% (indexing) this long"),
        ("--pending-after", "2h", "still Pending this long after it was created"),
        ("--max-age", "1h", "with --lake: an index whose newest listing is older is a problem"),
    )
    g.add_argument(
        "--format",
        choices=["text", "json"],
        default="text",
        help="text (default: a line per problem) or json",
    )
    g.add_argument(
        "--notify",
        metavar="URL",
        help="when there is a problem, post it to this Slack-compatible webhook",
    )
    g.add_argument(
        "--notify-timeout",
        type=cli._seconds,
        default=10.0,
        metavar="SECONDS",
        help="seconds to wait for the webhook (default 10)",
    )


def _check(args: argparse.Namespace) -> pd.DataFrame:
    from ._check import check_imports, read_recent

    options = {
        "since": args.since,
        "stalled_after": args.stalled_after,
        "indexing_after": args.indexing_after,
        "pending_after": args.pending_after,
    }
    if args.lake is None:
        conn, more = _connection(args)
        return check_imports(connection=conn, **options, **more)
    if args.host or args.index_name or args.all_indexes or args.indexes:
        raise ConfigurationError("--lake checks the lake: drop --host/--index-name/--all-indexes")
    from .. import cli

    now = pd.Timestamp.now(tz="UTC")
    # Long enough to see a stall or an indexing run past its threshold, and a stale index.
    lookback = 2 * max(args.stalled_after, args.indexing_after, args.max_age)
    try:
        history = read_recent(
            args.lake, lookback=lookback, now=now, storage_options=cli._storage_options(args)
        )
    except ConfigurationError:
        raise
    except PineconeImportsError as exc:  # the lake cannot be read: a problem, said
        return _unreadable(args.lake, exc)
    return check_imports(history, max_age=args.max_age, now=now, **options)


def _unreadable(root: str, exc: PineconeImportsError) -> pd.DataFrame:
    """Return the problem of a lake that cannot be read: its line says which lake, and why."""
    from ..cli._table import shown_path
    from ._check import _problem_frame

    return _problem_frame(
        [{"problem": "listing_failed", "detail": f"the lake {shown_path(root)}: {exc}"}]
    )


def run_check(args: argparse.Namespace) -> int:
    """Run ``pinecone-imports check``."""
    from .. import cli
    from ..cli._args import shell_terms
    from ._check import problem_lines
    from ._webhook import _endpoint, message_text, notify_webhook

    if args.notify is not None:  # a malformed URL is refused before anything is listed
        _endpoint(args.notify, allow_insecure=args.allow_insecure)
    problems = _check(args)
    # A failed listing's error in the command line's words (--api-key, --timeout), as its
    # errors are: the lines, the JSON's details and the notification alike.
    ours = problems["problem"] == "listing_failed"
    problems.loc[ours, "detail"] = problems.loc[ours, "detail"].map(shell_terms, na_action="ignore")
    lines = problem_lines(problems)
    if args.format == "json":
        records = cli.plain_records(problems).to_dict(orient="records")
        sys.stdout.write(json.dumps(records, ensure_ascii=True, indent=1) + "\n")
    else:
        for line in lines:
            print(line)
        if not lines and sys.stdout.isatty():
            print("no problem found")
    if lines and args.notify is not None:
        try:
            notify_webhook(
                args.notify,
                text=message_text(lines),
                timeout=args.notify_timeout,
                allow_insecure=args.allow_insecure,
            )
        except PineconeImportsError as exc:
            print(f"pinecone-imports: the notification failed: {cli.said(exc)}", file=sys.stderr)
    return 1 if lines else 0


#: ``pinecone-imports metrics`` and ``pinecone-imports check``: what runs each, its options.
METRICS = Command(run_metrics, _metrics_options)
CHECK = Command(run_check, _check_options)
