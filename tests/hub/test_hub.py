"""A shared JupyterHub where the administrator enabled safepip for the users' environment with a locked policy.

The administrator ran `jupyter-safepip enable --sys-prefix` for the single-user servers' Python and wrote the
policy there; the environment level stands in for "system-wide" (both are administrator layers, and a test
must not write to /etc). Everything a user does goes through the proxy with a token scoped to that user, as
a browser would; kernels are driven over their websocket channels, widget clicks included.
"""

from __future__ import annotations

import json
import socket
import subprocess
import pytest
import requests

from jupyter_safepip.config import ADMIN_LAYERS

from tests.support.kernel_client import buttons, click_when_shown
from tests.support.waits import scaled, wait_until

from .conftest import PASSWORD, START_SECONDS, Hub, UserServer, log_in, wait_until_ready, alive

pytestmark = pytest.mark.integration
USER = "alice"
TYPO_SQUAT = "reqeusts"  # served by the loopback index; one letter swap from a popular name
OTHER_INDEX = "http://127.0.0.1:9/simple/"
# What a user writes in ~/.jupyter: tries to lift every lock the administrator set, changes one free setting.
USER_OVERRIDE = {"block_at": "critical", "install_anyway": True, "fail_mode": "open", "index_url": OTHER_INDEX,
                 "enabled": False, "warn_at": "low"}


@pytest.fixture(scope="module")
def login(hub) -> requests.Session:
    return log_in(hub, USER, PASSWORD)


@pytest.fixture(scope="module")
def alice(hub, login) -> UserServer:
    """The user logged in; their server started through the Hub's REST API; a token for their server."""
    response = hub.api("POST", f"users/{USER}/server")
    assert response.status_code in (201, 202), response.text
    wait_until_ready(hub, USER)
    token = hub.api("POST", f"users/{USER}/tokens", json={"scopes": [f"access:servers!user={USER}"],
                                                          "note": "hub test"})
    assert token.status_code == 201, token.text
    return UserServer(hub, USER, token.json()["token"])


@pytest.fixture(scope="module")
def user_tries_to_unlock(alice) -> dict:
    """The user's own Jupyter configuration tries to lift every locked setting."""
    config_dir = alice.hub.home(USER) / ".jupyter"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_safepip_config.json").write_text(json.dumps({"SafePip": USER_OVERRIDE}))
    return USER_OVERRIDE


def test_user_logs_in_and_their_server_starts_through_the_hub_api(hub, login, alice):
    assert "jupyterhub-hub-login" in login.cookies
    me = login.get(f"{hub.url}/hub/api/user", timeout=scaled(30))
    assert me.status_code == 200 and me.json()["name"] == USER
    assert "jupyterhub-hub-login" not in log_in(hub, USER, "wrong password").cookies

    status = alice.get("api/status")
    assert status.status_code == 200, status.text
    assert alice.get("safepip/api/policy").status_code == 200
    # The token is the user's: it does not open the Hub's administration.
    assert requests.get(f"{hub.url}/hub/api/users", headers={"Authorization": f"token {alice.token}"},
                        timeout=scaled(30)).status_code == 403


def test_typo_squat_is_blocked_by_the_admin_policy_and_not_installed(alice):
    kernel = alice.start_kernel()
    where = alice.run(kernel, "import sys; print(sys.prefix)")
    assert where.text.strip() == str(alice.hub.prefix), where.text

    result = alice.run(kernel, f"%pip install {TYPO_SQUAT}", on_comm_open=click_when_shown("Cancel"))
    labels = set(buttons(result.comm_opens))
    assert "Cancel" in labels, result.text
    assert "Install anyway" not in labels  # the administrator's install_anyway = False
    assert "name.typo" in result.text and "verdict: BLOCK" in result.text
    assert result.status == "ok", result.text  # Cancel ends the cell quietly: the widget says nothing was installed
    history = alice.get(f"safepip/api/history?package={TYPO_SQUAT}&limit=100").json()["entries"]
    assert [e["decision"] for e in history if e["command"] == f"pip install {TYPO_SQUAT}"] == ["cancelled"]

    imported = alice.run(kernel, f"import importlib; importlib.invalidate_caches(); import {TYPO_SQUAT}")
    assert imported.status == "error" and "ModuleNotFoundError" in imported.text
    listed = subprocess.run([str(alice.hub.prefix / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
                            capture_output=True, text=True, check=True, timeout=scaled(120))
    assert TYPO_SQUAT not in listed.stdout


def _policy_rows(text: str) -> dict[str, list[str]]:
    """The `%safepip policy` table: setting -> [value, set by, locked?]."""
    lines = text[text.index("setting "):].splitlines()[1:]
    return {line.split()[0]: line.split()[1:] for line in lines if line.strip() and not line.startswith("refused:")}


def test_user_config_cannot_lift_a_locked_setting_and_the_attempt_is_reported(alice, user_tries_to_unlock):
    kernel = alice.start_kernel()  # a new kernel: the guard loads with the user's file in place
    policy = alice.run(kernel, "%safepip policy")
    assert policy.status == "ok", policy.text
    rows = _policy_rows(policy.text)
    for name in alice.hub.policy["locked"]:
        value, source, locked = rows[name]
        assert (value, locked) == (str(alice.hub.policy[name]), "yes") and source in ADMIN_LAYERS, rows[name]
        assert f"refused: {name} is locked by the administrator; the user value" in policy.text, policy.text
    assert rows["warn_at"] == ["low", "user"]  # the user's file was read; a setting left unlocked is theirs

    result = alice.run(kernel, f"%pip install {TYPO_SQUAT}", on_comm_open=click_when_shown("Cancel"))
    assert "verdict: BLOCK" in result.text
    assert "Install anyway" not in buttons(result.comm_opens)
    imported = alice.run(kernel, f"import {TYPO_SQUAT}")
    assert "ModuleNotFoundError" in imported.text


def test_notebook_attempts_to_get_round_the_locks_are_refused_and_recorded(alice):
    kernel = alice.start_kernel()
    attempts = {
        "%safepip policy install_anyway true": "SafePip.install_anyway is locked by the administrator",
        f"%pip install --index-url {OTHER_INDEX} tidyutils": f"the administrator allows only the index {alice.hub.policy['index_url']}",
        "%unload_ext jupyter_safepip": "SafePip.enabled is locked by the administrator",
    }
    for line, message in attempts.items():
        result = alice.run(kernel, line)
        assert result.status == "error" and message in result.text, (line, result.text)
        assert "Traceback" not in result.text
    owner = alice.run(kernel, "print(type(get_ipython().find_line_magic('pip').__self__).__name__)")
    assert owner.text.strip() == "SafePipMagics"  # still guarded after %unload_ext

    alice.run(kernel, "%env SAFEPIP_INSTALL_ANYWAY=true")
    result = alice.run(kernel, f"%pip install {TYPO_SQUAT}", on_comm_open=click_when_shown("Cancel"))
    assert "install_anyway is locked by the administrator; the env-var value True was ignored" in result.text
    assert "Cancel" in buttons(result.comm_opens) and "Install anyway" not in buttons(result.comm_opens)

    history = alice.get("safepip/api/history?verdict=block&limit=100")
    assert history.status_code == 200, history.text
    recorded = {e["command"] for e in history.json()["entries"] if e["decision"] == "blocked"}
    assert {"%safepip policy install_anyway true", f"pip install --index-url {OTHER_INDEX} tidyutils",
            "%unload_ext jupyter_safepip"} <= recorded, recorded


def test_sidebar_api_shows_the_locked_policy_and_its_admin_source(alice, user_tries_to_unlock):
    response = alice.get("safepip/api/policy")
    assert response.status_code == 200, response.text
    policy = response.json()
    settings = {s["name"]: s for s in policy["settings"]}
    for name in alice.hub.policy["locked"]:
        assert settings[name]["locked"] is True
        assert settings[name]["value"] == alice.hub.policy[name]
        assert settings[name]["source"] in ADMIN_LAYERS
        assert any(line.startswith(f"{name} is locked by the administrator") for line in policy["refused"]), policy
    assert settings["warn_at"] == {**settings["warn_at"], "value": "low", "source": "user", "locked": False}


def test_clean_shutdown_leaves_no_process_behind(hub, alice):
    # Runs last: the hub is gone afterwards.
    hub.remember_processes()
    assert len(hub.seen) >= 3  # proxy, single-user server, kernels
    response = hub.api("DELETE", f"users/{USER}/server")
    assert response.status_code in (202, 204), response.text
    wait_until(lambda: not hub.api("GET", f"users/{USER}").json()["servers"], 60, f"{USER}'s server to stop",
               interval=0.5)

    assert hub.stop() == 0, hub.log_tail()
    wait_until(lambda: not alive(hub.seen), 10, lambda: f"every process the hub started to end (left: {alive(hub.seen)})",
               interval=0.2)
    port = int(hub.url.rsplit(":", 1)[1])
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
