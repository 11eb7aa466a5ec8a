"""The parser of ``pinecone-imports``: each command module adds its own command."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Protocol

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


class Commands(Protocol):
    """What each ``add_*_command`` is handed: ``add_parser(name, run, help=...)``."""

    def add_parser(
        self,
        name: str,
        run: Callable[[argparse.Namespace], int],
        *,
        help: str,
        description: str | None = None,
    ) -> argparse.ArgumentParser:
        """Add the command ``name``, run by ``run(args)``; ``help`` is its line in the list."""
        ...


class _Sub:
    """Add sub-commands that take the common options and run a function of ``args``."""

    def __init__(self, subparsers: argparse._SubParsersAction, common: _Parser) -> None:
        self._subparsers = subparsers
        self._common = common

    def add_parser(
        self,
        name: str,
        run: Callable[[argparse.Namespace], int],
        *,
        help: str,
        description: str | None = None,
    ) -> argparse.ArgumentParser:
        """Add the command ``name``, run by ``run(args)``; ``help`` is its line in the list.

        Its ``--help`` starts with ``description``, else with ``help`` as a sentence.
        """
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
    sub = _Sub(subparsers, _common_options(top=False))
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
