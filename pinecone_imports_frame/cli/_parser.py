"""The parser of ``pinecone-imports``: each command module describes its commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NamedTuple

from .._version import __version__
from ._args import _Parser
from ._common import _common_options

#: What ``pinecone-imports --help`` says first: every command, by what it is for.
DESCRIPTION = """\
Pinecone bulk imports as typed tables.

  an index's imports:   list, watch, snapshot (into a lake of Parquet files)
  a lake of snapshots:  trends, report (HTML), snapshots, prune, compact
  monitoring:           metrics (Prometheus), check (exit 1 on a problem)
  offline:              demo, emulator (a local imports API)

Each command's --help says more."""


#: Each command's line in ``pinecone-imports --help`` and the first paragraph of its own
#: ``--help`` (that line as a sentence where None), by name: the command's module adds
#: its options and says what runs it (:class:`Command`).
ABOUT: dict[str, tuple[str, str | None]] = {
    "list": (
        "list an index's imports as a table, CSV, JSON or Parquet",
        "List the bulk imports of an index (or of every index of the project, "
        "--all-indexes) as a table that fits the terminal, or as CSV, JSON or Parquet.",
    ),
    "demo": (
        "drain a local emulator and summarise it (no key, no network)",
        "Start a local emulator of the imports API, list its imports as a "
        "user would, print a summary and save the frame as Parquet: no key, no network.",
    ),
    "snapshot": (
        "write the listing as a Parquet snapshot into a lake",
        "List an index's imports (or every index's) and write the listing as a "
        "Parquet snapshot into a lake, once or every PERIOD: trends and report read it.",
    ),
    "watch": (
        "follow the running imports live until they end",
        "Poll an index (or every index) and follow its running imports live: "
        "a line as each ends, then a summary of what still runs if stopped sooner.",
    ),
    "trends": (
        "status timeline, running imports and failures of a lake",
        "Read a lake of snapshots and print its status timeline, the imports "
        "running at the last listing with their ETAs, and the failures grouped by cause.",
    ),
    "report": (
        "one self-contained HTML report of a lake's trends",
        "Write one HTML file (no script, no network) of a lake's trends: "
        "period, headline numbers, running imports, failures and charts.",
    ),
    "snapshots": ("list the snapshots in a lake (metadata only)", None),
    "prune": ("delete whole snapshots by age or count", None),
    "compact": ("merge each day's snapshots of an index into one file", None),
    "metrics": ("serve the imports as Prometheus metrics (or write a file)", None),
    "check": ("exit 1, one line per problem, if imports failed or stalled", None),
    "emulator": (
        "serve the local imports API until interrupted",
        "Serve a local emulator of Pinecone's imports API (or of a project "
        "of indexes behind a control plane) until Ctrl-C; it prints its URL and key.",
    ),
}


class Command(NamedTuple):
    """A command of ``pinecone-imports`` (its name and texts are in :data:`ABOUT`)."""

    #: Runs the command: ``run(args)`` returns the exit code.
    run: Callable[[argparse.Namespace], int]
    #: Adds the options that are the command's own, after ``shared``.
    add_options: Callable[[argparse.ArgumentParser], None]
    #: Add the options it shares with other commands (the connection's, the lake's...).
    shared: tuple[Callable[[argparse.ArgumentParser], None], ...] = ()


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``pinecone-imports``.

    Examples
    --------
    >>> args = build_parser().parse_args(["list", "--host", "h", "--no-progress", "-v"])
    >>> args.progress, args.verbose
    (False, True)
    """
    from ..monitoring._commands import CHECK, METRICS
    from . import (
        demo_command,
        emulator_command,
        list_command,
        report_command,
        snapshot_command,
        snapshots_command,
        trends_command,
        watch_command,
    )

    parser = _Parser(
        prog="pinecone-imports",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[_common_options(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    common = _common_options(top=False)
    commands = {
        "list": list_command.LIST,
        "demo": demo_command.DEMO,
        "snapshot": snapshot_command.SNAPSHOT,
        "watch": watch_command.WATCH,
        "trends": trends_command.TRENDS,
        "report": report_command.REPORT,
        "snapshots": snapshots_command.SNAPSHOTS,
        "prune": snapshots_command.PRUNE,
        "compact": snapshots_command.COMPACT,
        "metrics": METRICS,
        "check": CHECK,
        "emulator": emulator_command.EMULATOR,
    }
    for name, command in commands.items():
        help, description = ABOUT[name]
        about = description or f"{help[:1].upper()}{help[1:]}."
        p = subparsers.add_parser(name, help=help, description=about, parents=[common])
        p.set_defaults(func=command.run)
        for add in (*command.shared, command.add_options):
            add(p)
    return parser
