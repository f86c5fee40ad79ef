"""Poisoned and damaged cache entries: the artifact store, the scan cache and the HTTP cache. Each is
detected (content hashes, entry digests, unreadable pages) and refetched or re-scanned; what is installed
is still the index's original, inspected bytes."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest

from jupyter_safepip.core.model import Verdict
from jupyter_safepip.core.policy import FailMode
from jupyter_safepip.testing.builders import build_wheel
from tests.conftest import ESTABLISHED
from tests.reliability.conftest import FLAGGED_FILES, guard_for, recorded_hashes, tally

pytestmark = pytest.mark.integration
WHEEL = "steadypkg-1.0.0-py3-none-any.whl"


def check(guard, line: str = "install steadypkg"):
    return guard.check(guard.parse(line), line)


def _evil_wheel(tmp_path) -> bytes:
    """A wheel with the same name and version as the original, carrying a flagged .pth payload."""
    return build_wheel(tmp_path / "evil", "steadypkg", "1.0.0", files={**FLAGGED_FILES, "steadypkg/__init__.py": "EVIL = 1\n"}).read_bytes()


# How to damage the stored wheel of a warm cache: a look-alike malicious wheel, random bytes, a cut-off file, none.
STORE_DAMAGE = {
    "replaced-by-malicious-wheel": lambda path, tmp: path.write_bytes(_evil_wheel(tmp)),
    "garbage": lambda path, tmp: path.write_bytes(b"\x00garbage" * 100),
    "truncated": lambda path, tmp: path.write_bytes(path.read_bytes()[:100]),
    "deleted": lambda path, tmp: path.unlink(),
}


@pytest.mark.parametrize("damage", sorted(STORE_DAMAGE))
def test_a_damaged_stored_wheel_is_detected_refetched_and_the_original_installed(fault_index, target_env, tmp_path, damage):
    guard = guard_for(target_env.python, tmp_path / "cache", FailMode.CLOSED)
    first = check(guard)
    assert first.report.verdict is Verdict.ALLOW, first.report.reasons
    stored = first.artifacts[0].path
    original = hashlib.sha256((fault_index.files / WHEEL).read_bytes()).hexdigest()
    STORE_DAMAGE[damage](stored, tmp_path)
    tally("faults injected")

    second = check(guard)
    assert second.report.verdict is Verdict.ALLOW, second.report.reasons
    assert [a.sha256 for a in second.artifacts] == [original]
    # The damaged bytes are gone from the store: the original was fetched again and kept in their place.
    assert second.artifacts[0].path == stored
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == original
    result = guard.install(second)
    assert result is not None and result.returncode == 0, result.stdout
    assert recorded_hashes(target_env.path, [stored]) == {"steadypkg": original}
    assert subprocess.run([target_env.python, "-c", "import steadypkg; assert not hasattr(steadypkg, 'EVIL')"]).returncode == 0
    assert not list(target_env.path.rglob("steadypkg_hook.pth"))


def _flagged_index(fault_index, tmp_path) -> None:
    fault_index.index.add(build_wheel(tmp_path / "flagged", "hookpkg", "1.0.0", files=FLAGGED_FILES), age_days=700, **ESTABLISHED)


def _clean_result(entry: dict) -> dict:
    return {**entry["result"], "findings": [], "errors": []}


# How to tamper with the scan-cache entry of a flagged wheel so that it reads "clean".
SCAN_TAMPERING = {
    "findings-emptied": lambda entry, other: {**entry, "result": _clean_result(entry)},
    "whole-file-garbage": lambda entry, other: "not json at all {",
    "entry-of-a-clean-file-copied-over": lambda entry, other: other,
    "subject-and-result-swapped-in": lambda entry, other: {**other, "digest": entry["digest"]},
    "old-format-without-digest": lambda entry, other: _clean_result(entry),
}


@pytest.mark.parametrize("tampering", sorted(SCAN_TAMPERING))
def test_a_tampered_scan_cache_entry_is_not_trusted(fault_index, shared_env, tmp_path, tampering):
    _flagged_index(fault_index, tmp_path)
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.CLOSED)
    clean = check(guard)  # steadypkg: a clean entry to copy from
    first = check(guard, "install hookpkg")
    assert first.report.verdict is Verdict.BLOCK, first.report.reasons
    entries = {json.loads(p.read_text())["subject"]["name"]: p for p in (tmp_path / "cache" / "scans").rglob("*.json")}
    assert set(entries) == {"steadypkg", "hookpkg"} and clean.report.verdict is Verdict.ALLOW
    flagged_entry = json.loads(entries["hookpkg"].read_text())
    forged = SCAN_TAMPERING[tampering](flagged_entry, json.loads(entries["steadypkg"].read_text()))
    entries["hookpkg"].write_text(forged if isinstance(forged, str) else json.dumps(forged))
    tally("faults injected")

    again = check(guard, "install hookpkg")
    assert again.report.verdict is Verdict.BLOCK, "a tampered scan result was trusted"
    assert {f.rule_id for p in again.report.packages for f in p.findings} >= {
        f.rule_id for p in first.report.packages for f in p.findings
    }
    assert json.loads(entries["hookpkg"].read_text()) == flagged_entry, "the entry was not rewritten by a fresh scan"


def test_a_clean_entry_is_reused_without_rescanning(fault_index, shared_env, tmp_path):
    # The other side of the digest: an intact entry is trusted, so a warm check does not re-read the archive.
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.CLOSED)
    check(guard)
    entry = next((tmp_path / "cache" / "scans").rglob("*.json"))
    written = entry.stat().st_mtime_ns
    assert check(guard).report.verdict is Verdict.ALLOW
    assert entry.stat().st_mtime_ns == written


# How to damage the HTTP cache of index pages after a warm check.
HTTP_DAMAGE = {
    "every-file-garbage": lambda f: f.write_bytes(b"\x93garbage\x00" * 10),
    "bodies-truncated": lambda f: f.write_bytes(f.read_bytes()[:20]) if f.name.endswith(".body") else None,
    "bodies-emptied": lambda f: f.write_bytes(b"") if f.name.endswith(".body") else None,
}


@pytest.mark.parametrize("damage", sorted(HTTP_DAMAGE))
def test_a_damaged_http_cache_is_refetched(fault_index, shared_env, tmp_path, damage):
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.CLOSED)
    assert check(guard).report.verdict is Verdict.ALLOW
    cached = [f for f in (tmp_path / "cache" / "http").rglob("*") if f.is_file()]
    assert cached, "nothing was cached"
    for f in cached:
        HTTP_DAMAGE[damage](f)
    tally("faults injected")
    hits = len(fault_index.index.hits_for("/pypi/steadypkg/"))

    # A new guard: a kernel restarted on the damaged cache (the pipeline's in-memory memo is gone).
    report = check(guard_for(shared_env.python, tmp_path / "cache", FailMode.CLOSED)).report
    assert not report.could_not_check, [e.reason for p in report.packages for e in p.errors]
    assert report.verdict is Verdict.ALLOW
    assert len(fault_index.index.hits_for("/pypi/steadypkg/")) > hits, "the damaged pages were not fetched again"
