"""One drain, as a user's script runs it: ``python _drain.py PATH URL API_KEY [OUT.pickle]``.

PATH is ``project`` (``read_imports``), ``project_json`` (the same with the standard
library's JSON decoder instead of orjson), ``sdk`` (the official SDK's ``list_imports``, then
pandas by hand) or ``naive`` (a ``requests`` loop following ``pagination.next``, then
``pd.json_normalize`` and pandas by hand). Only the path's own modules are imported, after
start-up, so the parent measures start-up, imports, drain and conversion of this process.
Prints one JSON line (timings inside the child); with OUT, pickles the frame there after the
timings (the parent uses that run for verification only, never for the figures).
"""

from __future__ import annotations

import sys
import time

T0 = time.perf_counter()

#: Every path asks for the same version: the SDK's default, read_imports' default.
API_VERSION = "2026-07"


def project(url: str, key: str) -> tuple[object, float]:
    import pinecone_imports_frame as pif

    t = time.perf_counter()
    return pif.read_imports(url, api_key=key, progress=False), t


def project_json(url: str, key: str) -> tuple[object, float]:
    import pinecone_imports_frame as pif
    from pinecone_imports_frame import _json

    _json._orjson = None  # what users without the "[fast]" extra run
    t = time.perf_counter()
    return pif.read_imports(url, api_key=key, progress=False), t


def sdk(url: str, key: str) -> tuple[object, float]:
    from urllib.parse import urlsplit

    import pandas as pd
    from _by_hand import typed_by_hand
    from pinecone import Pinecone

    t = time.perf_counter()
    listed_at = pd.Timestamp.now(tz="UTC")
    index = Pinecone(api_key=key).Index(host=url)
    raw = pd.DataFrame([m.to_dict() for m in index.list_imports(limit=100)])
    # The SDK drops validationResult: its validation columns stay NA (_verify allows it).
    return typed_by_hand(
        raw, listed_at=listed_at, index_host=urlsplit(url).netloc, api_version=API_VERSION
    ), t


def naive(url: str, key: str) -> tuple[object, float]:
    from urllib.parse import urlsplit

    import pandas as pd
    import requests
    from _by_hand import typed_by_hand

    t = time.perf_counter()
    listed_at = pd.Timestamp.now(tz="UTC")
    session = requests.Session()
    session.headers["Api-Key"] = key
    session.headers["X-Pinecone-API-Version"] = API_VERSION  # what the SDK sends too
    params = {"limit": 100}
    records = []
    while True:
        response = session.get(url + "/bulk/imports", params=params, timeout=30)
        response.raise_for_status()
        body = response.json()
        records.extend(body.get("data") or [])
        token = (body.get("pagination") or {}).get("next")
        if not token:
            break
        params["paginationToken"] = token
    raw = pd.json_normalize(records)
    return typed_by_hand(
        raw, listed_at=listed_at, index_host=urlsplit(url).netloc, api_version=API_VERSION
    ), t


def main() -> None:
    path, url, key = sys.argv[1:4]
    out = sys.argv[4] if len(sys.argv) > 4 else None
    paths = {"project": project, "project_json": project_json, "sdk": sdk, "naive": naive}
    frame, t_imported = paths[path](url, key)
    t_done = time.perf_counter()
    import json

    print(
        json.dumps(
            {
                "rows": len(frame),  # type: ignore[arg-type]
                "imports_s": t_imported - T0,
                "drain_s": t_done - t_imported,
            }
        ),
        flush=True,
    )
    if out:
        import pickle

        with open(out, "wb") as fh:
            pickle.dump(frame, fh, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main()
