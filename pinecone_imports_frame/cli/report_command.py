"""``pinecone-imports report``: one self-contained HTML report of a lake."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._args import _argument_text, refuse_ending
from ._common import _add_lake_window, _read_lake
from ._parser import Command
from ._table import shown_path


def _cmd_report(args: argparse.Namespace) -> int:
    to_stdout = args.output == "-"  # as many commands read "-": the page goes to stdout
    ending = Path(args.output).suffix.lower().lstrip(".")
    if not to_stdout and ending not in ("html", "htm"):  # before the lake is read
        refuse_ending("report --output", ending, [".html", ".htm"])
    from ..report import report

    history = _read_lake(args)
    page = report(history, title=args.title)
    from ..report._lake import count_listings

    listings = count_listings(history)
    size = f"{listings} listings, {len(page) // 1024:,} KiB"
    if to_stdout:  # the page's text is escaped already (no control character in it)
        sys.stdout.write(page)
        sys.stdout.flush()
        print(f"wrote the report to stdout ({size})", file=sys.stderr)
        return 0
    Path(args.output).write_text(page, encoding="utf-8")
    print(f"wrote {shown_path(args.output)} ({size})")
    return 0


def _report_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports report`` that are its own."""
    p.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="FILE",
        help="the page to write: a file ending in .html (e.g. imports.html), or - for stdout",
    )
    p.add_argument(
        "--title", type=_argument_text, default="Pinecone bulk imports", help="the page's title"
    )


#: ``pinecone-imports report``: what runs it, its options.
REPORT = Command(_cmd_report, _report_options, (_add_lake_window,))
