"""Two replicas of the vetting index on one real PostgreSQL server: one check per new file between them, no
unchecked file from a replica that dies, no decision lost when the database restarts."""

from __future__ import annotations

import hashlib
import signal
import threading

import pytest
import requests

from jupyter_safepip.vetting.records import DecisionFilter
from jupyter_safepip.vetting.store import open_store
from jupyter_safepip.vetting.vetter import checks_fingerprint
from tests.support.waits import scaled, wait_until

pytestmark = pytest.mark.integration
WHEEL = "vetbase-1.0.0-py3-none-any.whl"


def _get(url: str, results: list, at: int) -> None:
    try:
        results[at] = requests.get(url, timeout=scaled(120))
    except requests.RequestException as exc:
        results[at] = exc


def test_two_replicas_asked_for_the_same_new_file_check_it_once(vetting_server, upstream, postgres):
    replicas = [vetting_server("--anonymous", store=postgres.url) for _ in range(2)]
    upstream.drip(WHEEL, chunk=256, interval=0.02)  # a slow download, so that both ask while it is checked
    try:
        results: list = [None, None]
        threads = [threading.Thread(target=_get, args=(f"{r.url}/files/vetbase/{WHEEL}", results, i))
                   for i, r in enumerate(replicas)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        upstream._drips.clear()
    expected = upstream.projects["vetbase"].files[0].sha256
    assert [r.status_code for r in results] == [200, 200]
    assert {hashlib.sha256(r.content).hexdigest() for r in results} == {expected}
    assert sum(r.health()["scans"] for r in replicas) == 1
    assert replicas[0].scan_counts() == {"scans_all_replicas": 1, "files_checked_twice": 0}


def test_a_replica_killed_mid_download_serves_nothing_unchecked(vetting_server, upstream, postgres):
    first, second = (vetting_server("--anonymous", store=postgres.url) for _ in range(2))
    wheel = "vetapp-1.0.0-py3-none-any.whl"
    upstream.drip(wheel, chunk=64, interval=0.05)
    try:
        before = upstream.downloads.get(wheel, 0)
        results: list = [None]
        client = threading.Thread(target=_get, args=(f"{first.url}/files/vetapp/{wheel}", results, 0))
        client.start()
        wait_until(lambda: upstream.downloads.get(wheel, 0) > before, 60, "the replica to start downloading")
        first.stop(signal.SIGKILL)
        client.join()
    finally:
        upstream._drips.clear()
    assert isinstance(results[0], requests.RequestException), results[0]  # the client got no file at all
    assert open_store(postgres.url).file_check(upstream.projects["vetapp"].files[0].sha256, checks_fingerprint()) is None
    served = requests.get(f"{second.url}/files/vetapp/{wheel}", timeout=scaled(120))
    assert served.status_code == 200 and second.health()["scans"] == 1
    assert hashlib.sha256(served.content).hexdigest() == upstream.projects["vetapp"].files[0].sha256


def test_the_database_restarting_mid_run_loses_no_decision(vetting_server, postgres):
    server = vetting_server("--anonymous", store=postgres.url)
    url = f"{server.url}/files/vetbase/{WHEEL}"
    assert requests.get(url, timeout=scaled(120)).status_code == 200
    postgres.stop()
    again = requests.get(url, timeout=scaled(120))
    assert again.status_code == 200  # its check is remembered: served, and the decision kept for later
    new = requests.get(f"{server.url}/files/vetapp/vetapp-1.0.0-py3-none-any.whl", timeout=scaled(120))
    assert new.status_code == 503 and "verdict store" in new.text  # a file not checked yet is never served
    typo = requests.get(f"{server.simple}reqeusts/", timeout=scaled(60))  # refused by name: logged later
    assert typo.status_code == 403
    assert server.health()["pending_decisions"] >= 1
    postgres.start()
    store = open_store(postgres.url)

    def logged():
        return {(d.project, d.served) for d in store.decisions(DecisionFilter(limit=50))} >= {("vetbase", True), ("reqeusts", False)}

    wait_until(logged, 60, "the decisions kept while the database was away to be written")
    assert requests.get(url, timeout=scaled(120)).status_code == 200
    store.close()
