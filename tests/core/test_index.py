"""The index client against the real loopback index: formats, relative URLs, cache, offline mode, failures."""

from __future__ import annotations

import pytest

from jupyter_safepip.core.http import make_session
from jupyter_safepip.core.index import JSON_SIMPLE, IndexClient, IndexUnavailable, SimplePage, _project_info
from jupyter_safepip.testing.builders import build_sdist, build_wheel
from jupyter_safepip.testing.index import PackageIndex


def client(url: str, cache, offline: bool = False, timeout: float = 5.0, **kwargs) -> IndexClient:
    return IndexClient(url, session=make_session(cache, offline=offline, timeout=timeout), **kwargs)


@pytest.fixture
def private_index(tmp_path):
    """A fresh index per test, for fault knobs and formats the shared one must not change."""
    def start(**options) -> PackageIndex:
        index = PackageIndex(**options)
        started.append(index)
        return index.start()

    started: list[PackageIndex] = []
    yield start
    for index in started:
        index.stop()


def publish_demo(index: PackageIndex, files) -> None:
    index.add(build_wheel(files, "demo", "1.0.0"), age_days=300, requires_python=">=3.8",
              status="archived", status_reason="moved to demo2")
    index.add(build_sdist(files, "demo", "1.1.0"), age_days=10, yanked="bad <release>")


def test_json_api_metadata_and_relative_file_urls(package_index, tmp_path):
    info = client(package_index.url, tmp_path).project("tidyframe", "1.2.0")
    assert info.has_json_api and info.vulnerabilities_known
    assert {r.version for r in info.releases} == {"1.0.0", "1.2.0"}
    assert ("Source", "https://github.com/example/project") in info.project_urls
    assert info.maintainers and info.description
    files = client(package_index.url, tmp_path / "c2").files("TidyFrame")
    assert all(f.url.startswith(package_index.url.removesuffix("simple/") + "files/tidyframe/") for f in files)
    assert all(len(f.sha256 or "") == 64 and f.upload_time for f in files)


def test_status_yanked_and_vulnerabilities(package_index, tmp_path):
    c = client(package_index.url, tmp_path)
    shady = c.project("shadylib")
    assert (shady.status, shady.status_reason) == ("quarantined", "reported as malware")
    oldlib = {r.version: r for r in c.project("oldlib", "2.0.0").releases}
    assert oldlib["2.0.0"].yanked and oldlib["2.0.0"].yanked_reason == "broken build" and not oldlib["1.0.0"].yanked
    vulnerable = c.project("vulnlib", "1.0.0")
    assert [(v.id, v.fixed_in) for v in vulnerable.vulnerabilities] == [("PYSEC-0000-1", ("1.1.0",))]
    assert c.project("vulnlib", "1.1.0").vulnerabilities == ()
    assert c.project("no-such-project") is None


def test_releases_carry_their_earliest_upload(package_index, tmp_path):
    releases = {r.version: r for r in client(package_index.url, tmp_path).project("tidyutils").releases}
    assert releases["1.0.0"].uploaded < releases["1.1.0"].uploaded


@pytest.mark.parametrize("json_simple", [True, False], ids=["pep691-json", "pep503-html"])
def test_both_simple_formats_give_the_same_files(private_index, tmp_path, json_simple):
    index = private_index(json_simple=json_simple)
    publish_demo(index, tmp_path / "files")
    files = {f.filename: f for f in client(index.url, tmp_path / "cache").files("demo")}
    wheel, sdist = files["demo-1.0.0-py3-none-any.whl"], files["demo-1.1.0.tar.gz"]
    assert wheel.url == index.url.removesuffix("simple/") + "files/demo/demo-1.0.0-py3-none-any.whl"
    assert wheel.requires_python == ">=3.8" and wheel.version == "1.0.0" and len(wheel.sha256) == 64
    assert sdist.yanked and sdist.yanked_reason == "bad <release>" and not wheel.yanked
    assert bool(wheel.upload_time) is json_simple  # PEP 503 HTML has no upload times
    info = client(index.url, tmp_path / "cache2").project("demo", "1.0.0")
    assert (info.status, info.status_reason) == ("archived", "moved to demo2")


def test_simple_only_index_falls_back_to_html_and_says_so(private_index, tmp_path):
    index = private_index(json_api=False, json_simple=False)
    index.add(build_wheel(tmp_path / "files", "plainpkg", "1.0.0"), yanked="bad")
    info = client(index.url, tmp_path / "cache").project("plainpkg", "1.0.0")
    assert not info.has_json_api and not info.vulnerabilities_known and info.description is None
    assert info.releases[0].yanked
    assert index.hits_for("/pypi/plainpkg/"), "the JSON API was not even tried"


def test_project_only_on_an_extra_index_and_files_from_all(package_index, private_index, tmp_path):
    extra = private_index()
    extra.add(build_wheel(tmp_path / "files", "tidyutils", "9.0.0"))
    extra.add(build_wheel(tmp_path / "files", "onlyextra", "1.0.0"))
    c = client(package_index.url, tmp_path / "cache", extra_index_urls=[extra.url])
    assert c.project("onlyextra").releases[0].version == "1.0.0"
    versions = {f.version for f in c.files("tidyutils")}
    assert versions == {"1.0.0", "1.1.0", "9.0.0"}


def test_file_url_index_and_find_links_directory(tmp_path):
    """pip's configuration here uses file:// simple indexes and a local find-links directory."""
    files, links = tmp_path / "files", tmp_path / "wheels"
    wheel = build_wheel(files, "localpkg", "1.0.0")
    page = tmp_path / "simple" / "localpkg"
    page.mkdir(parents=True)
    page.joinpath("index.html").write_text(f'<a href="../../files/{wheel.name}#sha256={"a" * 64}">{wheel.name}</a>')
    build_wheel(links, "localpkg", "1.1.0")
    build_wheel(links, "otherpkg", "1.0.0")
    c = client((tmp_path / "simple").as_uri() + "/", tmp_path / "cache", find_links=[str(links)])
    found = {f.filename: f for f in c.files("LocalPkg")}
    assert set(found) == {wheel.name, "localpkg-1.1.0-py3-none-any.whl"}
    assert found[wheel.name].url == wheel.resolve().as_uri() and found[wheel.name].sha256 == "a" * 64
    assert found["localpkg-1.1.0-py3-none-any.whl"].url.startswith("file://")
    assert c.project("localpkg").has_json_api is False
    assert c.project("otherpkg") is None  # find-links files are not an index page


def test_second_lookup_is_served_from_the_cache(package_index, tmp_path):
    c = client(package_index.url, tmp_path)
    c.project("tidycore", "2.1.0")
    before = len(package_index.index.hits)
    c.project("tidycore", "2.1.0")
    c.files("tidycore")
    assert len(package_index.index.hits) == before


def test_offline_mode_answers_from_cache_or_says_it_cannot(package_index, tmp_path):
    client(package_index.url, tmp_path).project("tidyutils", "1.1.0")
    before = len(package_index.index.hits)
    assert client(package_index.url, tmp_path, offline=True).project("tidyutils", "1.1.0").name == "tidyutils"
    assert len(package_index.index.hits) == before
    with pytest.raises(IndexUnavailable, match="offline: .* is not in the cache"):
        client(package_index.url, tmp_path, offline=True).project("tidycore")
    assert len(package_index.index.hits) == before


def test_offline_mode_remembers_that_an_index_has_no_json_api(private_index, tmp_path):
    index = private_index(json_api=False)
    index.add(build_wheel(tmp_path / "files", "plainpkg", "1.0.0"))
    client(index.url, tmp_path / "cache").project("plainpkg", "1.0.0")
    index.stop()
    info = client(index.url, tmp_path / "cache", offline=True).project("plainpkg", "1.0.0")
    assert info.releases[0].version == "1.0.0" and not info.has_json_api


def test_server_errors_are_retried_then_reported(private_index, tmp_path):
    index = private_index()
    index.add(build_wheel(tmp_path / "files", "demo", "1.0.0"))
    index.fail_next(2)
    assert [f.version for f in client(index.url, tmp_path / "a").files("demo")] == ["1.0.0"]
    assert len(index.hits_for("/simple/demo/")) == 3
    index.fail_next(10, status=503)
    with pytest.raises(IndexUnavailable, match="answered HTTP 503 for /simple/demo/"):
        client(index.url, tmp_path / "b").files("demo")


def test_unreadable_pages_are_reported(private_index, tmp_path):
    index = private_index()
    index.add(build_wheel(tmp_path / "files", "demo", "1.0.0"))
    index.fail_next(1, status=200, content_type=JSON_SIMPLE, body=b"{not json")
    with pytest.raises(IndexUnavailable, match="unreadable project page"):
        client(index.url, tmp_path / "a").files("demo")
    client(index.url, tmp_path / "b").files("demo")  # the simple page is cached, the JSON API answer will be broken
    index.fail_next(1, status=200, content_type="application/json", body=b"<html>")
    with pytest.raises(IndexUnavailable, match="invalid JSON"):
        client(index.url, tmp_path / "b").project("demo")


def test_timeouts_and_refused_connections_become_clear_errors(private_index, tmp_path):
    index = private_index()
    index.delay = 1.0
    with pytest.raises(IndexUnavailable, match="did not answer in time"):
        client(index.url, tmp_path / "a", timeout=0.2).files("demo")
    index.stop()
    with pytest.raises(IndexUnavailable, match="cannot connect"):
        client(index.url, tmp_path / "b", timeout=0.2).files("demo")


def test_the_vulnerabilities_of_the_version_a_project_document_describes_are_known():
    document = {"info": {"version": "1.1.0"}, "vulnerabilities": [],
                "releases": {"1.1.0": [{"upload_time_iso_8601": "2024-01-01T00:00:00Z"}],
                             "0.9.0": [{"upload_time_iso_8601": "2023-01-01T00:00:00Z"}]}}
    page = SimplePage(())
    assert _project_info("demo", page, document, "1.1.0").vulnerabilities_known
    assert not _project_info("demo", page, document, "0.9.0").vulnerabilities_known  # only the latest is listed
