"""`jupyter safepip enable|disable|status` in a throwaway venv, checked by kernels and jupyter_server themselves."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.waits import scaled

pytestmark = pytest.mark.integration
KERNEL_KEY = {"IPKernelApp": {"extra_extensions": ["jupyter_safepip"]}}
SERVER_ON = {"ServerApp": {"jpserver_extensions": {"jupyter_safepip.server": True}}}


def read(path) -> dict:
    return json.loads(path.read_text())


def server_extensions(admin_env) -> str:
    """jupyter_server's own listing of the enabled extensions, per configuration directory (colours removed)."""
    done = subprocess.run([admin_env.python, "-m", "jupyter_server.extension.serverextension", "list"],
                          capture_output=True, text=True, env=admin_env.env, timeout=scaled(120))
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)


def test_sys_prefix_round_trip_with_real_kernels(admin_env, tmp_path):
    before = admin_env.kernel(tmp_path / "k0")
    try:
        assert not before.guard_loaded()
    finally:
        before.stop()

    enabled = admin_env.run("enable", "--sys-prefix")
    assert enabled.returncode == 0, enabled.stderr
    kernel_config = admin_env.prefix / "etc" / "ipython" / "ipython_kernel_config.json"
    server_config = admin_env.prefix / "etc" / "jupyter" / "jupyter_server_config.d" / "jupyter_safepip.json"
    assert read(kernel_config) == KERNEL_KEY
    assert read(server_config) == SERVER_ON
    listing = server_extensions(admin_env)
    assert "jupyter_safepip.server enabled" in listing and "jupyter_safepip.server  OK" in listing

    again = admin_env.run("enable", "--sys-prefix")
    assert again.returncode == 0 and "nothing to do" in again.stdout
    assert read(kernel_config) == KERNEL_KEY  # idempotent: listed once

    status = admin_env.run("status")
    assert status.returncode == 0, status.stderr
    rows = {line.split()[0]: line.split()[1:3] for line in status.stdout.splitlines()
            if line.split()[:1] in (["system"], ["sys-prefix"], ["user"]) and not line.startswith(" ")}
    assert rows["sys-prefix"] == ["yes", "yes"] and rows["user"] == ["-", "-"]
    assert "new kernels of this environment load the guard: yes" in status.stdout
    assert "block_at" in status.stdout and "default" in status.stdout

    # A kernel started after `enable`, with no %load_ext anywhere, is guarded.
    kernel = admin_env.kernel(tmp_path / "k1")
    try:
        assert kernel.guard_loaded()
        policy = kernel.run("%safepip policy")
        assert policy.status == "ok" and "block_at" in policy.text
    finally:
        kernel.stop()

    disabled = admin_env.run("disable", "--sys-prefix")
    assert disabled.returncode == 0, disabled.stderr
    assert not kernel_config.exists() and not server_config.exists()  # enable created them, disable took them out
    assert "jupyter_safepip.server" not in server_extensions(admin_env)
    after = admin_env.kernel(tmp_path / "k2")
    try:
        assert not after.guard_loaded()
    finally:
        after.stop()
    assert "new kernels of this environment load the guard: no" in admin_env.run("status").stdout


def test_user_level_writes_the_profile_and_the_users_jupyter_dir(admin_env, tmp_path):
    home = tmp_path / "home"
    result = admin_env.run("enable", "--user")
    assert result.returncode == 0, result.stderr
    profile_config = home / ".ipython" / "profile_default" / "ipython_kernel_config.json"
    server_config = home / ".jupyter" / "jupyter_server_config.d" / "jupyter_safepip.json"
    assert read(profile_config) == KERNEL_KEY and read(server_config) == SERVER_ON
    assert not (admin_env.prefix / "etc" / "ipython").exists()
    status = admin_env.run("status", "--user").stdout
    assert any(line.split()[:3] == ["user", "yes", "yes"] for line in status.splitlines())
    assert f"  user        {home / '.ipython' / 'profile_default'}; {home / '.jupyter'}" in status

    kernel = admin_env.kernel(tmp_path / "k")
    try:
        assert kernel.guard_loaded()
    finally:
        kernel.stop()
    assert admin_env.run("disable", "--user").returncode == 0
    assert not profile_config.exists() and not server_config.exists()


def test_existing_files_are_merged_and_restored(admin_env):
    etc = admin_env.prefix / "etc"
    kernel_config = etc / "ipython" / "ipython_kernel_config.json"
    server_config = etc / "jupyter" / "jupyter_server_config.d" / "jupyter_safepip.json"
    kernel_config.parent.mkdir(parents=True)
    server_config.parent.mkdir(parents=True)
    original = {"IPKernelApp": {"extra_extensions": ["autoreload"], "matplotlib": "inline", "exec_lines": []},
                "InteractiveShell": {"colors": "nocolor"}}
    kernel_config.write_text(json.dumps(original))
    server_config.write_text(json.dumps({"ServerApp": {"jpserver_extensions": {"other_ext": True}, "port": 9999}}))

    assert admin_env.run("enable").returncode == 0  # --sys-prefix is the default
    merged = read(kernel_config)
    assert merged["IPKernelApp"]["extra_extensions"] == ["autoreload", "jupyter_safepip"]
    assert merged["InteractiveShell"] == {"colors": "nocolor"} and merged["IPKernelApp"]["matplotlib"] == "inline"
    assert read(server_config)["ServerApp"] == {"jpserver_extensions": {"other_ext": True, "jupyter_safepip.server": True},
                                               "port": 9999}

    assert admin_env.run("disable").returncode == 0
    assert read(kernel_config) == original
    assert read(server_config) == {"ServerApp": {"jpserver_extensions": {"other_ext": True}, "port": 9999}}


def test_disable_also_takes_out_a_hand_written_extensions_entry_and_says_what_still_enables_it(admin_env):
    etc = admin_env.prefix / "etc"
    (etc / "ipython").mkdir(parents=True)
    (etc / "ipython" / "ipython_kernel_config.json").write_text(json.dumps({"IPKernelApp": {"extensions": ["jupyter_safepip"]}}))
    other = etc / "jupyter" / "jupyter_server_config.d" / "jupyter_safepip.server.json"
    other.parent.mkdir(parents=True)
    other.write_text(json.dumps(SERVER_ON))
    status = admin_env.run("status", "--sys-prefix").stdout
    assert any(line.split()[:3] == ["sys-prefix", "yes", "yes"] for line in status.splitlines())
    result = admin_env.run("disable")
    assert result.returncode == 0
    assert not (etc / "ipython" / "ipython_kernel_config.json").exists()
    assert f"still enabled at the sys-prefix level by {other}" in result.stdout


def test_unreadable_files_are_one_line_errors_and_nothing_changes(admin_env):
    kernel_config = admin_env.prefix / "etc" / "ipython" / "ipython_kernel_config.json"
    kernel_config.parent.mkdir(parents=True)
    kernel_config.write_text("{not json")
    result = admin_env.run("enable")
    assert result.returncode == 1
    assert "is not valid JSON" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert kernel_config.read_text() == "{not json"
    assert not (admin_env.prefix / "etc" / "jupyter" / "jupyter_server_config.d" / "jupyter_safepip.json").exists()

    kernel_config.unlink()
    server_config = admin_env.prefix / "etc" / "jupyter" / "jupyter_server_config.d" / "jupyter_safepip.json"
    server_config.parent.mkdir(parents=True)
    server_config.write_text("[]")
    result = admin_env.run("enable")
    assert result.returncode == 1 and "does not hold a JSON object" in result.stderr
    assert not kernel_config.exists()  # the kernel half is not written when the server half cannot be

    unwritable = admin_env.run("enable", "--user", HOME="/proc/nonexistent", IPYTHONDIR="/proc/nonexistent/.ipython")
    assert unwritable.returncode == 1 and "cannot write" in unwritable.stderr and "Traceback" not in unwritable.stderr


def test_usage_errors_exit_2_without_a_traceback(admin_env):
    both = admin_env.run("enable", "--user", "--system")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr and "Traceback" not in both.stderr
    nothing = admin_env.run()
    assert nothing.returncode == 2 and "usage:" in nothing.stderr


def test_status_shows_the_locked_policy_and_where_each_value_comes_from(admin_env):
    config_dir = admin_env.prefix / "etc" / "jupyter"
    config_dir.mkdir(parents=True)
    (config_dir / "jupyter_safepip_config.json").write_text(json.dumps(
        {"SafePip": {"block_at": "medium", "index_url": "http://127.0.0.1:9/simple", "locked": ["block_at", "index_url"]}}))
    user_dir = admin_env.prefix.parent / "home" / ".jupyter"
    user_dir.mkdir(parents=True)
    (user_dir / "jupyter_safepip_config.json").write_text(json.dumps({"SafePip": {"block_at": "critical", "warn_at": "low"}}))
    out = admin_env.run("status").stdout
    settings = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  ") and len(line.split()) >= 3}
    assert settings["block_at"] == ['"medium"', "environment", "yes"]
    assert settings["index_url"] == ['"http://127.0.0.1:9/simple"', "environment", "yes"]
    assert settings["warn_at"] == ['"low"', "user"]
    assert "refused: block_at is locked by the administrator; the user value 'critical' was ignored" in out


def _first_index(admin_env) -> str:
    """The index pip reads in the environment, as its own configuration loader says (configuration files on)."""
    env = {k: v for k, v in admin_env.env.items() if k != "PIP_CONFIG_FILE"}
    done = subprocess.run([admin_env.python, "-c", "from jupyter_safepip.core.request import configured_indexes; "
                           "print(configured_indexes()[0][0])"], capture_output=True, text=True, env=env,
                          timeout=scaled(120))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_hub_index_points_pip_and_the_guard_of_an_environment_at_the_vetting_index(admin_env):
    url = "http://safepip-index.example:8765/simple/"
    result = admin_env.run("enable", "--sys-prefix", "--hub-index", url)
    assert result.returncode == 0, result.stderr
    assert _first_index(admin_env) == url
    assert read(admin_env.prefix / "etc" / "jupyter" / "jupyter_safepip_config.json") == {"SafePip": {"index_url": url}}
    assert "uv reads no per-environment configuration" in result.stdout
    off = admin_env.run("disable", "--sys-prefix", "--hub-index")
    assert off.returncode == 0, off.stderr
    assert _first_index(admin_env) != url
    assert not (admin_env.prefix / "etc" / "jupyter" / "jupyter_safepip_config.json").exists()


def test_hub_index_at_the_user_level_is_read_by_uv_too(admin_env, package_index, tmp_path):
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    uv_config = tmp_path / "home" / ".config" / "uv" / "uv.toml"
    uv_config.parent.mkdir(parents=True)
    uv_config.write_text('cache-dir = "' + str(tmp_path / "uv-cache") + '"\n')  # the user's own setting stays
    assert admin_env.run("enable", "--user", "--hub-index", package_index.url).returncode == 0
    env = {k: v for k, v in admin_env.env.items() if not k.startswith("UV_")}
    dry = subprocess.run([uv, "pip", "install", "--dry-run", "--python", admin_env.python, "tidyutils"],
                         capture_output=True, text=True, env=env, timeout=scaled(120))
    assert dry.returncode == 0 and "tidyutils" in dry.stderr + dry.stdout, dry.stderr
    assert admin_env.run("disable", "--user", "--hub-index").returncode == 0
    assert uv_config.read_text() == 'cache-dir = "' + str(tmp_path / "uv-cache") + '"\n'


def test_hub_index_with_credentials_is_refused_in_one_line(admin_env):
    result = admin_env.run("enable", "--sys-prefix", "--hub-index", "http://alice:secret@index:8765/simple/")
    assert result.returncode == 1 and "without credentials" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.stderr
    assert not (admin_env.prefix / "pip.conf").exists()
