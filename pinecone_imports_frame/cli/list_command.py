"""``pinecone-imports list``: an index's imports as a table, CSV, JSON or Parquet."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from ..errors import ConfigurationError
from ._args import refuse_ending
from ._common import LISTING, _read, _report_fleet
from ._export import _csv_text, _stdout_is_terminal, _write_stdout, plain_records
from ._parser import Command
from ._table import shown_path, table_text, with_index_column

#: A table written to a file is not cut.
_WHOLE = 1_000_000


_TABLE_COLUMNS = [
    "id",
    "status",
    "created_at",
    "finished_at",
    "percent_complete",
    "records_imported",
    "duration",
    "error",
]


def _write_table(df: pd.DataFrame, fmt: str, output: str | None) -> None:
    if fmt == "parquet":
        if not output:
            raise ConfigurationError("--format parquet needs --output FILE (- for stdout)")
        if output == STDOUT:
            _check_parquet_to_stdout()
            sys.stdout.flush()  # what was written before goes first
            binary = getattr(sys.stdout, "buffer", None)  # None: stdout was replaced by text
            if binary is None:
                raise ConfigurationError("this stdout takes no bytes: give --output FILE")
            df.to_parquet(binary, index=False)
            binary.flush()
            return
        df.to_parquet(output, index=False)
        print(f"wrote {len(df)} imports to {shown_path(output)}", file=sys.stderr)
        return
    if output == STDOUT:
        output = None  # as without --output: a table fits the terminal, text is escaped on it
    if fmt == "csv":
        text = _csv_text(plain_records(df)).rstrip("\n")
    elif fmt == "json":
        rows = plain_records(df).to_dict(orient="records")
        # ensure_ascii=False and no escaped "/": grep finds s3://... as written.
        text = json.dumps(rows, ensure_ascii=False, indent=1, allow_nan=False)
    else:
        # On a terminal as wide as it; into a file whole.
        columns = with_index_column(df, _TABLE_COLUMNS)
        # Left out in this order on a narrow terminal: the rows' index, id and status stay.
        optional = ["finished_at", "records_imported", "duration", "created_at", "error"]
        whole = _WHOLE if output else None
        text = table_text(df, columns, optional=optional, width=whole) if len(df) else "no imports"
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {len(df)} imports to {shown_path(output)}", file=sys.stderr)
    else:
        _write_stdout(text + "\n")


#: ``--output -``: standard output, as without ``--output`` (``./-`` is a file named "-").
STDOUT = "-"


def _check_parquet_to_stdout() -> None:
    """Refuse Parquet's bytes to a terminal: they would be garbage on the screen."""
    if _stdout_is_terminal():
        raise ConfigurationError(
            "--format parquet -o - writes binary data: redirect stdout to a file or a pipe"
        )


_LIST_FORMATS = ("table", "csv", "json", "parquet")


#: The endings ``list --output`` writes: a table into .txt or a file without one.
_ENDINGS = ("csv", "json", "parquet", "txt")


def _list_format(given: str | None, output: str | None) -> str:
    """Return the format asked for, else the one the output file's ending names, else table.

    An ending it cannot write (``-o out.xlsx``) is refused before anything is listed.
    """
    ending = Path(output).suffix.lower().lstrip(".") if output and output != STDOUT else ""
    if ending and ending not in _ENDINGS:
        refuse_ending("list --output", ending, [f".{e}" for e in _ENDINGS])
    if given is not None:
        return given
    return ending if ending in _LIST_FORMATS and ending != "table" else "table"


def _cmd_list(args: argparse.Namespace) -> int:
    fmt = _list_format(args.format, args.output)  # before the drain: nothing fetched is lost
    if fmt == "parquet" and args.output == STDOUT:
        _check_parquet_to_stdout()  # before the drain, as a wrong ending
    df = _read(args)
    _write_table(df, fmt, args.output)
    return _report_fleet(df) if args.all_indexes else 0


def _list_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports list`` that are its own."""
    p.add_argument(
        "--format",
        choices=_LIST_FORMATS,
        help="table (default), csv, json or parquet; with --output, its ending picks it "
        "(.csv, .json, .parquet) unless given",
    )
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write to FILE instead of stdout: .csv, .json, .parquet, or .txt (the table); "
        "- is stdout",
    )


#: ``pinecone-imports list``: what runs it, its options.
LIST = Command(_cmd_list, _list_options, LISTING)
