"""Shared fixtures.

* ``start_emulator``: start an emulator with the options given; at teardown it is stopped
  and checked (a server-thread error fails the test).
* ``moto_s3_endpoint`` (session): a real S3 endpoint, moto's threaded server on a free
  loopback port; ``s3_lake``: a fresh bucket on it and the ``(root, storage_options)`` to
  reach it with s3fs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from pinecone_imports_frame.emulator import Emulator

#: Read by vulture (tests/test_house.py), never imported: its lines are bare names.
collect_ignore = ["vulture_whitelist.py"]


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Start emulators of this test's own (its options, clock and key), checked at teardown."""
    started: list[Emulator] = []

    def start(**options: Any) -> Emulator:
        started.append(Emulator(**options).start())
        return started[-1]

    yield start
    for emulator in started:
        emulator.stop()
    for emulator in started:
        emulator.check()  # nothing raised in the server thread, whatever the test sent


@pytest.fixture(scope="session")
def moto_s3_endpoint() -> Iterator[str]:
    """URL of moto's S3 server (``http://127.0.0.1:PORT``), up for the whole session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_lake(moto_s3_endpoint: str) -> tuple[str, dict[str, Any]]:
    """``("s3://<new bucket>/lake", storage_options)`` on the moto server."""
    import s3fs

    options: dict[str, Any] = {
        "endpoint_url": moto_s3_endpoint,
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"region_name": "eu-west-1"},
    }
    bucket = f"lake-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**options).mkdir(bucket)
    return f"s3://{bucket}/lake", options
