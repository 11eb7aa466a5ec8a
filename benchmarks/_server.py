"""The emulator in its own process: ``python _server.py IMPORTS SEED API_KEY``.

Prints its base URL as the first line of stdout, then reads commands from stdin, one a line:
``latency SECONDS`` (answers ``ok``); end of input stops it. The simulated clock is fixed,
so every drain of one server sees the same imports.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone

from pinecone_imports_frame.emulator import Emulator

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def main() -> None:
    imports, seed, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    with Emulator(imports=imports, seed=seed, api_key=key, now=NOW) as emu:
        print(emu.url, flush=True)
        for line in sys.stdin:
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "latency":
                emu.set_latency(float(arg))
                print("ok", flush=True)
            elif cmd:
                print(f"unknown command {cmd!r}", flush=True)


if __name__ == "__main__":
    main()
