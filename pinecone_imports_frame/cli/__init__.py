"""``pinecone-imports``: list, demo, snapshot, watch, trends, report, snapshots, prune, compact...

(and metrics, check, emulator).

Errors reach the user as one line on stderr and a non-zero exit (2 for bad arguments or
configuration, 1 for everything else), never a traceback; ``--verbose`` shows DEBUG logs.
One module per command group (``*_command.py``); the exporter is ``_export``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from .._progress import transient_bars
from .._text import not_for_python
from ..errors import ConfigurationError, PineconeImportsError
from ._args import ShellFormatter

# What the monitoring commands and the package's users reach through ``cli``.
from ._args import _duration as _duration
from ._args import _interval as _interval
from ._args import _seconds as _seconds
from ._args import said as said
from ._common import _add_connection as _add_connection
from ._common import _add_fleet as _add_fleet
from ._common import _add_storage as _add_storage
from ._common import _connection as _connection
from ._common import _fleet_arguments as _fleet_arguments
from ._common import _storage_options as _storage_options
from ._export import plain_records as plain_records
from ._parser import build_parser as build_parser


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


def _show_warning(message: Warning | str, *args: Any, **kwargs: Any) -> None:
    """Show a warning as one escaped line on stderr, as the command's other messages."""
    print(f"pinecone-imports: warning: {said(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``pinecone-imports``; returns the exit code."""
    # A finished listing's bar vanishes: a table or a result line follows (snapshot --every
    # stacked one a poll).
    with _console(), warnings.catch_warnings(), transient_bars():
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
        ShellFormatter(
            "%(levelname)s %(name)s: %(message)s"
            if args.verbose
            else "pinecone-imports: %(message)s"
        )
    )
    handler.addFilter(not_for_python)  # "... in pinecone_imports_frame.last_partial()"
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
        print(f"pinecone-imports: error: {said(exc)}", file=sys.stderr)
        return 2
    except PineconeImportsError as exc:
        partial = getattr(exc, "partial", None)
        extra = f" ({len(partial)} imports were read before it)" if partial is not None else ""
        print(f"pinecone-imports: error: {said(exc)}{extra}", file=sys.stderr)
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
        print(f"pinecone-imports: error: {said(exc)}", file=sys.stderr)
        return 1
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.removeHandler(handler)
            log.setLevel(level)
