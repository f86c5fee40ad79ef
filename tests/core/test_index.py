"""The index client against the real loopback index: formats, relative URLs, cache, offline mode, failures."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from jupyter_safepip.core.http import make_session
from jupyter_safepip.core.index import IndexClient, IndexUnavailable
from jupyter_safepip.testing.builders import build_wheel
from jupyter_safepip.testing.index import PackageIndex


def client(url: str, cache, offline: bool = False, **kwargs) -> IndexClient:
    return IndexClient(url, session=make_session(cache, offline=offline, timeout=kwargs.pop("timeout", 5.0)), **kwargs)


def test_json_api_metadata_and_relative_file_urls(package_index, tmp_path):
    info = client(package_index.url, tmp_path).project("tidyframe", "1.2.0")
    assert info.has_json_api and info.vulnerabilities_known
    assert {r.version for r in info.releases} == {"1.0.0", "1.2.0"}
    assert ("Source", "https://github.com/example/project") in info.project_urls
    files = client(package_index.url, tmp_path / "c2").files("tidyframe")
    assert all(f.url.startswith(package_index.url.removesuffix("simple/") + "files/") for f in files)
    assert all(len(f.sha256 or "") == 64 for f in files)


def test_status_yanked_and_vulnerabilities(package_index, tmp_path):
    c = client(package_index.url, tmp_path)
    assert c.project("shadylib").status == "quarantined"
    oldlib = {r.version: r for r in c.project("oldlib", "2.0.0").releases}
    assert oldlib["2.0.0"].yanked and not oldlib["1.0.0"].yanked
    assert [v.id for v in c.project("vulnlib", "1.0.0").vulnerabilities] == ["PYSEC-0000-1"]
    assert c.project("no-such-project") is None


def test_simple_only_index_falls_back_to_html_and_says_so(tmp_path):
    index = PackageIndex(json_api=False)
    index.add(build_wheel(tmp_path / "files", "plainpkg", "1.0.0"), yanked="bad")
    index.start()
    try:
        info = client(index.url, tmp_path / "cache").project("plainpkg", "1.0.0")
        assert not info.has_json_api
        assert info.releases[0].yanked
    finally:
        index.stop()


def test_second_lookup_is_served_from_the_cache(package_index, tmp_path):
    c = client(package_index.url, tmp_path)
    c.project("tidycore", "2.1.0")
    before = len(package_index.index.hits)
    c.project("tidycore", "2.1.0")
    assert len(package_index.index.hits) == before


def test_offline_mode_answers_from_cache_or_says_it_cannot(package_index, tmp_path):
    client(package_index.url, tmp_path).project("tidyutils", "1.1.0")
    before = len(package_index.index.hits)
    assert client(package_index.url, tmp_path, offline=True).project("tidyutils", "1.1.0").name == "tidyutils"
    assert len(package_index.index.hits) == before
    with pytest.raises(IndexUnavailable, match="offline"):
        client(package_index.url, tmp_path, offline=True).project("tidycore")


class _Flaky(BaseHTTPRequestHandler):
    failures = 0

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/slow"):
            threading.Event().wait(3)
        if type(self).failures > 0 or self.path.startswith("/broken"):
            type(self).failures -= 1
            self.send_response(500)
            self.end_headers()
            return
        body = b'<a href="../../f/x-1.0-py3-none-any.whl#sha256=' + b"0" * 64 + b'">x-1.0-py3-none-any.whl</a>'
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except BrokenPipeError:  # the client gave up (the timeout test)
            pass


@pytest.fixture
def flaky_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_server_errors_are_retried_then_reported(flaky_server, tmp_path):
    _Flaky.failures = 2
    files = client(flaky_server + "/simple/", tmp_path).files("x")
    assert files[0].url == flaky_server + "/f/x-1.0-py3-none-any.whl#sha256=" + "0" * 64
    with pytest.raises(IndexUnavailable, match="HTTP 500"):
        client(flaky_server + "/broken/simple/", tmp_path / "b").files("x")


def test_timeouts_become_a_clear_error(flaky_server, tmp_path):
    with pytest.raises(IndexUnavailable, match="127.0.0.1"):
        client(flaky_server + "/slow/simple/", tmp_path, timeout=0.5).files("x")
