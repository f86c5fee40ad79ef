"""The cool-down in the kernel's own check (SafePip.min_release_age): pip's --uploaded-prior-to passes over
young releases, the report says which and why, and a younger release pinned exactly is kept with a warning."""

from __future__ import annotations

import os
import subprocess

import pytest

from jupyter_safepip.core.model import Verdict
from jupyter_safepip.core.settings import Settings
from jupyter_safepip.guard import Guard
from jupyter_safepip.testing.builders import build_wheel
from jupyter_safepip.testing.index import PackageIndex
from tests.conftest import ESTABLISHED, isolated_pip_env

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def young_index(tmp_path_factory):
    files = tmp_path_factory.mktemp("cool-files")
    index = PackageIndex()
    for version, age in (("1.0.0", 900), ("1.1.0", 600), ("1.2.0", 0.5)):
        index.add(build_wheel(files, "coolpkg", version, requires=["coolbase"]), age_days=age, **ESTABLISHED)
    index.add(build_wheel(files, "coolbase", "1.0.0"), age_days=800, **ESTABLISHED)
    index.add(build_wheel(files, "coolbase", "1.1.0"), age_days=1)
    index.start()
    yield index
    index.stop()


@pytest.fixture
def guard_for(young_index, target_env_with_new_pip, tmp_path, monkeypatch):
    _use_only(young_index, tmp_path, monkeypatch)

    def make(days: float) -> Guard:
        return Guard(Settings(python=target_env_with_new_pip.python, cache_dir=tmp_path / "cache", min_release_age=days))

    return make


def _use_only(index, tmp_path, monkeypatch) -> None:
    """pip (and safepip's reading of pip's configuration) sees only this index."""
    wanted = isolated_pip_env(index.url, tmp_path / "pip-cache")
    for key in [k for k in os.environ if k.startswith("PIP_") and k not in wanted]:
        monkeypatch.delenv(key)
    for key, value in wanted.items():
        monkeypatch.setenv(key, value)


def _versions(report) -> dict[str, str]:
    return {p.candidate.name: p.candidate.version for p in report.packages}


def _findings(report, rule_id: str) -> list:
    return [f for p in report.packages for f in p.findings if f.rule_id == rule_id]


def test_young_releases_are_passed_over_and_the_report_says_which(guard_for):
    guard = guard_for(3)
    report = guard.check(guard.parse("install coolpkg"), "pip install coolpkg").report
    assert _versions(report) == {"coolpkg": "1.1.0", "coolbase": "1.0.0"}
    passed = {f.package: f.message for f in _findings(report, "meta.cool-down-passed-over")}
    assert "1.2.0" in passed["coolpkg"] and "passed over for 1.1.0" in passed["coolpkg"]
    assert "1.1.0" in passed["coolbase"]
    assert report.verdict is Verdict.ALLOW, report.reasons


def test_without_a_cool_down_the_newest_releases_are_chosen(guard_for):
    guard = guard_for(0)
    report = guard.check(guard.parse("install coolpkg"), "pip install coolpkg").report
    assert _versions(report) == {"coolpkg": "1.2.0", "coolbase": "1.1.0"}
    assert not _findings(report, "meta.cool-down-passed-over")


def test_an_exact_pin_of_a_young_release_is_kept_and_warns(guard_for):
    guard = guard_for(3)
    report = guard.check(guard.parse("install coolpkg==1.2.0"), "pip install coolpkg==1.2.0").report
    assert _versions(report) == {"coolpkg": "1.2.0", "coolbase": "1.0.0"}  # its dependency still cools down
    pinned = _findings(report, "meta.cool-down-pinned")
    assert [f.package for f in pinned] == ["coolpkg"] and "pinned exactly" in pinned[0].message
    assert report.verdict is Verdict.WARN



def test_a_pip_without_the_option_is_a_clear_could_not_check(young_index, target_env, tmp_path, monkeypatch):
    _use_only(young_index, tmp_path, monkeypatch)
    old = subprocess.run([target_env.python, "-m", "pip", "install", "--help"], capture_output=True, text=True)
    if "--uploaded-prior-to" in old.stdout:
        pytest.skip("this machine's venv pip already knows --uploaded-prior-to")
    guard = Guard(Settings(python=target_env.python, cache_dir=tmp_path / "cache", min_release_age=3))
    report = guard.check(guard.parse("install coolpkg"), "pip install coolpkg").report
    assert report.could_not_check and "needs a pip with --uploaded-prior-to" in report.errors[0].reason
    assert not report.packages
