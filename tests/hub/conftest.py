"""A real JupyterHub on 127.0.0.1: DummyAuthenticator, local-process spawner, configurable-http-proxy from npm.

The single-user servers run in a throwaway environment where jupyter_safepip is enabled at the
environment (sys-prefix) level: that is where an administrator of a shared environment enables it,
and it stands in here for "system-wide" (the test must not write to /etc). The administrator's policy
in that environment blocks and locks; users log in with a password and get a home in the test's tmp.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.admin.conftest import make_admin_env
from tests.conftest import isolated_pip_env
from tests.support.waits import scaled, wait_until

from .kernel_ws import execute

REPO = Path(__file__).resolve().parents[2]
PROXY = REPO / ".hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "hub-test-password"
START_SECONDS = 90  # the hub, a single-user server (scaled where used)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, start time) of a live process, or None once it is gone (zombies count as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] == "Z" else (int(fields[1]), fields[19])


def descendants(root: int) -> set[tuple[int, str]]:
    """Every live process below `root` as (pid, start time): the start time tells a reused pid apart."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))):
            parents.setdefault(stat[0], []).append((int(entry.name), stat[1]))
    found, todo = set(), [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child[0])
    return found


def alive(processes: set[tuple[int, str]]) -> set[tuple[int, str]]:
    return {(pid, start) for pid, start in processes if (stat := _proc_stat(pid)) and stat[1] == start}


def enable_system_wide(tmp: Path, index_url: str) -> Path:
    """What the administrator does for the users' environment: `jupyter-safepip enable --sys-prefix`, then the
    policy in the environment's Jupyter configuration. Returns the environment's prefix."""
    env = make_admin_env(tmp)
    enabled = env.run("enable", "--sys-prefix")
    assert enabled.returncode == 0, enabled.stderr
    # JupyterLab's server extension, as installing jupyterlab into the environment would enable it.
    (env.prefix / "etc" / "jupyter" / "jupyter_server_config.d" / "jupyterlab.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"jupyterlab": True}}}))
    (env.prefix / "etc" / "jupyter" / "jupyter_safepip_config.json").write_text(
        json.dumps({"SafePip": admin_policy(index_url)}))
    return env.prefix


def admin_policy(index_url: str) -> dict:
    """Block at high, nobody installs a blocked package anyway, a check that cannot run blocks, only the
    vetted index, the guard always on; users can change none of it."""
    return {"block_at": "high", "install_anyway": False, "fail_mode": "closed", "index_url": index_url,
            "enabled": True, "locked": ["block_at", "install_anyway", "fail_mode", "index_url", "enabled"]}


HUB_CONFIG = """\
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = {bind_url!r}
c.JupyterHub.hub_bind_url = {hub_bind_url!r}
c.JupyterHub.db_url = {db_url!r}
c.JupyterHub.cookie_secret_file = {cookie_secret!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.services = [{{"name": "hub-test", "api_token": {api_token!r}}}]
c.JupyterHub.load_roles = [{{"name": "admin", "services": ["hub-test"]}}]
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = {proxy_api_url!r}
c.ConfigurableHTTPProxy.pid_file = {proxy_pid!r}
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {home_template!r}
# The environment's interpreter runs the single-user server (as root in containers, hence --allow-root).
c.Spawner.cmd = [{python!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--allow-root"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.environment = {environment!r}
c.Spawner.start_timeout = {timeout}
c.Spawner.http_timeout = {timeout}
"""


@dataclass
class Hub:
    """A running hub and what the tests need to talk to it."""

    url: str
    api_token: str
    prefix: Path
    policy: dict
    homes: Path
    process: subprocess.Popen
    log: Path
    seen: set[tuple[int, str]] = field(default_factory=set)

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"token {self.api_token}"}
        return requests.request(method, f"{self.url}/hub/api/{path}", headers=headers, timeout=scaled(30), **kwargs)

    def home(self, user: str) -> Path:
        return self.homes / user

    def user_url(self, user: str) -> str:
        return f"{self.url}/user/{user}"

    def remember_processes(self) -> None:
        """Note the hub's process tree (proxy, single-user servers, kernels) while it is all alive."""
        self.seen |= descendants(self.process.pid)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM the hub (it stops the proxy and the servers it spawned) and wait for it."""
        self.remember_processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(scaled(timeout))
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(scaled(10))
        return self.process.returncode

    def kill_leftovers(self) -> None:
        for pid, _ in alive(self.seen):
            try:
                os.killpg(pid, signal.SIGKILL)  # kernels and servers lead their own sessions
            except (ProcessLookupError, PermissionError):
                pass
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class UserServer:
    """One user's single-user server, reached through the proxy with a token scoped to that user."""

    def __init__(self, hub: Hub, name: str, token: str) -> None:
        self.hub, self.name, self.token = hub, name, token
        self.url = hub.user_url(name)

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}/{path}", headers={"Authorization": f"token {self.token}"}, timeout=scaled(30))

    def start_kernel(self) -> str:
        response = requests.post(f"{self.url}/api/kernels", json={"name": "python3"},
                                 headers={"Authorization": f"token {self.token}"}, timeout=scaled(60))
        assert response.status_code == 201, response.text
        self.hub.remember_processes()
        return response.json()["id"]

    def run(self, kernel_id: str, code: str, **kwargs):
        ws_url = f"{self.url.replace('http://', 'ws://')}/api/kernels/{kernel_id}/channels"
        return execute(ws_url, self.token, code, **kwargs)


def log_in(hub: Hub, name: str, password: str) -> requests.Session:
    """The login form, as a browser submits it (the form carries the _xsrf cookie's value)."""
    session = requests.Session()
    session.get(f"{hub.url}/hub/login", timeout=scaled(30)).raise_for_status()
    session.post(f"{hub.url}/hub/login", data={"username": name, "password": password,
                                               "_xsrf": session.cookies.get("_xsrf", "")},
                 allow_redirects=False, timeout=scaled(30))
    return session


def wait_until_ready(hub: Hub, name: str) -> dict:
    def ready() -> dict | None:
        server = hub.api("GET", f"users/{name}").json()["servers"].get("", {})
        if not server.get("ready") and not server.get("pending"):
            pytest.fail(f"{name}'s server stopped while starting:\n{hub.log_tail()}")
        return server if server.get("ready") else None
    return wait_until(ready, START_SECONDS, lambda: f"{name}'s server to be ready; the hub's log:\n{hub.log_tail()}",
                      interval=0.5)


def _wait_for_hub(hub: Hub) -> None:
    def answers() -> bool:
        if hub.process.poll() is not None:
            pytest.fail(f"jupyterhub exited with {hub.process.returncode}:\n{hub.log_tail()}")
        try:
            return requests.get(f"{hub.url}/hub/api/", timeout=scaled(5)).status_code == 200
        except requests.ConnectionError:
            return False
    wait_until(answers, START_SECONDS, lambda: f"jupyterhub to answer; its log:\n{hub.log_tail()}", interval=0.3)


@contextmanager
def running_hub(tmp: Path, index_url: str, extra_config: str = "") -> Iterator[Hub]:
    """A JupyterHub whose users' kernels are guarded by the administrator's locked policy; `extra_config` is
    appended to its jupyterhub_config.py."""
    if not PROXY.exists():
        if os.environ.get("CI") or shutil.which("npm"):
            pytest.fail(f"{PROXY} is missing: run scripts/setup-env.sh (it installs configurable-http-proxy)")
        pytest.skip("configurable-http-proxy is not installed and npm is not available on this machine")
    prefix = enable_system_wide(tmp, index_url)
    environment = isolated_pip_env(index_url, tmp / "pip-cache")
    environment = {key: environment[key] for key in environment if key.startswith("PIP_")}
    environment.update(PATH=f"{prefix / 'bin'}:/usr/local/bin:/usr/bin:/bin", LANG="C.UTF-8")
    port, api_token = free_port(), secrets.token_hex(32)
    config = tmp / "jupyterhub_config.py"
    config.write_text(HUB_CONFIG.format(
        bind_url=f"http://127.0.0.1:{port}", hub_bind_url=f"http://127.0.0.1:{free_port()}",
        db_url=f"sqlite:///{tmp / 'jupyterhub.sqlite'}", cookie_secret=str(tmp / "cookie_secret"),
        password=PASSWORD, api_token=api_token, proxy=str(PROXY), proxy_api_url=f"http://127.0.0.1:{free_port()}",
        proxy_pid=str(tmp / "proxy.pid"), home_template=str(tmp / "homes" / "{username}"),
        python=str(prefix / "bin" / "python"), environment=environment, timeout=int(scaled(START_SECONDS)))
        + extra_config)
    # The hub's own environment: nothing of the machine's Jupyter, pip or safepip configuration leaks in.
    hub_env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PIP_", "JUPYTER", "SAFEPIP_", "XDG_", "IPYTHON", "CONFIGPROXY"))}
    log = tmp / "jupyterhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=tmp, env=hub_env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    running = Hub(f"http://127.0.0.1:{port}", api_token, prefix, admin_policy(index_url), tmp / "homes",
                  process, log)
    try:
        _wait_for_hub(running)
        yield running
    finally:
        running.stop()
        running.kill_leftovers()


@pytest.fixture(scope="session")
def hub(package_index, tmp_path_factory):
    """A JupyterHub whose users' kernels are guarded by the administrator's locked policy."""
    with running_hub(tmp_path_factory.mktemp("hub"), package_index.url) as running:
        yield running
