"""Proxies from the environment: loopback never proxied, no key in clear, CONNECT tunnels work."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import ConnectProxy, HostileServer, answer, page

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


@pytest.fixture
def tls_index(tmp_path: Path) -> Iterator[tuple[HostileServer, Path]]:
    """A TLS server for index.example.test (a test CA signs it) and the CA's bundle."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("index.example.test").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
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
    "proxy", ["socks5://user:sekrit@127.0.0.1:1080", "https://user:sekrit@127.0.0.1:3129"]
)
def test_a_proxy_that_is_not_plain_http_is_a_clear_error(
    proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinecone_imports_frame import ConfigurationError

    monkeypatch.setenv("HTTPS_PROXY", proxy)
    with pytest.raises(ConfigurationError, match="not an http:// proxy") as info:
        ApiClient(normalize_host("index.example.test"), api_key=ApiKey(KEY))
    assert "sekrit" not in str(info.value)


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
