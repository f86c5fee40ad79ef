"""Index faults from a loopback index the test controls: every one ends in the policy's fail mode with a
clear message, and no unchecked byte is installed."""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from jupyter_safepip.core.model import Verdict
from jupyter_safepip.core.policy import FailMode, fail_verdict, installs_unattended
from jupyter_safepip.guard import IncompleteRequest
from jupyter_safepip.testing.builders import build_wheel
from tests.reliability.conftest import assert_nothing_installed, guard_for, recorded_hashes, tally

pytestmark = pytest.mark.integration
WHEEL = "steadypkg-1.0.0-py3-none-any.whl"


def check(guard, line: str = "install steadypkg"):
    return guard.check(guard.parse(line), line)


def messages(report) -> str:
    return " | ".join([e.reason for e in report.errors] + [e.reason for p in report.packages for e in p.errors])


def unattended_install(guard, assessment) -> None:
    """What a front door with nobody to ask does: install only if the policy says so."""
    if installs_unattended(guard.settings.policy, assessment.report.verdict):
        try:
            guard.install(assessment)
        except IncompleteRequest:
            pass  # pip never resolved the whole request: the front doors say nothing was installed, and why


# (name, how to break the index, words the user must see). Faults on /pypi/ reach only safepip's own
# client (pip never reads the JSON API); faults on /simple/ and /files/ reach pip's resolver as well.
FAULTS = {
    "json-api-http-500": (lambda ix: ix.fail_matching("/pypi/", 50), "answered HTTP 500"),
    "simple-http-503": (lambda ix: ix.fail_matching("/simple/", 50, status=503), "could not resolve"),
    "json-api-timeout": (lambda ix: ix.drip("/pypi/", chunk=8, interval=2.5), "did not answer in time"),
    "json-api-truncated": (lambda ix: ix.truncate("/pypi/", keep=40), "Connection broken"),
    "json-api-invalid-json": (
        lambda ix: ix.fail_matching("/pypi/", 50, status=200, content_type="application/json", body=b'{"info": {"na'),
        "invalid JSON",
    ),
    "simple-json-invalid": (
        lambda ix: ix.fail_matching("/simple/", 50, status=200, content_type="application/vnd.pypi.simple.v1+json",
                                    body=b'{"files": [{"filename": 3'),
        "could not resolve",
    ),
    "file-http-500": (lambda ix: ix.fail_matching("/files/", 50), "could not resolve"),
    "file-truncated": (lambda ix: ix.truncate("/files/", keep=100), "could not resolve"),
    "json-api-not-an-object": (
        lambda ix: ix.fail_matching("/pypi/", 50, status=200, content_type="application/json", body=b"[1, 2]"),
        "unexpected JSON",
    ),
    "json-api-wrong-types": (
        lambda ix: ix.fail_matching("/pypi/", 50, status=200, content_type="application/json",
                                    body=b'{"info": "x", "releases": 5, "vulnerabilities": 7}'),
        "unexpected JSON",
    ),
    "simple-json-wrong-types": (
        lambda ix: ix.fail_matching("/simple/", 50, status=200, content_type="application/vnd.pypi.simple.v1+json",
                                    body=b'{"files": 3}'),
        "could not resolve",
    ),
}


# Every fault with a closed policy; two of them (one before, one after pip's resolution) in every mode.
CASES = [(f, FailMode.CLOSED) for f in sorted(FAULTS)] + [
    (f, mode) for f in ("json-api-http-500", "simple-http-503") for mode in (FailMode.WARN, FailMode.OPEN)
]


@pytest.mark.parametrize(("fault", "fail_mode"), CASES)
def test_index_fault_ends_in_the_fail_mode(fault_index, shared_env, shared_env_baseline, tmp_path, fault, fail_mode):
    inject, words = FAULTS[fault]
    inject(fault_index.index)
    tally("faults injected")
    guard = guard_for(shared_env.python, tmp_path / "cache", fail_mode, timeout=1.0)
    assessment = check(guard)
    report = assessment.report
    assert report.could_not_check, f"{fault}: the fault went unnoticed"
    assert words in messages(report), messages(report)
    assert all("\n" not in m for m in messages(report).split(" | ")), "messages are one line"
    assert report.verdict >= fail_verdict(guard.settings.policy)
    unattended_install(guard, assessment)
    if fail_mode is FailMode.OPEN and assessment.artifacts:
        # Failing open installs what was inspected, nothing else: steadypkg's inspected wheel.
        installed = recorded_hashes(shared_env.path, [a.path for a in assessment.artifacts])
        assert installed == {a.candidate.name: a.sha256 for a in assessment.artifacts}
        subprocess.run([shared_env.python, "-m", "pip", "uninstall", "-y", "-q", "steadypkg"], check=True)
    assert_nothing_installed(shared_env, shared_env_baseline, "steadypkg")


def test_a_slow_drip_that_keeps_talking_is_read_to_the_end(fault_index, shared_env, tmp_path):
    # Each write comes well within the timeout: slow is not broken, and the check is complete.
    fault_index.index.drip("/pypi/", chunk=256, interval=0.02)
    tally("faults injected")
    report = check(guard_for(shared_env.python, tmp_path / "cache", FailMode.CLOSED, timeout=1.0)).report
    assert not report.could_not_check, messages(report)
    assert report.verdict is Verdict.ALLOW


@pytest.mark.parametrize("downloads_before_swap", [0, 1])
def test_a_file_whose_bytes_differ_from_the_announced_hash_is_refused(
    fault_index, shared_env, shared_env_baseline, tmp_path, downloads_before_swap
):
    # 0: pip's own download already gets other bytes; 1: pip gets the real file, safepip's download does not.
    other = build_wheel(tmp_path / "other", "steadypkg", "1.0.0", files={"steadypkg/__init__.py": "EVIL = 1\n"})
    fault_index.index.swap_file(WHEEL, other.read_bytes(), after=downloads_before_swap)
    tally("faults injected")
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.OPEN)
    assessment = check(guard)
    report = assessment.report
    assert report.could_not_check
    text = messages(report).lower()
    assert "hash" in text or "differs from the index" in text, text
    assert not any(a.candidate.name == "steadypkg" for a in assessment.artifacts)
    unattended_install(guard, assessment)
    assert_nothing_installed(shared_env, shared_env_baseline, "steadypkg")


def test_a_file_republished_between_check_and_install_is_not_fetched_again(fault_index, target_env, tmp_path):
    # The index re-publishes different bytes (with a matching hash) right after the check: the install
    # must use the inspected copy from the store and not talk to the index at all.
    other = build_wheel(tmp_path / "other", "steadypkg", "1.0.0", files={"steadypkg/__init__.py": "EVIL = 1\n"})
    guard = guard_for(target_env.python, tmp_path / "cache", FailMode.CLOSED)
    assessment = check(guard)
    assert assessment.report.verdict is Verdict.ALLOW, assessment.report.reasons
    served = fault_index.index.downloads[WHEEL]
    fault_index.index.swap_file(WHEEL, other.read_bytes(), after=served, announce=True)
    tally("faults injected")
    hits_before = list(fault_index.index.hits)
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    assert fault_index.index.hits == hits_before, "the install talked to the index"
    inspected = assessment.artifacts[0]
    assert recorded_hashes(target_env.path, [inspected.path, other]) == {"steadypkg": inspected.sha256}
    assert inspected.sha256 == hashlib.sha256((fault_index.files / WHEEL).read_bytes()).hexdigest()
    assert subprocess.run([target_env.python, "-c", "import steadypkg; assert not hasattr(steadypkg, 'EVIL')"]).returncode == 0
