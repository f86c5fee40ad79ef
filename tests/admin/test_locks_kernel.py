"""A locked administrator policy in real kernels of an environment where `jupyter safepip enable` was run.

pip itself is given no index at all (no configuration, no PIP_INDEX_URL): every install resolves from the
administrator's trusted index or not at all. The history goes to the administrator's shared file.
"""

from __future__ import annotations

import json

import pytest

from jupyter_safepip.core.history import HistoryStore
from jupyter_safepip.guard import LOCKED_RULE

pytestmark = pytest.mark.integration
OTHER = "http://127.0.0.1:9/other/simple"


def start_locked_kernel(tmp, index_url: str):
    """A kernel of a fresh admin environment in `tmp` where `enable --sys-prefix` was run with a locked policy."""
    from tests.admin.conftest import make_admin_env

    admin_env = make_admin_env(tmp)
    shared = tmp / "shared" / "history.sqlite"
    policy = {"index_url": index_url, "history_path": str(shared), "block_at": "high", "install_anyway": False,
              "locked": ["enabled", "index_url", "block_at", "install_anyway"]}
    (admin_env.prefix / "etc" / "jupyter").mkdir(parents=True)
    (admin_env.prefix / "etc" / "jupyter" / "jupyter_safepip_config.json").write_text(json.dumps({"SafePip": policy}))
    assert admin_env.run("enable", "--sys-prefix").returncode == 0
    kernel = admin_env.kernel(tmp / "kernel", SAFEPIP_NONINTERACTIVE="1")
    kernel.shared_history = shared
    return kernel


@pytest.fixture(scope="module")
def locked_kernel(package_index, tmp_path_factory):
    """One such kernel for the module's tests that install nothing."""
    kernel = start_locked_kernel(tmp_path_factory.mktemp("locked"), package_index.url)
    yield kernel
    kernel.stop()


@pytest.fixture
def own_locked_kernel(package_index, tmp_path):
    """One for a test that installs: what it installs stays in its own environment."""
    kernel = start_locked_kernel(tmp_path, package_index.url)
    yield kernel
    kernel.stop()


def refusals(kernel) -> list:
    entries = HistoryStore(kernel.shared_history).query(limit=100) if kernel.shared_history.exists() else ()
    return [e for e in entries if any(f.rule_id == LOCKED_RULE for f in e.findings)]


def one_line_error(result) -> str:
    assert result.status == "error" and "Traceback" not in result.text
    [line] = [line for line in result.text.splitlines() if line.strip()]
    return line


def test_unload_ext_is_refused_and_recorded(locked_kernel):
    line = one_line_error(locked_kernel.run("%unload_ext jupyter_safepip"))
    assert line.startswith("UsageError: safepip: %unload_ext jupyter_safepip refused: SafePip.enabled is locked")
    assert locked_kernel.guard_loaded()
    reload = locked_kernel.run("%reload_ext jupyter_safepip")
    assert reload.status == "error" and locked_kernel.guard_loaded()
    assert [e.command for e in refusals(locked_kernel)].count("%unload_ext jupyter_safepip") == 2
    assert all(e.decision == "blocked" and e.source == "magic" for e in refusals(locked_kernel))


def test_policy_changes_from_the_notebook_are_refused_for_locked_settings(locked_kernel):
    line = one_line_error(locked_kernel.run("%safepip policy block_at critical"))
    assert "%safepip policy block_at critical refused: SafePip.block_at is locked" in line
    assert "%safepip policy block_at critical" in [e.command for e in refusals(locked_kernel)]
    free = locked_kernel.run("%safepip policy warn_at low")
    assert free.status == "ok" and "warn_at = 'low' for this kernel" in free.text
    shown = locked_kernel.run("%safepip policy").text
    assert any(l.split() == ["warn_at", "low", "session"] for l in shown.splitlines())
    assert any(l.split()[:4] == ["block_at", "high", "environment", "yes"] for l in shown.splitlines())


def test_safepip_variables_set_from_the_notebook_cannot_lift_a_lock(locked_kernel):
    result = locked_kernel.run("import os; os.environ['SAFEPIP_INSTALL_ANYWAY'] = 'true'\n%safepip policy")
    assert "safepip: install_anyway is locked by the administrator; the env-var value True was ignored" in result.text
    assert any(l.split()[:4] == ["install_anyway", "False", "environment", "yes"] for l in result.text.splitlines())
    assert any("env-var value True was ignored" in e.command for e in refusals(locked_kernel))
    # A fresh Guard made by hand in the notebook sees the same locks.
    fresh = locked_kernel.run("from jupyter_safepip.guard import Guard; g = Guard()\n"
                              "print('FRESH', g.settings.policy.install_anyway, g.config.refused)")
    assert "FRESH False" in fresh.text and "install_anyway is locked" in fresh.text
    locked_kernel.run("del os.environ['SAFEPIP_INSTALL_ANYWAY']")


@pytest.mark.parametrize("line, refused", [
    (f"%pip install -i {OTHER} tidyframe", f"--index-url {OTHER}"),
    (f"%pip install --extra-index-url {OTHER} tidyframe", "--extra-index-url"),
    ("%pip install --find-links /tmp tidyframe", "--find-links /tmp"),
    (f"!pip install --index-url {OTHER} tidyframe", f"--index-url {OTHER}"),
])
def test_other_indexes_are_refused_in_the_kernel(locked_kernel, line, refused):
    error = one_line_error(locked_kernel.run(line))
    assert "the administrator allows only the index" in error and refused in error
    assert any(refused in e.findings[0].message for e in refusals(locked_kernel))


def test_installs_resolve_from_the_trusted_index_and_typo_squats_stay_blocked(own_locked_kernel):
    installed = own_locked_kernel.run("%pip install tidyframe")
    assert installed.status == "ok", installed.text
    assert "safepip checked 3 package(s)" in installed.text
    blocked = own_locked_kernel.run("%pip install reqeusts")
    assert blocked.status == "error" and "nothing was installed" in blocked.text
    decisions = {(e.command, e.decision) for e in HistoryStore(own_locked_kernel.shared_history).query(limit=100)}
    assert ("pip install tidyframe", "installed") in decisions and ("pip install reqeusts", "blocked") in decisions


def test_enabled_false_is_a_user_opt_out_unless_the_administrator_locks_it(tmp_path):
    from tests.admin.conftest import make_admin_env

    admin_env = make_admin_env(tmp_path)
    assert admin_env.run("enable").returncode == 0
    user_config = tmp_path / "home" / ".jupyter"
    user_config.mkdir(parents=True)
    (user_config / "jupyter_safepip_config.json").write_text(json.dumps({"SafePip": {"enabled": False}}))
    opted_out = admin_env.kernel(tmp_path / "k1")
    try:
        assert not opted_out.guard_loaded()
    finally:
        opted_out.stop()
    (admin_env.prefix / "etc" / "jupyter" / "jupyter_safepip_config.json").write_text(
        json.dumps({"SafePip": {"locked": ["enabled"]}}))
    kept = admin_env.kernel(tmp_path / "k2")
    try:
        assert kept.guard_loaded()
        shown = kept.run("%safepip policy").text
        assert "safepip: enabled is locked by the administrator; the user value False was ignored" in shown
    finally:
        kept.stop()
