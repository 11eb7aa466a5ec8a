"""``pinecone-imports emulator``: serve the local imports API until interrupted."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import ConfigurationError
from ._args import _number, _whole
from ._common import listening
from ._parser import Command


def _project(args: argparse.Namespace) -> Any:
    """Build the multi-index emulator of ``--indexes N`` or ``--project FILE`` (or None).

    Messages never quote the file's name: a value typed after the wrong option may be the
    key.
    """
    from ..emulator import Project
    from ..emulator.layouts import MAX_INDEXES, indexes_from_file, sample_indexes

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
    from ..emulator import Emulator, serve
    from ..emulator.state import MAX_IMPORTS

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
        with listening(bind="127.0.0.1", port=args.port):  # the control plane's port
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
    with listening(bind="127.0.0.1", port=args.port):
        serve(emulator)
    return 0


def _emulator_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports emulator`` that are its own."""
    p.add_argument(
        "--port",
        type=_whole("port"),
        default=0,
        help="0 picks a free port (a project's: its control plane's)",
    )
    p.add_argument(
        "--imports",
        type=_whole("imports"),
        default=250,
        help="synthetic imports of the index (default 250; each index's with --indexes)",
    )
    p.add_argument(
        "--seed", type=_whole("seed"), default=0, help="the same seed serves the same imports"
    )
    p.add_argument(
        "--api-key",
        default="emulator-key",
        help="the key it accepts (default emulator-key); it prints it",
    )
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


#: ``pinecone-imports emulator``: what runs it, its options.
EMULATOR = Command(_cmd_emulator, _emulator_options)
