"""`safepip check` lists what reaches the warn threshold, counts the rest in one line, lists it all with --all;
--json always has everything. Against the loopback fixture index (tidyframe's dependency has an info finding)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def safepip(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", *args], capture_output=True, text=True, env=env)


@pytest.fixture
def env(pip_uses_index, tmp_path) -> dict[str, str]:
    return {**os.environ, "SAFEPIP_CACHE_DIR": str(tmp_path / "cache"), "SAFEPIP_HISTORY_PATH": str(tmp_path / "history.sqlite")}


def test_check_counts_minor_findings_and_all_lists_them(env):
    short = safepip(env, "check", "tidyframe")
    assert short.returncode == 0, short.stdout + short.stderr
    assert "name.resembles" not in short.stdout
    assert "1 info finding in allowed packages not shown (safepip check --all lists them)" in short.stdout
    full = safepip(env, "check", "--all", "tidyframe")
    assert full.returncode == 0 and "tidyutils 1.1.0: allow" in full.stdout and "[info] name.resembles" in full.stdout
    assert "not shown" not in full.stdout
    data = json.loads(safepip(env, "check", "--json", "tidyframe").stdout)
    assert [f["rule_id"] for p in data["packages"] for f in p["findings"]] == ["name.resembles"]


def test_a_package_that_warns_shows_all_its_findings_without_all(env):
    warned = safepip(env, "check", "freshpkg")
    assert warned.returncode == 1 and "[medium] meta.new-project" in warned.stdout
    assert "[low] meta.single-release" in warned.stdout and "not shown" not in warned.stdout
