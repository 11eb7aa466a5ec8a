"""``--storage-option KEY=VALUE``: what reaches fsspec has the type the option means.

``--storage-option anon=false`` passed the string "false", which s3fs takes as true: the
requests went out unsigned. A relay between s3fs and moto's S3 server keeps a copy of
every request, so the tests see what the storage really received.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import pinecone_imports_frame as pif
from pinecone_imports_frame.cli import main


class Relay:
    """A TCP relay on 127.0.0.1 to ``upstream`` that keeps what the clients sent."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.sent = bytearray()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            server = socket.create_connection(self.upstream, timeout=30)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, keep: bool) -> None:
        try:
            while data := source.recv(65536):
                if keep:
                    with self._lock:
                        self.sent += data
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):  # the other side closed it already
                    sock.shutdown(socket.SHUT_RDWR)

    def request_heads(self) -> list[str]:
        """The head (request line and headers) of every request sent so far."""
        with self._lock:
            text = bytes(self.sent).decode("latin-1")
        starts = [m.start() for m in re.finditer(r"(?m)^[A-Z]+ \S+ HTTP/1\.[01]\r$", text)]
        return [text[s:].split("\r\n\r\n", 1)[0] for s in starts]

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=5)
        with self._lock:
            for sock in self._sockets:
                sock.close()


@pytest.fixture
def relay(moto_s3_endpoint: str) -> Iterator[Relay]:
    host, port = moto_s3_endpoint.removeprefix("http://").rsplit(":", 1)
    r = Relay((host, int(port)))
    yield r
    r.close()


def _one_snapshot(root: str, options: dict[str, Any]) -> None:
    listing = pif.to_frame(
        [{"id": "1", "uri": "s3://b/", "status": "Completed", "createdAt": "2025-05-01T10:00:00Z"}],
        listed_at="2025-05-01T11:00:00Z",
        index_host="i:1",
    )
    pif.write_snapshot(listing, root, storage_options=options)


def test_anon_false_reaches_s3fs_as_false_and_every_request_is_signed(
    s3_lake: tuple[str, dict[str, Any]], relay: Relay, capsys: pytest.CaptureFixture[str]
) -> None:
    root, options = s3_lake
    _one_snapshot(root, options)
    args = ["snapshots", root, "--format", "csv"]
    for key, value in (("endpoint_url", relay.url), ("key", "testing"), ("secret", "testing")):
        args += ["--storage-option", f"{key}={value}"]
    args += ["--storage-option", "anon=false"]
    args += ["--storage-option", "use_listings_cache=false"]  # another boolean
    assert main(args) == 0, capsys.readouterr().err
    assert '"ok"' in capsys.readouterr().out  # the snapshot, listed
    heads = relay.request_heads()
    assert heads  # the listing went through the relay
    signed = [h for h in heads if re.search(r"(?im)^authorization: AWS4-HMAC-SHA256 ", h)]
    assert len(signed) == len(heads)  # "false" was taken as true: every request unsigned


def test_json_values_reach_s3fs_decoded(
    s3_lake: tuple[str, dict[str, Any]], relay: Relay, capsys: pytest.CaptureFixture[str]
) -> None:
    """client_kwargs (a dict) could not be given at all: it arrived as a string."""
    root, options = s3_lake
    _one_snapshot(root, options)
    args = ["snapshots", root, "--format", "csv", "--storage-option", f"endpoint_url={relay.url}"]
    args += ["--storage-option", "key=testing", "--storage-option", 'secret="testing"']
    args += ["--storage-option", 'client_kwargs={"region_name": "ap-south-2"}']
    assert main(args) == 0, capsys.readouterr().err
    heads = relay.request_heads()
    assert heads and all("/ap-south-2/s3/aws4_request" in h for h in heads)  # signed for it


@pytest.mark.parametrize("word", ["no", "off", "Yes"])
def test_yes_and_no_words_are_refused_naming_true_and_false(
    word: str, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """fsspec takes any non-empty text as true: "anon=no" would be anonymous."""
    with pytest.raises(SystemExit) as info:
        main(["snapshots", str(tmp_path), "--storage-option", f"anon={word}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "--storage-option" in err and "anon: write true or false" in err


def test_a_value_that_is_not_json_is_refused_without_repeating_it(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = '{"token": "tok_SECRET_123"'  # cut short: not JSON
    with pytest.raises(SystemExit) as info:
        main(["snapshots", str(tmp_path), "--storage-option", f"token={secret}"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "must be JSON" in err and "SECRET" not in err and err.count("\n") == 1
