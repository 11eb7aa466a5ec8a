"""Options and steps several commands share: connection, fleet, lake, storage."""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import logging
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd

from .._text import printable
from ..config import (
    API_VERSIONS,
    DEFAULT_API_VERSION,
    DEFAULT_MAX_RETRIES,
    DEFAULT_PAGE_SIZE,
    DEFAULT_TIMEOUT,
    MAX_PAGE_SIZE,
)
from ..errors import ConfigurationError, FleetWarning
from ._args import _api_version, _int_in, _key_value, _Parser, _seconds, said
from ._lake_window import lake_time, lake_window

logger = logging.getLogger(__name__)


def _add_connection(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("connection (else PINECONE_INDEX_HOST / PINECONE_API_KEY)")
    g.add_argument("--host", help="index host as the console shows it, or a URL")
    g.add_argument(
        "--index-name",
        help="index name, resolved to its host via the control plane; with --host, only the "
        "name its rows carry (not checked against the control plane)",
    )
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
        "--max-retries",
        type=_int_in(0, 100, "max retries"),
        default=DEFAULT_MAX_RETRIES,
        help=f"retries of a failed request, 0-100 (default {DEFAULT_MAX_RETRIES})",
    )
    # The connection's two flags (config._FLAGS), off unless given.
    for flag, dest, text in (
        ("--allow-insecure", "allow_insecure", "allow plain http to a non-loopback host"),
        (
            "--private-host",
            "use_private_host",
            "reach indexes looked up through the control plane at their private endpoint",
        ),
    ):
        g.add_argument(flag, dest=dest, action="store_true", help=text)
    g.add_argument(
        "--api-version",
        type=_api_version,
        default=DEFAULT_API_VERSION,
        metavar="VERSION",
        help=f"Pinecone API version to ask for: {', '.join(API_VERSIONS)} (default "
        f"{DEFAULT_API_VERSION}); a newer one is sent as given",
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
            f"({item['rows_kept']} imports kept): {said(item['message'])}",
            file=sys.stderr,
        )
    return 1 if errors else 0


def _read(args: argparse.Namespace, **extra: Any) -> pd.DataFrame:
    from ..loader import read_imports

    fleet = _fleet_arguments(args, verb="lists")
    if fleet is not None:
        from ..fleet import read_project_imports

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


def _storage_options(args: argparse.Namespace) -> dict[str, Any] | None:
    options: dict[str, Any] = dict(args.storage_option or [])  # pairs, typed by _key_value
    return options or None


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
    p.add_argument(
        "--index-host",
        metavar="HOST",
        help="only this index: its host as the lake's index_host= folders name it, or the "
        "index name its snapshots carry",
    )
    p.add_argument(
        "--since",
        type=lake_time,
        metavar="TIME",
        help="only listings at or after this time: UTC (2026-12-01T18:00Z), or an age before "
        "the newest listing of the lake (of --index-host's), not before now (7d, 36h)",
    )
    p.add_argument(
        "--until",
        type=lake_time,
        metavar="TIME",
        help="only listings before this time: UTC (2026-12-01), or an age before the newest "
        "listing (7d, 36h, 90m)",
    )


def _read_lake(args: argparse.Namespace) -> pd.DataFrame:
    """Read the lake's history as runs (a compacted day is never expanded into listings).

    An age given to ``--since``/``--until`` counts back from the newest listing of the
    indexes chosen (:func:`~._lake_window.lake_window`).
    """
    from ..report._lake import read_lake

    storage = _storage_options(args)
    hosts, since, until = lake_window(
        args.root,
        index_host=args.index_host,
        since=args.since,
        until=args.until,
        storage_options=storage,
    )
    args.since, args.until = since, until  # as read: None for ages over a lake without listings
    return read_lake(
        args.root,
        index_host=None if hosts is None else sorted(hosts),
        since=since,
        until=until,
        storage_options=storage,
    )


def _common_options(*, top: bool) -> _Parser:
    """``--verbose``, accepted before and after the sub-command; ``--progress`` before it."""
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
    if top:  # the commands that draw bars take it after their name too (add_progress)
        common.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="progress bars of list, snapshot, watch and demo (default: on in a terminal)",
        )
    return common


def add_progress(p: argparse.ArgumentParser) -> None:
    """Add ``--progress``/``--no-progress`` to a command that draws progress bars."""
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=argparse.SUPPRESS,  # keeps what was given before the command's name
        help="progress bars (default: on in a terminal)",
    )


#: The options of a command that lists an index, or every index of a project.
LISTING = (add_progress, _add_connection, _add_fleet)


@contextlib.contextmanager
def listening(*, bind: str, port: int) -> Iterator[None]:
    """Say which address a server could not listen on, and what to do, as one line.

    An ``OSError`` of binding ``bind:port`` (in use, not this machine's, not allowed)
    becomes a :class:`ConfigurationError` naming the address; it said ``[Errno 98]
    Address already in use``, no port named. ``bind`` is shown only if it is an address
    (a value typed after the wrong option may be the key); the port is a number.

    Examples
    --------
    >>> import errno
    >>> with listening(bind="127.0.0.1", port=9464):
    ...     raise OSError(errno.EADDRINUSE, "Address already in use")
    Traceback (most recent call last):
    ...
    pinecone_imports_frame.errors.ConfigurationError: 127.0.0.1:9464 is in use (another server listens on it): pick another --port, or --port 0 for a free one
    """  # noqa: E501
    try:
        yield
    except OSError as exc:
        try:
            shown = str(ipaddress.ip_address(bind))
        except ValueError:
            shown = "the --bind address"
        where = f"[{shown}]:{port}" if ":" in shown else f"{shown}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"{where} is in use (another server listens on it): pick another --port, "
                "or --port 0 for a free one"
            ) from exc
        if exc.errno == errno.EADDRNOTAVAIL:
            raise ConfigurationError(
                f"cannot listen on {where}: {shown} is not an address of this machine; "
                "give --bind one of its own (127.0.0.1: this machine only, 0.0.0.0: all)"
            ) from exc
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise ConfigurationError(
                f"cannot listen on {where}: not allowed (ports under 1024 need privileges): "
                "pick --port 1024 or above, or --port 0 for a free one"
            ) from exc
        raise
