"""The loopback test index itself: what it serves must be what a real index serves, or the other tests prove nothing."""

from __future__ import annotations

import hashlib
import json
import tarfile
import zipfile
from urllib.parse import urljoin
from urllib.request import Request, urlopen

from jupyter_safepip.testing.builders import canary_sdist
from tests.support.waits import scaled

JSON_SIMPLE = "application/vnd.pypi.simple.v1+json"


def get(url: str, accept: str = "*/*") -> tuple[str, bytes, dict[str, str]]:
    with urlopen(Request(url, headers={"Accept": accept}), timeout=scaled(5)) as response:
        return response.headers.get_content_type(), response.read(), dict(response.headers)


def test_simple_json_hashes_match_the_downloaded_bytes(package_index):
    page = urljoin(package_index.url, "tidycore/")
    content_type, body, headers = get(page, JSON_SIMPLE)
    assert content_type == JSON_SIMPLE and headers["Vary"] == "Accept"
    data = json.loads(body)
    assert data["meta"]["api-version"] == "1.4" and data["name"] == "tidycore"
    for entry in data["files"]:
        assert not entry["url"].startswith(("http:", "/")), "file URLs are relative, as on the real index"
        _, payload, _ = get(urljoin(page, entry["url"]))
        assert hashlib.sha256(payload).hexdigest() == entry["hashes"]["sha256"]
        assert entry["upload-time"].endswith("Z")


def test_html_page_carries_hash_fragments_and_yanked_marks(package_index):
    content_type, body, _ = get(urljoin(package_index.url, "oldlib/"), "text/html")
    html = body.decode()
    assert content_type == "text/html"
    assert 'href="../../files/oldlib/oldlib-2.0.0-py3-none-any.whl#sha256=' in html
    assert 'data-yanked="broken build"' in html and html.count("data-yanked") == 1


def test_project_status_in_both_formats(package_index):
    page = urljoin(package_index.url, "shadylib/")
    data = json.loads(get(page, JSON_SIMPLE)[1])
    assert data["project-status"] == {"status": "quarantined", "reason": "reported as malware"}
    assert '<meta name="pypi:project-status" content="quarantined">' in get(page, "text/html")[1].decode()


def test_json_api_documents(package_index):
    root = package_index.url.removesuffix("simple/")
    latest = json.loads(get(root + "pypi/vulnlib/json")[1])
    assert latest["info"]["version"] == "1.1.0" and latest["vulnerabilities"] == []
    assert set(latest["releases"]) == {"1.0.0", "1.1.0"}
    old_url = root + "pypi/vulnlib/1.0.0/json"
    old = json.loads(get(old_url)[1])
    assert [v["id"] for v in old["vulnerabilities"]] == ["PYSEC-0000-1"] and old["vulnerabilities"][0]["fixed_in"] == ["1.1.0"]
    (file,) = old["urls"]
    payload = get(urljoin(old_url, file["url"]))[1]
    assert hashlib.sha256(payload).hexdigest() == file["digests"]["sha256"]


def test_the_typo_squat_is_served_and_the_name_it_imitates_is_not(package_index):
    names = {p["name"] for p in json.loads(get(package_index.url, JSON_SIMPLE)[1])["projects"]}
    assert {"reqeusts", "tidyframe", "tidycore", "tidyutils", "freshpkg", "canarypkg"} <= names
    assert "requests" not in names


def test_fixture_wheels_are_valid_and_their_record_is_complete(package_index):
    wheel = next(package_index.files.glob("tidyframe-1.2.0-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        record = archive.read("tidyframe-1.2.0.dist-info/RECORD").decode().splitlines()
        metadata = archive.read("tidyframe-1.2.0.dist-info/METADATA").decode()
        assert {line.split(",")[0] for line in record} == set(archive.namelist())
    assert "Requires-Dist: tidycore>=2" in metadata


def test_canary_sdist_writes_its_marker_only_when_run(tmp_path):
    marker = tmp_path / "ran"
    sdist = canary_sdist(tmp_path / "dist", marker)
    with tarfile.open(sdist) as archive:
        setup_py = archive.extractfile("canarypkg-1.0.0/setup.py").read().decode()
        assert {"canarypkg-1.0.0/PKG-INFO", "canarypkg-1.0.0/pyproject.toml"} <= set(archive.getnames())
    assert str(marker) in setup_py and not marker.exists()
    compile(setup_py, "setup.py", "exec")  # valid Python; never executed here
