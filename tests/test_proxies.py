"""Proxies from the environment: loopback never proxied, no key in clear, CONNECT tunnels work."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import ConnectProxy, HostileServer, answer, page, page_body, trickle

from pinecone_imports_frame import InsecureTransportError, read_imports
from pinecone_imports_frame.cli import main
from pinecone_imports_frame.client import ApiClient, proxy_for
from pinecone_imports_frame.config import ApiKey, normalize_host
from pinecone_imports_frame.emulator import Emulator

pytestmark = pytest.mark.timeout(60)

KEY = "pcsk_proxy_test_key_0123456789"
PROXY_VARIABLES = (
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def _clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def recording_proxy() -> Iterator[HostileServer]:
    """A proxy on loopback that answers every request with a page of its own."""
    with HostileServer([], default=page(["from-the-proxy"])) as proxy:
        yield proxy


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
def test_a_loopback_host_never_goes_through_a_proxy(
    variable: str, recording_proxy: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, recording_proxy.url)
    with Emulator(imports=30, api_key=KEY) as emu:
        df = read_imports(emu.url, api_key=KEY, page_size=10, progress=False)
        assert len(df) == 30 and "from-the-proxy" not in set(df["id"])
        assert len([r for r in emu.requests if r.path == "/bulk/imports"]) == 3
    assert recording_proxy.connections == 0  # the key never reached it


def test_the_demo_works_with_a_proxy_set(
    recording_proxy: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for variable in PROXY_VARIABLES:
        monkeypatch.setenv(variable, recording_proxy.url)
    assert main(["demo", "--imports", "120", "--out-dir", str(tmp_path), "--no-progress"]) == 0
    assert "read 120 imports" in capsys.readouterr().out
    assert recording_proxy.connections == 0


def test_the_key_is_not_sent_in_clear_to_a_proxy(
    recording_proxy: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", recording_proxy.url)
    remote = normalize_host("http://index.example.test:8080")
    with pytest.raises(InsecureTransportError, match="in clear through the proxy"):
        ApiClient(remote, api_key=ApiKey(KEY))
    with pytest.raises(InsecureTransportError):
        read_imports(remote.url, api_key=KEY, progress=False)
    assert recording_proxy.connections == 0


def test_allow_insecure_forwards_plain_http_through_the_proxy(
    recording_proxy: HostileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", recording_proxy.url)
    df = read_imports(
        "http://index.example.test:8080", api_key=KEY, allow_insecure=True, progress=False
    )
    assert df["id"].tolist() == ["from-the-proxy"]
    (request,) = recording_proxy.requests
    assert request.target.startswith("http://index.example.test:8080/bulk/imports?")


def test_no_proxy_is_honoured_with_names_and_cidr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    assert proxy_for(normalize_host("index.example.test")) == "http://proxy.example.test:3128"
    monkeypatch.setenv("NO_PROXY", "example.test")
    assert proxy_for(normalize_host("index.example.test")) is None
    monkeypatch.setenv("NO_PROXY", "10.0.0.0/8")
    assert proxy_for(normalize_host("https://10.1.2.3")) is None
    assert proxy_for(normalize_host("https://192.168.1.1")) == "http://proxy.example.test:3128"


def signed_tls(*names: str, tmp_path: Path) -> tuple[list[ssl.SSLContext], Path]:
    """Server TLS contexts, one per name, that one fresh test CA signs; and the CA's bundle."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    contexts = []
    for name in names:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(name).configure_cert(context)
        contexts.append(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return contexts, bundle


@pytest.fixture
def tls_index(tmp_path: Path) -> Iterator[tuple[HostileServer, Path]]:
    """A TLS server for index.example.test (a test CA signs it) and the CA's bundle."""
    (context,), bundle = signed_tls("index.example.test", tmp_path=tmp_path)
    pages = [page(["t1", "t2"], "next-page"), page(["t3"])]
    with HostileServer(pages, tls=context) as server:
        yield server, bundle


def test_https_through_a_connect_proxy(
    tls_index: tuple[HostileServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, bundle = tls_index
    with ConnectProxy(("127.0.0.1", server.port)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        df = read_imports("index.example.test", api_key=KEY, page_size=2, progress=False)
    assert df["id"].tolist() == ["t1", "t2", "t3"]
    assert df["index_host"].eq("index.example.test").all()
    assert [(r.method, r.target) for r in proxy.requests] == [
        ("CONNECT", "index.example.test:443")
    ]  # one tunnel, kept alive for both pages
    assert [r.headers["api-key"] for r in server.requests] == [KEY, KEY]  # inside TLS


def test_a_tls_server_the_ca_does_not_sign_is_refused(
    tls_index: tuple[HostileServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = tls_index
    from pinecone_imports_frame import TransportError

    with ConnectProxy(("127.0.0.1", server.port)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with pytest.raises(TransportError, match="TLS"):
            read_imports("index.example.test", api_key=KEY, progress=False, max_retries=3)
    assert server.requests == []  # the key was never sent


def test_a_missing_ca_bundle_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from pinecone_imports_frame import ConfigurationError

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/no/such/bundle.pem")
    with pytest.raises(ConfigurationError, match="REQUESTS_CA_BUNDLE"):
        ApiClient(normalize_host("index.example.test"), api_key=ApiKey(KEY))


@pytest.mark.parametrize(
    "proxy", ["socks5://user:sekrit@127.0.0.1:1080", "ftp://user:sekrit@127.0.0.1:21"]
)
def test_a_proxy_that_is_not_http_or_https_is_a_clear_error(
    proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinecone_imports_frame import ConfigurationError

    monkeypatch.setenv("HTTPS_PROXY", proxy)
    with pytest.raises(ConfigurationError, match="not an http:// or https:// proxy") as info:
        ApiClient(normalize_host("index.example.test"), api_key=ApiKey(KEY))
    assert "sekrit" not in str(info.value)


def test_https_through_an_https_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The proxy speaks TLS itself (a certificate for 127.0.0.1); the tunnel to the index
    # runs inside it, and the index's own TLS inside the tunnel. One CA signs both.
    (index_tls, proxy_tls), bundle = signed_tls(
        "index.example.test", "127.0.0.1", tmp_path=tmp_path
    )
    pages = [page(["t1", "t2"], "next-page"), page(["t3"])]
    with (
        HostileServer(pages, tls=index_tls) as server,
        ConnectProxy(("127.0.0.1", server.port), tls=proxy_tls) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", f"https://alice:s%40crit@{proxy.address}")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        client = ApiClient(normalize_host("index.example.test"), api_key=ApiKey(KEY))
        client.close()
        df = read_imports("index.example.test", api_key=KEY, page_size=2, progress=False)
    assert client.proxy == f"https://{proxy.address}"  # no credentials
    assert df["id"].tolist() == ["t1", "t2", "t3"]
    (connect,) = proxy.requests  # one tunnel, kept alive for both pages
    assert (connect.method, connect.target) == ("CONNECT", "index.example.test:443")
    assert connect.headers["proxy-authorization"] == "Basic YWxpY2U6c0Bjcml0"  # alice:s@crit
    assert "api-key" not in connect.headers  # the key goes inside the tunnel only
    assert [r.headers["api-key"] for r in server.requests] == [KEY, KEY]


def test_an_https_proxy_the_ca_does_not_sign_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinecone_imports_frame import TransportError

    (proxy_tls,), _ = signed_tls("127.0.0.1", tmp_path=tmp_path)  # a CA the client lacks
    with ConnectProxy(("127.0.0.1", 9), tls=proxy_tls) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", f"https://{proxy.address}")
        with pytest.raises(TransportError, match="TLS verification with the proxy") as info:
            read_imports("index.example.test", api_key=KEY, progress=False, max_retries=3)
    assert proxy.requests == []  # not even the CONNECT went out
    assert KEY not in str(info.value)


def test_proxy_credentials_become_a_header_and_are_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with HostileServer([], default=answer(200, {"data": []})) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://alice:s%40crit@{proxy.address}")
        client = ApiClient(
            normalize_host("http://index.example.test"), api_key=ApiKey(KEY), allow_insecure=True
        )
        with client:
            assert client.get_json("/bulk/imports") == {"data": []}
            assert "s@crit" not in repr(client) and client.proxy == proxy.url
    (request,) = proxy.requests
    assert request.headers["proxy-authorization"] == "Basic YWxpY2U6c0Bjcml0"  # alice:s@crit


def test_https_straight_to_a_server_the_test_ca_signs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (context,), bundle = signed_tls("localhost", tmp_path=tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    with HostileServer([page(["a"], "n"), page(["b"])], tls=context) as server:
        df = read_imports(f"https://localhost:{server.port}", api_key=KEY, progress=False)
    assert df["id"].tolist() == ["a", "b"] and server.connections == 1


def test_a_proxy_refusing_the_tunnel_is_a_transport_error_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pinecone_imports_frame import TransportError
    from pinecone_imports_frame import client as client_module

    waits: list[float] = []
    monkeypatch.setattr(client_module, "_sleep", waits.append)
    refusal = answer(407, b"", headers=[("Proxy-Authenticate", 'Basic realm="corp"')])
    with HostileServer([], default=refusal) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        with pytest.raises(TransportError, match="refused by the proxy") as info:
            read_imports("index.example.test", api_key=KEY, progress=False)
    assert "407" in str(info.value) and waits == []
    assert [r.method for r in proxy.requests] == ["CONNECT"]


@pytest.mark.parametrize("proxy_speaks_tls", [False, True], ids=["http proxy", "https proxy"])
def test_timeout_cuts_a_trickle_inside_a_tls_tunnel(
    proxy_speaks_tls: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline shuts the socket under TLS (and under TLS in TLS) down, wherever it is."""
    from pinecone_imports_frame import TransportError

    (index_tls, proxy_tls), bundle = signed_tls(
        "index.example.test", "127.0.0.1", tmp_path=tmp_path
    )
    body = json.dumps(page_body(["t1", "t2"])).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    slow = trickle(body, every=0.05, head=head)  # 10 s and more, a byte every 0.05 s
    with (
        HostileServer([], default=slow, tls=index_tls) as server,
        ConnectProxy(
            ("127.0.0.1", server.port), tls=proxy_tls if proxy_speaks_tls else None
        ) as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        started = time.monotonic()
        with pytest.raises(TransportError, match="timed out"):
            read_imports(
                "index.example.test", api_key=KEY, progress=False, timeout=0.5, max_retries=0
            )
        took = time.monotonic() - started
    assert took < 3.0, f"took {took:.1f} s"
    assert len(server.requests) == 1  # the request went out, inside the tunnel


def test_timeout_cuts_a_proxy_that_trickles_its_tunnel_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The CONNECT answer is read while connecting, before any code of the client runs."""
    from pinecone_imports_frame import TransportError

    established = b"HTTP/1.1 200 Connection established\r\nX-Padding: " + b"x" * 400 + b"\r\n\r\n"
    with HostileServer([], default=trickle(established, every=0.05)) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        started = time.monotonic()
        with pytest.raises(TransportError, match="timed out"):
            read_imports(
                "index.example.test", api_key=KEY, progress=False, timeout=0.5, max_retries=0
            )
        took = time.monotonic() - started
    assert took < 3.0, f"took {took:.1f} s"
    assert [r.method for r in proxy.requests] == ["CONNECT"]


def test_a_webhook_goes_through_the_proxy_with_its_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The webhook's ProxyManager was made from the bare URL: no Proxy-Authorization, so
    an authenticating proxy refused every notification while the listings went through."""
    from pinecone_imports_frame.monitoring import notify_webhook

    with HostileServer([], default=answer(200, "ok")) as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://alice:s%40crit@{proxy.address}")
        notify_webhook(
            "http://hooks.example.test/services/T0/s3cr3t", text="hi", allow_insecure=True
        )
    (request,) = proxy.requests
    assert request.headers["proxy-authorization"] == "Basic YWxpY2U6c0Bjcml0"
    assert request.target == "http://hooks.example.test/services/T0/s3cr3t"


def test_the_webhook_timeout_bounds_the_whole_post() -> None:
    """--notify-timeout bounded each socket read: a webhook answering a byte a second held
    `check` (and the cron runs after it) for as long as it kept sending."""
    from pinecone_imports_frame import TransportError
    from pinecone_imports_frame.monitoring import notify_webhook

    head = b"HTTP/1.1 200 OK\r\n"
    with HostileServer([trickle(b"X-Slow: " + b"a" * 60, every=0.1, head=head)]) as hook:
        started = time.monotonic()
        with pytest.raises(TransportError, match="no answer in time"):
            notify_webhook(hook.url + "/services/s3cr3t", text="hi", timeout=1.0)
        assert time.monotonic() - started < 3.0  # not the 6 s the trickle takes
