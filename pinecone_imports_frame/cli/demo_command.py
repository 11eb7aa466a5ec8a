"""``pinecone-imports demo``: drain a local emulator and summarise it."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ._args import _int_in
from ._common import add_progress
from ._parser import Command


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..emulator import Emulator
    from ..loader import read_imports
    from ..trends import summary_text

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


def _demo_options(p: argparse.ArgumentParser) -> None:
    """Add the options of ``pinecone-imports demo`` that are its own."""
    p.add_argument(
        "--imports",
        type=_int_in(0, 1_000_000, "imports"),
        default=2500,
        help="synthetic imports to serve (default 2500)",
    )
    p.add_argument(
        "--seed",
        type=_int_in(0, 2**63 - 1, "seed"),
        default=0,
        help="the same seed makes the same imports (default 0)",
    )
    p.add_argument("--out-dir", help="where to write the frame (default: a new temp folder)")


#: ``pinecone-imports demo``: what runs it, its options.
DEMO = Command(_cmd_demo, _demo_options, (add_progress,))
