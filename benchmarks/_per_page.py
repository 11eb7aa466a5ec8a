"""The client's CPU per page: ``python _per_page.py URL API_KEY [REPEATS]``.

Drains the emulator at URL (``_server.py`` in another process, so its CPU is not counted)
``REPEATS`` times after a warm-up, with one ``ApiClient`` following ``pagination.next``,
and prints one JSON line: the client's CPU (``time.process_time``) per page for the whole
``get_json`` (transport, decompression, redaction, JSON), and for the JSON decoding alone
of a full page, so that the difference is what the transport costs. Run it with another
checkout first on ``PYTHONPATH`` (from this directory) to compare two transports on the
same emulator.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any


def measure(url: str, key: str, repeats: int) -> dict[str, Any]:
    import pinecone_imports_frame as pif
    from pinecone_imports_frame import _json
    from pinecone_imports_frame.client import ApiClient
    from pinecone_imports_frame.config import ApiKey, normalize_host

    per_page: list[float] = []
    first = b""
    pages = 0
    with ApiClient(normalize_host(url), api_key=ApiKey(key)) as client:
        for rep in range(repeats + 1):  # the first drain warms up
            pages = 0
            params: dict[str, Any] = {"limit": 100}
            t0 = time.process_time()
            while True:
                page = client.get_json("/bulk/imports", params)
                pages += 1
                if not first:
                    first = json.dumps(page).encode()
                token = (page.get("pagination") or {}).get("next")
                if not token:
                    break
                params["paginationToken"] = token
            if rep:
                per_page.append((time.process_time() - t0) / pages)
    # A full page (the first) decoded again and again: the JSON decoding alone.
    loops = 500
    t0 = time.process_time()
    for _ in range(loops):
        _json.loads(first)
    json_us = (time.process_time() - t0) / loops * 1e6
    total_us = statistics.median(per_page) * 1e6
    return {
        "package": str(Path(pif.__file__).parent),
        "json_backend": _json.backend(),
        "pages_per_drain": pages,
        "page_bytes": len(first),
        "get_json_us": round(total_us, 1),
        "json_us": round(json_us, 1),
        "transport_us": round(total_us - json_us, 1),
        "runs_us": [round(x * 1e6, 1) for x in per_page],
    }


def main() -> None:
    url, key = sys.argv[1:3]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    print(json.dumps(measure(url, key, repeats)), flush=True)


if __name__ == "__main__":
    main()
