"""`jupyter safepip serve` in front of an upstream index, with real pip: only checked files reach a client."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from jupyter_safepip.core.index import JSON_SIMPLE
from jupyter_safepip.core.model import Verdict
from jupyter_safepip.core.settings import Settings
from jupyter_safepip.guard import Guard
from tests.conftest import isolated_pip_env
from tests.support.waits import scaled
from tests.vetting.conftest import pip_install

pytestmark = pytest.mark.integration


def test_an_allowed_tree_installs_with_the_upstream_bytes(vetting_server, upstream, target_env, tmp_path):
    server = vetting_server("--anonymous")
    metadata_before = upstream.metadata_downloads.get("vetbase-1.0.0-py3-none-any.whl", 0)
    result = pip_install(target_env.python, server.simple, "vetapp", cache=tmp_path / "pip-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert {"vetapp==1.0.0", "vetbase==1.0.0"} <= target_env.pip_list()
    # pip resolved from the PEP 658 metadata the index passes through, as it does against the upstream
    assert upstream.metadata_downloads.get("vetbase-1.0.0-py3-none-any.whl", 0) > metadata_before
    page = requests.get(f"{server.simple}vetapp/", headers={"Accept": "application/vnd.pypi.simple.v1+json"},
                        timeout=scaled(30)).json()
    served = requests.get(f"{server.simple}vetapp/" + page["files"][0]["url"], timeout=scaled(30)).content
    upstream_file = upstream.projects["vetapp"].files[0]
    assert hashlib.sha256(served).hexdigest() == upstream_file.sha256 == page["files"][0]["hashes"]["sha256"]


def test_a_refused_newest_release_is_left_out_so_pip_takes_the_previous(vetting_server, target_env, tmp_path):
    server = vetting_server("--anonymous")
    result = pip_install(target_env.python, server.simple, "layered", cache=tmp_path / "pip-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "layered==1.0.0" in target_env.pip_list()
    html = requests.get(f"{server.simple}layered/", timeout=scaled(30)).text
    assert ">layered-1.0.0-py3-none-any.whl</a>" in html and ">layered-1.1.0-py3-none-any.whl</a>" not in html
    assert "<li>layered-1.1.0-py3-none-any.whl: block: " in html  # why, for a person reading the page


def test_a_refused_file_answers_403_with_the_reason_pip_prints(vetting_server, target_env, tmp_path):
    server = vetting_server("--anonymous")
    direct = requests.get(f"{server.url}/files/layered/layered-1.1.0-py3-none-any.whl", timeout=scaled(60))
    assert direct.status_code == 403 and "block" in direct.text and ".pth" in direct.text, direct.text
    assert "block" in direct.reason
    result = pip_install(target_env.python, server.simple, "onlybad", cache=tmp_path / "pip-cache")
    assert result.returncode != 0
    assert "onlybad" not in {line.split("==")[0] for line in target_env.pip_list()}
    direct_url = pip_install(target_env.python, server.simple, f"{server.url}/files/onlybad/onlybad-1.0.0-py3-none-any.whl",
                             cache=tmp_path / "pip-cache")
    assert direct_url.returncode != 0 and "403 Client Error: block: " in direct_url.stderr  # pip says why
    assert "(onlybad.pth:1)" in direct_url.stderr


def test_a_typo_squat_page_is_refused_with_did_you_mean(vetting_server, target_env, tmp_path):
    server = vetting_server("--anonymous")
    page = requests.get(f"{server.simple}reqeusts/", timeout=scaled(30))
    assert page.status_code == 403 and "did you mean requests?" in page.text, page.text
    result = pip_install(target_env.python, server.simple, "reqeusts", cache=tmp_path / "pip-cache")
    assert result.returncode != 0
    assert not target_env.imports("reqeusts")


def test_a_release_inside_the_cool_down_is_passed_over(vetting_server, target_env, tmp_path):
    server = vetting_server("--anonymous", "--min-release-age", "3")
    result = pip_install(target_env.python, server.simple, "coolpkg", cache=tmp_path / "pip-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "coolpkg==1.0.0" in target_env.pip_list()
    young = requests.get(f"{server.url}/files/coolpkg/coolpkg-1.1.0-py3-none-any.whl", timeout=scaled(30))
    assert young.status_code == 403 and "cool-down" in young.text


def test_each_file_is_checked_once_and_every_answer_is_logged(vetting_server, upstream, tmp_path):
    token = "admin-secret"
    server = vetting_server("--anonymous", env={"SAFEPIP_INDEX_ADMIN_TOKEN": token})
    url = f"{server.url}/files/vetbase/vetbase-1.0.0-py3-none-any.whl"
    for _ in range(3):
        assert requests.get(url, timeout=scaled(60)).status_code == 200
    requests.get(f"{server.simple}reqeusts/", timeout=scaled(30))
    assert server.health()["scans"] == 1
    headers = {"Authorization": f"token {token}"}
    assert requests.get(f"{server.url}/api/decisions", timeout=scaled(30)).status_code == 403  # anonymous
    listed = requests.get(f"{server.url}/api/decisions", params={"project": "vetbase"}, headers=headers,
                          timeout=scaled(30)).json()["decisions"]
    assert [(d["served"], d["verdict"], d["user"]) for d in listed] == [(True, "allow", "anonymous")] * 3
    export = requests.get(f"{server.url}/api/decisions", params={"format": "jsonl", "verdict": "block"},
                          headers=headers, timeout=scaled(30))
    rows = [json.loads(line) for line in export.text.splitlines()]
    assert [r["project"] for r in rows] == ["reqeusts"] and "did you mean" in rows[0]["reason"]
    bad = requests.get(f"{server.url}/api/decisions", params={"since": "yesterday"}, headers=headers, timeout=scaled(30))
    assert bad.status_code == 400 and "ISO 8601" in bad.text


def test_without_anonymous_access_a_request_needs_credentials(vetting_server):
    server = vetting_server()
    answer = requests.get(f"{server.simple}vetbase/", timeout=scaled(30))
    assert answer.status_code == 401 and "WWW-Authenticate" in answer.headers


def test_a_kernel_behind_the_index_takes_its_checks_instead_of_scanning(vetting_server, target_env, tmp_path,
                                                                       monkeypatch):
    server = vetting_server("--anonymous")
    for name in ("vetapp", "vetbase"):  # checked by the index first (another user's install, say)
        page = requests.get(f"{server.simple}{name}/", headers={"Accept": JSON_SIMPLE}, timeout=scaled(30)).json()
        assert requests.get(f"{server.simple}{name}/" + page["files"][0]["url"], timeout=scaled(60)).status_code == 200
    wanted = isolated_pip_env(server.simple, tmp_path / "pip-cache")
    for key in [k for k in os.environ if k.startswith("PIP_") and k not in wanted]:
        monkeypatch.delenv(key)
    for key, value in wanted.items():
        monkeypatch.setenv(key, value)
    cache = tmp_path / "kernel-cache"
    guard = Guard(Settings(python=target_env.python, cache_dir=cache, vetting_index=server.simple))
    assessment = guard.check(guard.parse("install vetapp"), "pip install vetapp")
    assert assessment.report.verdict is Verdict.ALLOW, assessment.report.reasons
    assert {p.candidate.name for p in assessment.report.packages} == {"vetapp", "vetbase"}
    assert not list((cache / "scans").rglob("*.json"))  # nothing scanned again in the kernel
    shared = requests.get(f"{server.url}/api/checks/{assessment.artifacts[0].sha256}", timeout=scaled(30)).json()
    package = next(p for p in assessment.report.packages if p.candidate.sha256 == shared["sha256"])
    assert sorted(f.rule_id for f in package.findings) == sorted(f["rule_id"] for f in shared["findings"])
    assert len(assessment.artifacts) == 2 and all(a.path.is_file() for a in assessment.artifacts)
    untrusted = Guard(Settings(python=target_env.python, cache_dir=tmp_path / "other-cache"))  # no SafePip.index_url
    untrusted.check(untrusted.parse("install vetapp"), "pip install vetapp")
    assert list((tmp_path / "other-cache" / "scans").rglob("*.json"))  # an index that claims to vet is not believed


def test_the_json_api_is_passed_through_for_the_kernels_metadata_checks(vetting_server):
    server = vetting_server("--anonymous")
    document = requests.get(f"{server.url}/pypi/vetbase/json", timeout=scaled(30))
    assert document.status_code == 200 and document.json()["info"]["name"] == "vetbase"
    assert requests.get(f"{server.url}/pypi/vetbase/1.0.0/json", timeout=scaled(30)).json()["info"]["version"] == "1.0.0"
    assert requests.get(f"{server.url}/pypi/no-such-project/json", timeout=scaled(30)).status_code == 404
    # Only a project name and a version reach the upstream: no path of the upstream's own, no file through here.
    for sneaky in ("..%2F..%2Ffiles%2Fvetbase%2Fvetbase-1.0.0-py3-none-any.whl%3F", "vetbase/..%2F..%2F..%2Ffiles"):
        assert requests.get(f"{server.url}/pypi/{sneaky}/json", timeout=scaled(30)).status_code == 404


def test_a_project_page_lives_at_its_normalised_name(vetting_server):
    server = vetting_server("--anonymous")
    answer = requests.get(f"{server.simple}VetBase", timeout=scaled(30), allow_redirects=False)
    assert answer.status_code == 301 and answer.headers["Location"].endswith("/simple/vetbase/")
    assert "vetbase-1.0.0" in requests.get(f"{server.simple}VETBASE/", timeout=scaled(30)).text


def test_uv_goes_through_the_index_too(vetting_server, target_env, tmp_path):
    server = vetting_server("--anonymous")
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env.update(UV_CACHE_DIR=str(tmp_path / "uv-cache"), UV_NO_CONFIG="1", UV_DEFAULT_INDEX=server.simple)
    done = subprocess.run([uv, "pip", "install", "--python", target_env.python, "vetapp", "layered"],
                          capture_output=True, text=True, env=env, timeout=scaled(300))
    assert done.returncode == 0, done.stderr
    assert {"vetapp==1.0.0", "vetbase==1.0.0", "layered==1.0.0"} <= target_env.pip_list()
    refused = subprocess.run([uv, "pip", "install", "--python", target_env.python, "reqeusts"],
                             capture_output=True, text=True, env=env, timeout=scaled(300))
    assert refused.returncode != 0 and not target_env.imports("reqeusts")


def test_several_processes_share_the_port_and_check_a_file_once(vetting_server, upstream):
    server = vetting_server("--anonymous", "--processes", "2")
    url = f"{server.url}/files/vetapp/vetapp-1.0.0-py3-none-any.whl"
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: requests.get(url, timeout=scaled(120)), range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert {hashlib.sha256(a.content).hexdigest() for a in answers} == {upstream.projects["vetapp"].files[0].sha256}
    assert server.scan_counts() == {"scans_all_replicas": 1, "files_checked_twice": 0}
