"""The ``pinecone-imports`` command: list, demo, emulator, snapshot, snapshots, prune.

Errors reach the user as one line on stderr and a non-zero exit (2 for bad arguments or
configuration, 1 for everything else), never a traceback; ``--verbose`` shows DEBUG logs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ._version import __version__
from .config import parse_duration, parse_interval
from .errors import ConfigurationError, PineconeImportsError
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


def _add_connection(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("connection (else PINECONE_INDEX_HOST / PINECONE_API_KEY)")
    g.add_argument("--host", help="index host as the console shows it, or a URL")
    g.add_argument("--index-name", help="index name, resolved to its host via the control plane")
    g.add_argument("--api-key", help="API key (prefer the PINECONE_API_KEY variable)")
    g.add_argument("--page-size", type=int, default=100, help="imports per request, 1-100")
    g.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    g.add_argument("--max-retries", type=int, default=5)
    g.add_argument(
        "--allow-insecure", action="store_true", help="allow plain http to a non-loopback host"
    )


def _read(args: argparse.Namespace, **extra: Any) -> pd.DataFrame:
    from .loader import read_imports

    return read_imports(
        args.host,
        api_key=args.api_key,
        index_name=args.index_name,
        page_size=args.page_size,
        timeout=args.timeout,
        max_retries=args.max_retries,
        allow_insecure=args.allow_insecure,
        progress=None,
        **extra,
    )


def _duration(text: str) -> pd.Timedelta:
    try:
        return parse_duration(text, what="AGE")
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _interval(text: str) -> pd.Timedelta:
    try:
        return parse_interval(text, what="PERIOD")
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _write_table(df: pd.DataFrame, fmt: str, output: str | None) -> None:
    if fmt == "parquet":
        if not output:
            raise ConfigurationError("--format parquet needs --output FILE")
        df.to_parquet(output, index=False)
        print(f"wrote {len(df)} imports to {output}", file=sys.stderr)
        return
    if fmt == "csv":
        text = df.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
    elif fmt == "json":
        text = df.to_json(orient="records", date_format="iso", date_unit="us", indent=1) or ""
    else:
        view = df[_TABLE_COLUMNS].copy()
        view["error"] = view["error"].str.slice(0, 40)
        text = view.to_string(index=False, max_rows=None) if len(view) else "no imports"
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {len(df)} imports to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text + "\n")


def _cmd_list(args: argparse.Namespace) -> int:
    _write_table(_read(args), args.format, args.output)
    return 0


def _cmd_emulator(args: argparse.Namespace) -> int:
    from .emulator import serve

    serve(
        port=args.port,
        imports=args.imports,
        seed=args.seed,
        api_key=args.api_key,
        index_name=args.index_name,
    )
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
            progress=None if args.progress is None else args.progress,
        )
        took = time.perf_counter() - started
    print(f"read {len(df)} imports in {took:.2f} s\n")
    print(summary_text(df))
    path = out / "imports.parquet"
    df.to_parquet(path, index=False)
    print(f"\nthe frame is in {path}  (pandas.read_parquet({str(path)!r}))")
    return 0


def _storage_options(args: argparse.Namespace) -> dict[str, Any] | None:
    options: dict[str, Any] = {}
    for item in args.storage_option or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigurationError(
                f"--storage-option {item!r} is not KEY=VALUE (e.g. endpoint_url=http://...)"
            )
        options[key] = value
    return options or None


# Indirections so that tests run a polling schedule without waiting for it.
_clock = time.monotonic
_sleep = time.sleep


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from .snapshots import check_destination, write_snapshot

    options = _storage_options(args)
    check_destination(args.to, storage_options=options)  # a wrong lake fails at once

    def once() -> None:
        df = _read(args)
        path = write_snapshot(df, args.to, storage_options=options)
        listed = df.attrs.get("listed_at") or ""
        print(f"{listed[:19]}Z  {len(df)} imports -> {path}", flush=True)

    if args.every is None:
        once()
        return 0
    # Until interrupted (or --count polls): transient failures are logged once and retried
    # at the next tick, a permanent one ends the command with its error.
    for _ in poll(once, interval=args.every, max_polls=args.count, clock=_clock, sleep=_sleep):
        pass
    return 0


def _cmd_snapshots(args: argparse.Namespace) -> int:
    from .snapshots import list_snapshots

    inventory = list_snapshots(args.root, storage_options=_storage_options(args))
    if args.format == "csv":
        sys.stdout.write(inventory.to_csv(index=False))
    elif len(inventory):
        sys.stdout.write(inventory.to_string(index=False) + "\n")
    else:
        print(f"no snapshots under {args.root}")
    return 0


def _cmd_prune(args: argparse.Namespace) -> int:
    from .snapshots import prune_snapshots

    if args.older_than is None and args.keep_last is None:
        raise ConfigurationError("prune needs --older-than AGE (e.g. 30d) or --keep-last N")
    removed = prune_snapshots(
        args.root,
        older_than=args.older_than,
        keep_last=args.keep_last,
        dry_run=args.dry_run,
        storage_options=_storage_options(args),
    )
    verb = "would remove" if args.dry_run else "removed"
    rows = int(removed["rows"].sum()) if len(removed) else 0
    print(f"{verb} {len(removed)} snapshots ({rows} rows)")
    for path in removed["path"] if len(removed) else []:
        print(f"  {path}")
    return 0


def _add_storage(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--storage-option",
        action="append",
        metavar="KEY=VALUE",
        help="fsspec storage option for s3:// gs:// az:// roots (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``pinecone-imports``."""
    parser = argparse.ArgumentParser(
        prog="pinecone-imports",
        description="Pinecone bulk imports as typed tables: list, snapshot, emulate.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="DEBUG logging to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list an index's imports as a table, CSV, JSON or Parquet")
    _add_connection(p)
    p.add_argument("--format", choices=["table", "csv", "json", "parquet"], default="table")
    p.add_argument("--output", "-o", help="write to this file instead of stdout")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("demo", help="drain a local emulator and summarise it (no key, no network)")
    p.add_argument("--imports", type=int, default=2500)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", help="where to write the frame (default: a new temp folder)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None)
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("snapshot", help="write the listing as a Parquet snapshot into a lake")
    _add_connection(p)
    p.add_argument("--to", required=True, metavar="ROOT", help="local folder or s3:// gs:// az://")
    p.add_argument(
        "--every",
        type=_interval,
        metavar="PERIOD",
        help="keep taking one every PERIOD (e.g. 5m, or seconds) until interrupted",
    )
    p.add_argument("--count", type=int, metavar="N", help="with --every: stop after N snapshots")
    _add_storage(p)
    p.set_defaults(func=_cmd_snapshot)

    p = sub.add_parser("snapshots", help="list the snapshots in a lake (metadata only)")
    p.add_argument("root", metavar="ROOT")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    _add_storage(p)
    p.set_defaults(func=_cmd_snapshots)

    p = sub.add_parser("prune", help="delete whole snapshots by age or count")
    p.add_argument("root", metavar="ROOT")
    p.add_argument("--older-than", type=_duration, metavar="AGE", help="e.g. 30d, 12h")
    p.add_argument("--keep-last", type=int, metavar="N", help="keep the newest N per index")
    p.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    _add_storage(p)
    p.set_defaults(func=_cmd_prune)

    p = sub.add_parser("emulator", help="serve the local imports API until interrupted")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--imports", type=int, default=250)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--api-key", default="emulator-key")
    p.add_argument("--index-name", default="emulator-index")
    p.set_defaults(func=_cmd_emulator)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pinecone-imports``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # The package's own handler (not basicConfig, which is a no-op once anything else has
    # configured logging): warnings as "pinecone-imports: ..." lines, DEBUG with --verbose.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
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
        print(f"pinecone-imports: error: {exc}", file=sys.stderr)
        return 2
    except PineconeImportsError as exc:
        partial = getattr(exc, "partial", None)
        extra = f" ({len(partial)} imports were read before it)" if partial is not None else ""
        print(f"pinecone-imports: error: {exc}{extra}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pinecone-imports: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"pinecone-imports: error: {exc}", file=sys.stderr)
        return 1
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.removeHandler(handler)
            log.setLevel(level)


if __name__ == "__main__":
    sys.exit(main())
