"""The vetting index as a JupyterHub service: a user's plain pip in a subprocess (no magic) goes through it with
the user's own token, is refused or served by the index's checks, and every answer is logged under the user."""

from __future__ import annotations

import json
import sys

import pytest
import requests

from tests.hub.conftest import running_hub, UserServer, wait_until_ready, PASSWORD, log_in
from tests.support.waits import scaled, wait_until
from tests.vetting.conftest import free_port

pytestmark = pytest.mark.integration
USER = "alice"
CONFIG = """
from jupyter_safepip.vetting.hub import configure_vetting_index
configure_vetting_index(c, port={port}, upstream=({upstream!r},), store={store!r}, python={python!r},
                        args=("--min-release-age", "3"), environment={environment!r})
"""
PIP = """
import subprocess, sys, tempfile
target = tempfile.mkdtemp()
done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-input", "--retries", "0", "--target", target, {spec!r}],
                      capture_output=True, text=True)
print("EXIT", done.returncode)
print(done.stdout[-3000:], done.stderr[-3000:])
import os
print("INSTALLED", sorted(n for n in os.listdir(target) if n.endswith(".dist-info")))
"""


@pytest.fixture(scope="module")
def vetting_hub(upstream, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("vetting-hub")
    port = free_port()
    service_home = tmp / "service"
    environment = {"SAFEPIP_CACHE_DIR": str(service_home / "cache"), "JUPYTER_DATA_DIR": str(service_home / "data"),
                   "JUPYTER_CONFIG_DIR": str(service_home / "config"), "JUPYTER_NO_CONFIG": "1",
                   "PIP_CONFIG_FILE": "/dev/null"}
    extra = CONFIG.format(port=port, upstream=upstream.url, store=str(service_home / "index.sqlite"),
                          python=sys.executable, environment=environment)
    index_url = f"http://127.0.0.1:{port}/simple/"
    with running_hub(tmp, index_url, extra) as hub:
        hub.index_url = index_url
        yield hub


@pytest.fixture(scope="module")
def alice(vetting_hub) -> UserServer:
    log_in(vetting_hub, USER, PASSWORD)
    response = vetting_hub.api("POST", f"users/{USER}/server")
    assert response.status_code in (201, 202), response.text
    wait_until_ready(vetting_hub, USER)
    token = vetting_hub.api("POST", f"users/{USER}/tokens", json={"scopes": [f"access:servers!user={USER}"]})
    assert token.status_code == 201, token.text
    return UserServer(vetting_hub, USER, token.json()["token"])


@pytest.fixture(scope="module")
def kernel(alice) -> str:
    return alice.start_kernel()


def _pip(alice: UserServer, kernel: str, spec: str) -> tuple[int, str, list[str]]:
    result = alice.run(kernel, PIP.format(spec=spec), timeout=300)
    text = result.text
    assert "EXIT" in text, text
    code = int(text.split("EXIT", 1)[1].split()[0])
    installed = json.loads(text.split("INSTALLED", 1)[1].strip().splitlines()[0].replace("'", '"'))
    return code, text, installed


def _decisions(hub, **params) -> list[dict]:
    answer = requests.get(hub.index_url.replace("/simple/", "/api/decisions"), params=params,
                          headers={"Authorization": f"token {hub.api_token}"}, timeout=scaled(30))
    assert answer.status_code == 200, answer.text
    return answer.json()["decisions"]


def test_a_typo_squat_from_a_subprocess_pip_is_refused_and_logged_under_the_user(alice, kernel):
    code, text, installed = _pip(alice, kernel, "reqeusts")
    assert code != 0 and installed == [], text
    logged = _decisions(alice.hub, project="reqeusts")
    assert logged and logged[0]["user"] == USER and not logged[0]["served"]
    assert "did you mean requests?" in logged[0]["reason"]


def test_an_allowed_package_installs_with_the_upstream_file(alice, kernel, upstream):
    code, text, installed = _pip(alice, kernel, "vetapp")
    assert code == 0, text
    assert installed == ["vetapp-1.0.0.dist-info", "vetbase-1.0.0.dist-info"]
    served = {d["filename"]: d["sha256"] for d in _decisions(alice.hub, user=USER) if d["served"]}
    assert served["vetapp-1.0.0-py3-none-any.whl"] == upstream.projects["vetapp"].files[0].sha256


def test_the_newest_refused_release_and_the_cool_down_are_passed_over(alice, kernel):
    code, text, installed = _pip(alice, kernel, "layered")
    assert code == 0 and installed == ["layered-1.0.0.dist-info"], text
    code, text, installed = _pip(alice, kernel, "coolpkg")
    assert code == 0 and installed == ["coolpkg-1.0.0.dist-info"], text


def test_without_a_hub_token_the_index_answers_nobody(vetting_hub, alice):
    anonymous = requests.get(f"{vetting_hub.index_url}vetbase/", timeout=scaled(30))
    assert anonymous.status_code == 401
    forged = requests.get(f"{vetting_hub.index_url}vetbase/", auth=("alice", "not-a-token"), timeout=scaled(30))
    assert forged.status_code == 401
    users_own = requests.get(f"{vetting_hub.index_url.replace('/simple/', '/api/decisions')}",
                             headers={"Authorization": f"token {alice.token}"}, timeout=scaled(30))
    assert users_own.status_code == 403  # the log is for administrators
