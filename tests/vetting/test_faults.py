"""Faults between the vetting index and its upstream, and in its store: every one ends in the fail mode or an
error the client sees, never in an unchecked file."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.support.waits import scaled
from tests.vetting.conftest import EXEC_PTH, build_upstream, pip_install

pytestmark = pytest.mark.integration
WHEEL = "vetbase-1.0.0-py3-none-any.whl"


@pytest.fixture
def own_upstream(tmp_path):
    """An upstream of this test's own, to break as it likes."""
    index = build_upstream(tmp_path / "upstream-files").start()
    yield index
    index.stop()


def test_an_upstream_that_fails_gives_an_error_and_no_file(vetting_server, own_upstream, target_env, tmp_path):
    server = vetting_server("--anonymous", upstream_url=own_upstream.url)
    own_upstream.fail_matching("/simple/vetbase/", 20, status=500)
    page = requests.get(f"{server.simple}vetbase/", timeout=scaled(60))
    assert page.status_code == 502 and "HTTP 500" in page.text, page.text
    result = pip_install(target_env.python, server.simple, "vetbase", cache=tmp_path / "pip-cache")
    assert result.returncode != 0 and not target_env.imports("vetbase")


def test_an_upstream_that_does_not_answer_in_time_gives_an_error(vetting_server, own_upstream):
    server = vetting_server("--anonymous", "--timeout", "0.5", upstream_url=own_upstream.url)
    own_upstream.delay = 2.0
    try:
        page = requests.get(f"{server.simple}vetbase/", timeout=scaled(60))
    finally:
        own_upstream.delay = 0.0
    assert page.status_code == 502 and "did not answer in time" in page.text, page.text


def test_a_truncated_file_is_never_served(vetting_server, own_upstream):
    server = vetting_server("--anonymous", upstream_url=own_upstream.url)
    own_upstream.truncate(WHEEL, keep=200)
    answer = requests.get(f"{server.url}/files/vetbase/{WHEEL}", timeout=scaled(120))
    assert answer.status_code == 502 and "could not fetch" in answer.text, answer.text
    assert server.health()["scans"] == 0


def test_a_file_swapped_upstream_is_never_served(vetting_server, own_upstream):
    """Tampering (other bytes under the hash the page announced) is refused; a re-published file (a new hash on
    the page) is a new file, checked on its own."""
    server = vetting_server("--anonymous", upstream_url=own_upstream.url)
    import io
    import zipfile

    original = own_upstream.projects["vetbase"].files[0].path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(buffer, "w") as swapped:
        for item in source.infolist():
            swapped.writestr(item, source.read(item))
        swapped.writestr("vetbase_hook.pth", EXEC_PTH)
    own_upstream.swap_file(WHEEL, buffer.getvalue(), after=0)
    tampered = requests.get(f"{server.url}/files/vetbase/{WHEEL}", timeout=scaled(120))
    assert tampered.status_code == 502 and "differs from the index's" in tampered.text, tampered.text
    assert server.health()["scans"] == 0


def test_a_store_that_cannot_be_reached_stops_the_index_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "jupyter_safepip.vetting.serve", "--anonymous", "--port", "0",
                             "--upstream", "http://127.0.0.1:9/simple/", "--store", "postgresql://safepip@127.0.0.1:9/x"],
                            capture_output=True, text=True, timeout=scaled(120))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == [errors[0]] and "cannot use the verdict store at 127.0.0.1:9/x" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
