"""``pinecone-imports``: list, watch, snapshot(s), prune, trends, report, metrics, check, emulator.

Errors reach the user as one line on stderr and a non-zero exit (2 for bad arguments or
configuration, 1 for everything else), never a traceback; ``--verbose`` shows DEBUG logs.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from ._text import (
    PrintableFormatter,
    printable,
    printable_lines,
    short_duration,
    spreadsheet_safe,
)
from ._version import __version__
from .config import (
    API_VERSIONS,
    DEFAULT_API_VERSION,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    MAX_PAGE_SIZE,
    parse_duration,
    parse_interval,
    parse_timestamp,
)
from .errors import ConfigurationError, FleetWarning, PineconeImportsError
from .polling import poll

logger = logging.getLogger(__name__)

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


def _without_values(message: str) -> str:
    """Rewrite an argparse message so that it names options, never a value typed.

    argparse quotes unrecognised arguments and bad values whole: a mistyped "--apikey KEY",
    or the key typed after the wrong option, would be printed. Each of its messages that
    quotes a value is rewritten here; the type parsers of this module quote none.
    """
    unknown = re.fullmatch(r"unrecognized arguments: (.*)", message, re.S)
    if unknown:
        words = unknown.group(1).split()
        options = [w.split("=", 1)[0] for w in words if w.startswith("-")]
        shown = ", ".join(options) if options else f"{len(words)} value(s)"
        return f"unrecognized arguments: {shown} (values not shown)"
    # "argument --format: invalid choice: 'X' (choose from 'table', 'csv')": the choices
    # are ours and hold no parenthesis, so the last "(choose from" is argparse's.
    choice = re.fullmatch(
        r"(argument [^:]*): invalid choice: .*(\(choose from [^()]*\))", message, re.S
    )
    if choice:
        return f"{choice.group(1)}: invalid choice {choice.group(2)}"
    # A type that raised ValueError: "argument --port: invalid int value: 'X'".
    typed = re.fullmatch(r"(argument [^:]*): invalid (.*?) value: .*", message, re.S)
    if typed:
        return f"{typed.group(1)}: invalid {typed.group(2)} value (value not shown)"
    # "--all-indexes=X": a flag given a value.
    flag = re.fullmatch(r"(argument [^:]*): ignored explicit argument .*", message, re.S)
    if flag:
        return f"{flag.group(1)}: takes no value"
    # "--p=X" matching several options: argparse repeats the whole word.
    ambiguous = re.fullmatch(r"ambiguous option: (.*) could match ([-\w, ]+)", message, re.S)
    if ambiguous:
        typed_option = ambiguous.group(1).split("=", 1)[0]
        return f"ambiguous option: {typed_option} could match {ambiguous.group(2)}"
    return message


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors that never repeat a value (it could be the key)."""

    def error(self, message: str) -> NoReturn:
        message = printable(_without_values(message))
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _int_in(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low:,} to {high:,}")
        return value

    parse.__name__ = what  # argparse names the type in its messages
    return parse


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive, finite number of seconds")
    return value


def _add_connection(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("connection (else PINECONE_INDEX_HOST / PINECONE_API_KEY)")
    g.add_argument("--host", help="index host as the console shows it, or a URL")
    g.add_argument("--index-name", help="index name, resolved to its host via the control plane")
    g.add_argument("--api-key", help="API key (prefer the PINECONE_API_KEY variable)")
    g.add_argument(
        "--controller-host", help="control plane (else PINECONE_CONTROLLER_HOST, or Pinecone's)"
    )
    g.add_argument(
        "--page-size",
        type=_int_in(1, MAX_PAGE_SIZE, "page size"),
        default=DEFAULT_PAGE_SIZE,
        help=f"imports per request, 1-{MAX_PAGE_SIZE}",
    )
    g.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT, help="seconds per request")
    g.add_argument(
        "--max-retries", type=_int_in(0, 100, "max retries"), default=DEFAULT_MAX_RETRIES
    )
    g.add_argument(
        "--allow-insecure", action="store_true", help="allow plain http to a non-loopback host"
    )
    g.add_argument(
        "--private-host",
        dest="use_private_host",
        action="store_true",
        help="reach indexes looked up through the control plane at their private endpoint",
    )
    g.add_argument(
        "--api-version",
        choices=API_VERSIONS,
        default=DEFAULT_API_VERSION,
        help=f"Pinecone API version to ask for (default {DEFAULT_API_VERSION})",
    )


def _add_fleet(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("every index of the project (the control plane lists them)")
    g.add_argument(
        "--all-indexes", action="store_true", help="every index of the project, concurrently"
    )
    g.add_argument(
        "--indexes",
        nargs="+",
        metavar="PATTERN",
        help="with --all-indexes: only these names or shell patterns (e.g. 'prod-*')",
    )
    g.add_argument(
        "--max-workers",
        type=_int_in(1, 256, "max workers"),
        default=16,
        help="indexes listed at once (default 16)",
    )


def _report_fleet(df: pd.DataFrame) -> int:
    """Print the fleet's failed and skipped indexes to stderr; 1 if any failed."""
    for item in df.attrs.get("skipped", []):
        logger.info("skipped index %s: %s", item["index_name"], item["reason"])
    errors = df.attrs.get("errors", [])
    for item in errors:
        print(
            f"pinecone-imports: index {printable(item['index_name'])} failed "
            f"({item['rows_kept']} imports kept): {printable(item['message'])}",
            file=sys.stderr,
        )
    return 1 if errors else 0


def _read(args: argparse.Namespace, **extra: Any) -> pd.DataFrame:
    from .loader import read_imports

    fleet = _fleet_arguments(args, verb="lists")
    if fleet is not None:
        from .fleet import read_project_imports

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FleetWarning)  # reported by _report_fleet
            return read_project_imports(
                **fleet, progress=args.progress, verbose=args.verbose, **extra
            )
    return read_imports(args.host, **_connection(args), progress=args.progress, **extra)


def _fleet_arguments(args: argparse.Namespace, *, verb: str) -> dict[str, Any] | None:
    """Map ``_add_connection`` and ``_add_fleet`` to the project-wide call's arguments.

    None without ``--all-indexes``; ``--indexes`` without it, or ``--host`` or
    ``--index-name`` with it, are refused.
    """
    if not args.all_indexes:
        if args.indexes:
            raise ConfigurationError(
                "--indexes chooses among the project's indexes: add --all-indexes"
            )
        return None
    if args.host or args.index_name:
        raise ConfigurationError(f"--all-indexes {verb} every index: drop --host/--index-name")
    options = {k: v for k, v in _connection(args).items() if k != "index_name"}
    return {**options, "indexes": args.indexes, "max_workers": args.max_workers}


#: The options of ``_add_connection`` after ``--host``, named as read_imports names them.
_CONNECTION_OPTIONS = (
    "api_key",
    "index_name",
    "controller_host",
    "page_size",
    "timeout",
    "max_retries",
    "allow_insecure",
    "api_version",
    "use_private_host",
)


def _connection(args: argparse.Namespace) -> dict[str, Any]:
    """Map the connection options (``_add_connection``) to their keyword arguments."""
    return {name: getattr(args, name) for name in _CONNECTION_OPTIONS}


# The type parsers below: the package's parsers, with messages that name the option and
# never quote the value (argparse prefixes "argument --older-than:").


def _duration(text: str) -> pd.Timedelta:
    try:
        return parse_duration(text, what="AGE", quote=False)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _interval(text: str) -> pd.Timedelta:
    try:
        return parse_interval(text, what="PERIOD", quote=False)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _time(text: str) -> str:
    try:
        parse_timestamp(text, what="time", quote=False)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _whole(what: str) -> Callable[[str], int]:
    """Parse a whole number; the command checks its range (and names the range)."""

    def parse(text: str) -> int:
        try:
            return int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number") from None

    parse.__name__ = what
    return parse


def _number(what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number") from None

    parse.__name__ = what
    return parse


#: Words that mean yes or no to a person but are text to fsspec, and any text but "" is
#: true: ``anon=no`` would send unsigned requests. Refused, naming ``true``/``false``.
_YES_NO_WORDS = frozenset({"yes", "no", "y", "n", "on", "off", "t", "f"})
_WHOLE = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?")


def _storage_value(key: str, text: str) -> Any:
    """Read a ``--storage-option`` value as the type fsspec expects of it.

    ``true``/``false`` (any case) are booleans, ``none``/``null`` None, whole numbers
    ints and decimals floats; JSON objects, arrays and quoted strings are decoded
    (``client_kwargs={"region_name": "eu-west-1"}``; ``secret='"12345"'`` keeps digits as
    text); anything else is text. s3fs took ``anon=false``, a non-empty string, as true.

    Examples
    --------
    >>> [_storage_value("k", v) for v in ["false", "True", "8", "0.5", "null", "eu"]]
    [False, True, 8, 0.5, None, 'eu']
    >>> _storage_value("k", '{"region_name": "eu-west-1"}'), _storage_value("k", '"7"')
    ({'region_name': 'eu-west-1'}, '7')
    >>> _storage_value("anon", "no")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: anon: write true or false ("no" is text, which fsspec takes as true)
    """
    word = text.strip().lower()
    if word in ("true", "false"):
        return word == "true"
    if word in ("none", "null"):
        return None
    if word in _YES_NO_WORDS:
        raise argparse.ArgumentTypeError(
            f'{key}: write true or false ("{word}" is text, which fsspec takes as true)'
        )
    if _WHOLE.fullmatch(text.strip()):
        return int(text, 10)
    if _DECIMAL.fullmatch(text.strip()):
        return float(text)
    if text.lstrip().startswith(("{", "[", '"')):
        try:
            return json.loads(text)
        except ValueError:  # the value is not repeated: it may be a secret
            raise argparse.ArgumentTypeError(
                f"{key}: a value beginning with {{, [ or a double quote must be JSON"
            ) from None
    return text


def _key_value(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("must be KEY=VALUE (e.g. endpoint_url=http://...)")
    return key, _storage_value(key, value)


def plain_records(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with the values CSV and JSON write: text, numbers, None.

    Timestamps become RFC 3339 UTC text with microseconds and ``Z``; durations become
    seconds (a number); categories become their text; NA becomes None. The same in both
    formats, so that a CSV and a JSON export of one listing say the same thing.

    Examples
    --------
    >>> from pinecone_imports_frame import to_frame
    >>> df = to_frame([{"id": "1", "status": "Completed", "createdAt": "2025-05-01T12:00:00Z",
    ...                 "finishedAt": "2025-05-01T12:01:30Z"}], listed_at="2025-05-02")
    >>> row = plain_records(df).iloc[0]
    >>> row["created_at"], row["duration"], row["status"]
    ('2025-05-01T12:00:00.000000Z', 90.0, 'Completed')
    """
    out = {}
    for name in df.columns:
        col = df[name]
        kind = getattr(col.dtype, "kind", "")  # "M" and "m" for either backend's dtypes
        # In microseconds (the schema's unit), never through strftime or total_seconds:
        # strftime writes year 1 as "1" (pandas 2), total_seconds loses the last
        # microsecond of a long duration (pandas 3).
        values: np.ndarray
        if kind == "M":
            if getattr(col.dt, "tz", None) is not None:
                col = col.dt.tz_convert("UTC").dt.tz_localize(None)
            us = col.to_numpy(dtype="datetime64[us]", na_value=np.datetime64("NaT"))
            values = np.char.add(np.datetime_as_string(us, unit="us"), "Z")
        elif kind == "m":
            ticks = col.to_numpy(dtype="timedelta64[us]", na_value=np.timedelta64("NaT"))
            whole, part = np.divmod(ticks.view("i8"), 1_000_000)
            values = whole.astype("float64") + part / 1_000_000
        else:
            values = col.to_numpy(dtype=object)
        shown = pd.Series(values, index=df.index, dtype=object)
        out[name] = shown.where(col.notna().to_numpy(), None)
    return pd.DataFrame(out, index=df.index)


def _shown(col: pd.Series, show: Callable[[Any], Any]) -> pd.Series:
    """``show`` of each value of ``col`` as an object column; NA stays NA (``<NA>``).

    The dtype is set, not inferred: ``Series.map`` types its result from the values it
    returns, so a column of NA alone (a listing where no import failed) came back as
    float or ``null[pyarrow]``, and depended on the pandas version.
    """
    missing = col.isna().tolist()
    values = [pd.NA if m else show(v) for v, m in zip(col.tolist(), missing, strict=True)]
    return pd.Series(values, index=col.index, dtype=object, name=col.name)


def _is_text(col: pd.Series) -> bool:
    """Whether ``col`` may hold text: strings, categories (``status``) or objects."""
    dtype = col.dtype
    return isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype)) or dtype == np.dtype(object)


def _csv_text(df: pd.DataFrame) -> str:
    """Write ``df`` as CSV that a spreadsheet opens as data, never as formulas.

    Every CSV the command line writes goes through here: a text cell beginning with
    ``=``, ``+``, ``-``, ``@``, a tab or a CR gets a leading ``'`` (:func:`spreadsheet_safe`),
    and every text cell is quoted (OWASP's advice), so that a CR inside one cannot end
    the row and start a formula of its own (Python's csv module before 3.13 left such a
    cell unquoted). Numbers, negative ones included, are written as numbers, unquoted.
    """
    safe = {name: _shown(df[name], spreadsheet_safe) if _is_text(df[name]) else df[name]
            for name in df.columns}  # fmt: skip
    return pd.DataFrame(safe, index=df.index).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)


def _write_table(df: pd.DataFrame, fmt: str, output: str | None) -> None:
    if fmt == "parquet":
        if not output:
            raise ConfigurationError("--format parquet needs --output FILE")
        df.to_parquet(output, index=False)
        print(f"wrote {len(df)} imports to {output}", file=sys.stderr)
        return
    if fmt == "csv":
        text = _csv_text(plain_records(df)).rstrip("\n")
    elif fmt == "json":
        rows = plain_records(df).to_dict(orient="records")
        # ensure_ascii=False and no escaped "/": grep finds s3://... as written.
        text = json.dumps(rows, ensure_ascii=False, indent=1, allow_nan=False)
    else:
        widths = {"id": None, "error": 40}
        text = _table_text(df, _TABLE_COLUMNS, widths=widths) if len(df) else "no imports"
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {len(df)} imports to {output}", file=sys.stderr)
    else:
        _write_stdout(text + "\n")


def _write_stdout(text: str) -> None:
    """Write a file's text (CSV, JSON) to stdout: as it is, but escaped on a terminal.

    Into a pipe or a file the values stay the server's, byte for byte; on a terminal a
    person reads them, and a control character in one would drive the terminal.
    """
    sys.stdout.write(printable_lines(text) if _stdout_is_terminal() else text)


# Indirection so that tests can tell a terminal from a pipe.
def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced by an object without it, or closed
        return False


_LIST_FORMATS = ("table", "csv", "json", "parquet")


def _list_format(given: str | None, output: str | None) -> str:
    """Return the format asked for, else the one the output file's ending names, else table."""
    if given is not None:
        return given
    ending = Path(output).suffix.lower().lstrip(".") if output else ""
    return ending if ending in _LIST_FORMATS and ending != "table" else "table"


def _cmd_list(args: argparse.Namespace) -> int:
    fmt = _list_format(args.format, args.output)  # before the drain: nothing fetched is lost
    df = _read(args)
    _write_table(df, fmt, args.output)
    return _report_fleet(df) if args.all_indexes else 0


def _project(args: argparse.Namespace) -> Any:
    """Build the multi-index emulator of ``--indexes N`` or ``--project FILE`` (or None).

    Messages never quote the file's name: a value typed after the wrong option may be the
    key.
    """
    from .emulator import Project
    from .emulator.layouts import MAX_INDEXES, indexes_from_file, sample_indexes

    if args.indexes is None and args.project is None:
        return None
    if args.indexes is not None and args.project is not None:
        raise ConfigurationError("give --indexes N or --project FILE, not both")
    if args.index_name is not None:
        raise ConfigurationError("--index-name names the single index: drop it for a project")
    if args.indexes is not None and not 1 <= args.indexes <= MAX_INDEXES:
        raise ConfigurationError(f"--indexes must be from 1 to {MAX_INDEXES}")
    try:
        if args.project is not None:
            indexes = indexes_from_file(args.project)
        else:
            indexes = sample_indexes(args.indexes, imports=args.imports, seed=args.seed)
        return Project(
            indexes=indexes, api_key=args.api_key, speed=args.speed, control_port=args.port
        )
    except OSError as exc:
        raise ConfigurationError(f"--project: cannot read the file ({exc.strerror})") from None
    except ValueError as exc:
        raise ConfigurationError(f"--project: {exc}" if args.project else str(exc)) from exc


def _cmd_emulator(args: argparse.Namespace) -> int:
    from .emulator import Emulator, serve
    from .emulator.state import MAX_IMPORTS

    # Ranges say what is accepted, never the value given (it may be the key, misplaced).
    bounds = {"--imports": (args.imports, 0, MAX_IMPORTS), "--port": (args.port, 0, 65_535)}
    for flag, (value, low, high) in bounds.items():
        if not low <= value <= high:
            raise ConfigurationError(f"{flag} must be from {low} to {high}")
    if not 0 <= args.speed <= 525_600:
        raise ConfigurationError("--speed must be from 0 to 525600 simulated seconds per second")
    if not args.api_key:
        raise ConfigurationError("--api-key must not be empty (omit it for 'emulator-key')")
    project = _project(args)
    if project is not None:
        serve(project)
        return 0
    try:
        emulator = Emulator(
            port=args.port,
            imports=args.imports,
            seed=args.seed,
            api_key=args.api_key,
            index_name=args.index_name or "emulator-index",
            speed=args.speed,
        )
    except ValueError as exc:  # a setting the emulator refuses (index name, key characters)
        raise ConfigurationError(str(exc)) from exc
    serve(emulator)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .emulator import Emulator
    from .loader import read_imports
    from .trends import summary_text

    out = Path(args.out_dir) if args.out_dir else Path(tempfile.mkdtemp(prefix="pif-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    with Emulator(imports=args.imports, seed=args.seed) as emu:
        print(
            f"local emulator of the Pinecone imports API at {emu.url} "
            f"({args.imports} synthetic imports)"
        )
        started = time.perf_counter()
        df = read_imports(
            emu.url,
            api_key=emu.api_key,
            index_name=emu.index_name,
            progress=args.progress,
        )
        took = time.perf_counter() - started
    print(f"read {len(df)} imports in {took:.2f} s\n")
    print(summary_text(df))
    path = out / "imports.parquet"
    df.to_parquet(path, index=False)
    print(f"\nthe frame is in {path}  (pandas.read_parquet({str(path)!r}))")
    return 0


def _storage_options(args: argparse.Namespace) -> dict[str, Any] | None:
    options: dict[str, Any] = dict(args.storage_option or [])  # pairs, typed by _key_value
    return options or None


# Indirections so that tests run a polling schedule without waiting for it.
_clock = time.monotonic
_sleep = time.sleep


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from .errors import SnapshotError
    from .snapshots import check_destination, write_snapshot

    options = _storage_options(args)
    try:
        check_destination(args.to, storage_options=options)  # a wrong lake fails at once
    except SnapshotError as exc:
        if exc.permanent or args.every is None:
            raise
        # The store is down for now (unreachable, throttled): each poll will try again.
        logger.warning("the lake is not reachable yet, polling anyway: %s", exc)

    def once() -> None:
        if args.all_indexes:  # one snapshot per index, written as each index finishes
            df = _read(args, snapshot_to=args.to, storage_options=options)
            _report_fleet(df)
            hosts = df["index_host"].nunique()
            print(f"{len(df)} imports of {hosts} indexes -> {printable(args.to)}", flush=True)
            return
        df = _read(args)
        path = write_snapshot(df, args.to, storage_options=options)
        listed = df.attrs.get("listed_at") or ""
        print(f"{printable(listed[:19])}Z  {len(df)} imports -> {printable(path)}", flush=True)
        if args.compact_after is not None:
            from .snapshots import compact_snapshots

            done = compact_snapshots(
                args.to,
                older_than=args.compact_after,
                index_host=df.attrs.get("index_host") or None,
                storage_options=options,
            )
            for row in done.itertuples():
                print(f"compacted {row.files_before} files of {row.date} -> {printable(row.path)}")

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
            f"pinecone-imports: error: the last poll failed: {printable(str(failed))}",
            file=sys.stderr,
        )
        return 1
    return 0


def _cmd_watch(args: argparse.Namespace) -> int:
    from . import watch

    def line(event: watch.WatchEvent) -> None:
        from ._progress import write

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
    if fleet is not None:
        history = watch.watch_project_imports(**fleet, **common)
        _report_fleet(history)
    else:
        history = watch.watch_imports(args.host, **_connection(args), **common)
    info = history.attrs.get("watch", {})
    started = info.get("running_at_start", 0)
    polls = f"{info.get('polls', 0)} polls"
    if info.get("stopped") == "done":
        print(f"all {started} imports running at the start have ended ({polls})")
        return 0
    _print_running(history)
    if info.get("stopped") == "interrupted":
        print(f"interrupted ({polls})", file=sys.stderr)
        return 130
    print(f"stopped after --until {args.until} ({polls})")
    return 0


def _table_text(
    df: pd.DataFrame,
    columns: list[str],
    *,
    width: int | None = 60,
    widths: dict[str, int | None] | None = None,
) -> str:
    """Format ``columns`` of ``df`` as a table for the terminal, server text escaped and cut.

    Every text cell (strings, categories such as ``status``, objects) and every header (a
    status column is named by the server) goes through :func:`printable`; text is cut to
    ``width`` characters, or to ``widths[name]`` (None: not cut); a tuple shows its length.
    """
    view = df[columns].copy()
    for name in columns:
        if _is_text(view[name]):
            cut = (widths or {}).get(name, width)

            def show(value: Any, cut: int | None = cut) -> Any:
                return len(value) if isinstance(value, tuple) else printable(value)[:cut]

            view[name] = _shown(view[name], show)
    view.columns = pd.Index([printable(c) for c in columns], dtype=object)
    return view.to_string(index=False, max_rows=None)


def _print_running(history: pd.DataFrame) -> None:
    from .trends import estimate_completion

    running = estimate_completion(history)
    if not len(running):
        print("no imports running at the last listing")
        return
    print(f"running at the last listing ({len(running)}):")
    columns = ["id", "status", "phase", "percent_complete", "records_per_second", "eta"]
    columns += ["time_left", "indexing_for", "reason"]
    if running["index_host"].nunique() > 1:
        columns.insert(0, "index_host")
    print(_table_text(running, columns))


def _read_lake(
    args: argparse.Namespace, *functions: str, extra: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Read the lake's history: only the columns the given trends functions need."""
    from .report._lake import read_lake
    from .trends import COLUMNS_NEEDED

    return read_lake(
        args.root,
        index_host=args.index_host,
        since=args.since,
        until=args.until,
        columns=sorted({c for name in functions for c in COLUMNS_NEEDED[name]} | set(extra)),
        storage_options=_storage_options(args),
    )


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import COLUMNS_NEEDED, report

    history = _read_lake(args, extra=COLUMNS_NEEDED)  # the indexes' names too
    page = report(history, title=args.title)
    Path(args.output).write_text(page, encoding="utf-8")
    from .report._lake import count_listings

    listings = count_listings(history)
    print(f"wrote {args.output} ({listings} listings, {len(page) // 1024:,} KiB)")
    return 0


def _cmd_trends(args: argparse.Namespace) -> int:
    from .trends import failures, status_timeline

    history = _read_lake(args, "status_timeline", "estimate_completion", "failures")
    if not len(history):
        print(
            f"no snapshots under {args.root}"
            + (" in that window" if args.since or args.until else "")
        )
        return 0
    timeline = status_timeline(history)
    shown = timeline.tail(args.listings)
    more = f", the latest {len(shown)}" if len(timeline) > len(shown) else ""
    print(f"status timeline ({len(timeline)} listings{more}):")
    columns = [c for c in timeline.columns if c != "index_host"]
    if timeline["index_host"].nunique() > 1:
        columns.insert(0, "index_host")
    print(_table_text(shown, columns))
    print()
    _print_running(history)
    print()
    table = failures(history)
    if not len(table):
        print("no failed imports")
        return 0
    print(f"failures ({int(table['imports'].sum())} imports):")
    columns = ["problem", "error_category", "imports", "retry_traps", "last_finished_at"]
    print(_table_text(table, [*columns, "message"]))
    return 0


def _cmd_snapshots(args: argparse.Namespace) -> int:
    from .snapshots import list_snapshots

    inventory = list_snapshots(args.root, storage_options=_storage_options(args))
    if args.format == "csv":
        _write_stdout(_csv_text(inventory))
    elif len(inventory):
        columns = list(inventory.columns)
        sys.stdout.write(_table_text(inventory, columns, width=None) + "\n")
    else:
        print(f"no snapshots under {printable(args.root)}")
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
    from .snapshots import list_snapshots

    options = _storage_options(args)
    plan = run(dry_run=True)
    snapshots = list_snapshots(args.root, storage_options=options)
    kept = int((snapshots["file_status"] == "ok").sum()) - int((plan["file_status"] == "ok").sum())
    verb = "would remove" if args.dry_run else "will remove"
    print(f"{_describe(plan, verb)}; {kept} snapshots stay{what}")
    for path in plan["path"]:
        print(f"  {printable(path)}")
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
    from .snapshots import compact_snapshots

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
        into = "" if args.dry_run else f" -> {printable(row.path)}"
        print(f"  {printable(row.index_host)} {row.date}: {row.files_before} files{into}")
    return 0


def _cmd_prune(args: argparse.Namespace) -> int:
    from .snapshots import prune_snapshots

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


def _add_storage(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--storage-option",
        action="append",
        type=_key_value,
        metavar="KEY=VALUE",
        help="fsspec storage option for s3:// gs:// az:// roots (repeatable); true, false, "
        'null, numbers and JSON ({...}, [...], "text") are read as such, e.g. anon=false',
    )


def _add_lake_root(p: argparse.ArgumentParser) -> None:
    """Add the lake the command reads or changes, and the options that reach its storage."""
    p.add_argument("root", metavar="ROOT", help="the lake: a local folder or s3:// gs:// az://")
    _add_storage(p)


def _add_lake_window(p: argparse.ArgumentParser) -> None:
    _add_lake_root(p)
    p.add_argument("--index-host", help="only this index's snapshots")
    p.add_argument("--since", type=_time, help="only listings at or after this time (UTC)")
    p.add_argument("--until", type=_time, help="only listings before this time (UTC)")


def _common_options(*, top: bool) -> _Parser:
    """``--verbose`` and ``--no-progress``, accepted before and after the sub-command."""
    common = _Parser(add_help=False)
    # Defaults only on the top level: a sub-command's SUPPRESS keeps what was set before it.
    default: Any = argparse.SUPPRESS
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top else default,
        help="DEBUG logging to stderr",
    )
    common.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None if top else default,
        help="progress bars (default: on in a terminal)",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``pinecone-imports``.

    Examples
    --------
    >>> args = build_parser().parse_args(["list", "--host", "h", "--no-progress", "-v"])
    >>> args.progress, args.verbose
    (False, True)
    """
    parser = _Parser(
        prog="pinecone-imports",
        description="Pinecone bulk imports as typed tables: list, snapshot, emulate.",
        parents=[_common_options(top=True)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = _common_options(top=False)
    subparsers = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    class _Sub:
        def add_parser(
            self, name: str, run: Callable[[argparse.Namespace], int], *, help: str
        ) -> argparse.ArgumentParser:
            """Add the command ``name``, run by ``run(args)``."""
            command = subparsers.add_parser(name, help=help, parents=[common])
            command.set_defaults(func=run)
            return command

    sub = _Sub()

    p = sub.add_parser(
        "list", _cmd_list, help="list an index's imports as a table, CSV, JSON or Parquet"
    )
    _add_connection(p)
    _add_fleet(p)
    p.add_argument(
        "--format",
        choices=_LIST_FORMATS,
        help="table (default), csv, json or parquet; with --output, its ending picks it "
        "(.csv, .json, .parquet) unless given",
    )
    p.add_argument("--output", "-o", help="write to this file instead of stdout")

    p = sub.add_parser(
        "demo", _cmd_demo, help="drain a local emulator and summarise it (no key, no network)"
    )
    p.add_argument("--imports", type=_int_in(0, 1_000_000, "imports"), default=2500)
    p.add_argument("--seed", type=_int_in(0, 2**63 - 1, "seed"), default=0)
    p.add_argument("--out-dir", help="where to write the frame (default: a new temp folder)")

    p = sub.add_parser(
        "snapshot", _cmd_snapshot, help="write the listing as a Parquet snapshot into a lake"
    )
    _add_connection(p)
    _add_fleet(p)
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

    p = sub.add_parser("watch", _cmd_watch, help="follow the running imports live until they end")
    _add_connection(p)
    _add_fleet(p)
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

    p = sub.add_parser(
        "trends", _cmd_trends, help="status timeline, running imports and failures of a lake"
    )
    _add_lake_window(p)
    p.add_argument(
        "--listings",
        type=_int_in(1, 10**6, "listings"),
        default=24,
        metavar="N",
        help="show the latest N listings of the timeline (default 24)",
    )

    p = sub.add_parser(
        "report", _cmd_report, help="one self-contained HTML report of a lake's trends"
    )
    _add_lake_window(p)
    p.add_argument("--output", "-o", required=True, metavar="FILE", help="e.g. imports.html")
    p.add_argument(
        "--title", type=_argument_text, default="Pinecone bulk imports", help="the page's title"
    )

    p = sub.add_parser(
        "snapshots", _cmd_snapshots, help="list the snapshots in a lake (metadata only)"
    )
    _add_lake_root(p)
    p.add_argument("--format", choices=["table", "csv"], default="table")

    p = sub.add_parser("prune", _cmd_prune, help="delete whole snapshots by age or count")
    _add_lake_root(p)
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

    p = sub.add_parser(
        "compact", _cmd_compact, help="merge each day's snapshots of an index into one file"
    )
    _add_lake_root(p)
    p.add_argument(
        "--older-than", type=_duration, default="1d", metavar="AGE", help="days this old (1d)"
    )
    p.add_argument("--index-host", action="append", metavar="HOST", help="only this index")
    p.add_argument("--dry-run", action="store_true", help="say what would merge, change nothing")

    from .monitoring._commands import add_check_command, add_metrics_command

    add_metrics_command(sub)
    add_check_command(sub)

    p = sub.add_parser(
        "emulator", _cmd_emulator, help="serve the local imports API until interrupted"
    )
    p.add_argument(
        "--port",
        type=_whole("port"),
        default=0,
        help="0 picks a free port (a project's: its control plane's)",
    )
    p.add_argument("--imports", type=_whole("imports"), default=250)
    p.add_argument("--seed", type=_whole("seed"), default=0)
    p.add_argument("--api-key", default="emulator-key")
    p.add_argument("--index-name", help="the single index's name (default emulator-index)")
    p.add_argument(
        "--indexes",
        type=_whole("indexes"),
        metavar="N",
        help="a project of N indexes behind a control plane: serverless, pod-based, BYOC, "
        "one not ready, a document index...",
    )
    p.add_argument(
        "--project",
        metavar="FILE",
        help='a project from a JSON file: {"indexes": [{"name": "prod", "imports": 500, '
        '"deployment": "byoc", "private_host": true}, ...]}',
    )
    p.add_argument(
        "--speed",
        type=_number("speed"),
        default=0.0,
        help="simulated seconds per real second (0: the clock stands still; 600: 10 min/s)",
    )
    return parser


@contextlib.contextmanager
def _console() -> Iterator[None]:
    """Let stdout and stderr write what their encoding cannot, as backslash escapes.

    A console in ASCII or Latin-1 (``LC_ALL=C``, ``PYTHONIOENCODING=ascii``) once ended
    a listing with non-ASCII text in a ``UnicodeEncodeError`` traceback; a lone surrogate
    (bytes of a file name the locale cannot decode) did the same on a strict console.
    """
    changed = []
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)
        if errors in ("strict", "surrogateescape") and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
            changed.append((stream, errors))
    try:
        yield
    finally:
        for stream, errors in changed:
            with contextlib.suppress(ValueError, OSError):  # closed meanwhile
                stream.reconfigure(errors=errors)


def _argument_text(text: str) -> str:
    """Take a text argument whole: bytes the locale could not decode become U+FFFD.

    Under a C or POSIX locale, Python keeps an argument's undecodable bytes as lone
    surrogates, which no UTF-8 file can hold (a ``--title`` ended in a traceback).
    """
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return os.fsencode(text).decode("utf-8", "replace")


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    """Show a warning as one escaped line on stderr, as the command's other messages."""
    print(f"pinecone-imports: warning: {printable(str(message))}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pinecone-imports``; returns the exit code."""
    with _console(), warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # The package's own handler (not basicConfig, which is a no-op once anything else has
    # configured logging): warnings as "pinecone-imports: ..." lines, DEBUG with --verbose.
    # Every line escaped: log messages quote server text (error bodies, names, fields).
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        PrintableFormatter(
            "%(levelname)s %(name)s: %(message)s"
            if args.verbose
            else "pinecone-imports: %(message)s"
        )
    )
    loggers = [logging.getLogger("pinecone_imports_frame")]
    if args.verbose:
        loggers.append(logging.getLogger("urllib3"))
    levels = [log.level for log in loggers]
    for log in loggers:
        log.addHandler(handler)
        log.setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except ConfigurationError as exc:
        print(f"pinecone-imports: error: {printable(str(exc))}", file=sys.stderr)
        return 2
    except PineconeImportsError as exc:
        partial = getattr(exc, "partial", None)
        extra = f" ({len(partial)} imports were read before it)" if partial is not None else ""
        print(f"pinecone-imports: error: {printable(str(exc))}{extra}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pinecone-imports: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # "pinecone-imports list | head": the reader left; end quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:
        print(f"pinecone-imports: error: {printable(str(exc))}", file=sys.stderr)
        return 1
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.removeHandler(handler)
            log.setLevel(level)


if __name__ == "__main__":
    sys.exit(main())
