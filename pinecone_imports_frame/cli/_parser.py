"""The parser of ``pinecone-imports``: each command module adds its own command."""

from __future__ import annotations

import argparse
from collections.abc import Callable

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
#: its options and says what runs it.
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


class Commands:
    """What each ``add_*_command`` is handed: ``add_parser(name, run)`` adds a command.

    Every command takes the common options (``--verbose``) and runs a function of
    ``args``; what it says of itself is in :data:`ABOUT`.
    """

    def __init__(self, subparsers: argparse._SubParsersAction, common: _Parser) -> None:
        self._subparsers = subparsers
        self._common = common

    def add_parser(
        self, name: str, run: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        """Add the command ``name``, run by ``run(args)``, saying of itself what ABOUT says."""
        help, description = ABOUT[name]
        about = description or f"{help[:1].upper()}{help[1:]}."
        command = self._subparsers.add_parser(
            name, help=help, description=about, parents=[self._common]
        )
        command.set_defaults(func=run)
        return command


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``pinecone-imports``.

    Examples
    --------
    >>> args = build_parser().parse_args(["list", "--host", "h", "--no-progress", "-v"])
    >>> args.progress, args.verbose
    (False, True)
    """
    from ..monitoring._commands import add_check_command, add_metrics_command
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
    sub = Commands(subparsers, _common_options(top=False))
    list_command.add_list_command(sub)
    demo_command.add_demo_command(sub)
    snapshot_command.add_snapshot_command(sub)
    watch_command.add_watch_command(sub)
    trends_command.add_trends_command(sub)
    report_command.add_report_command(sub)
    snapshots_command.add_snapshots_command(sub)
    snapshots_command.add_prune_command(sub)
    snapshots_command.add_compact_command(sub)
    add_metrics_command(sub)
    add_check_command(sub)
    emulator_command.add_emulator_command(sub)
    return parser
