"""The vetting index as users meet it: `jupyter safepip serve` in its own process on 127.0.0.1, in front of
a fixture upstream index, with real pip (and uv where it is installed) pointed at it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from jupyter_safepip.testing.builders import build_wheel
from jupyter_safepip.testing.index import PackageIndex
from tests.conftest import ESTABLISHED
from tests.support.waits import scaled, wait_until

START_SECONDS = 60
EXEC_PTH = "import os, base64; exec(base64.b64decode('cHJpbnQoInB0aCIp'))\n"  # runs code at every start-up


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_upstream(files: Path) -> PackageIndex:
    """Projects for the index's cases: clean ones, a newest release that must be refused, a fresh release
    inside a cool-down, a typo-squat, a dependency chain."""
    index = PackageIndex()
    index.add(build_wheel(files, "vetbase", "1.0.0"), age_days=900, **ESTABLISHED)
    index.add(build_wheel(files, "vetapp", "1.0.0", requires=["vetbase>=1"]), age_days=800, **ESTABLISHED)
    index.add(build_wheel(files, "layered", "1.0.0"), age_days=700, **ESTABLISHED)
    index.add(build_wheel(files, "layered", "1.1.0", files={"layered/__init__.py": "", "layered_hook.pth": EXEC_PTH}),
              age_days=300)
    index.add(build_wheel(files, "coolpkg", "1.0.0"), age_days=600, **ESTABLISHED)
    index.add(build_wheel(files, "coolpkg", "1.1.0"), age_days=0.5)
    index.add(build_wheel(files, "reqeusts", "2.99.0"), age_days=1)
    index.add(build_wheel(files, "onlybad", "1.0.0", files={"onlybad/__init__.py": "", "onlybad.pth": EXEC_PTH}),
              age_days=500, **ESTABLISHED)
    return index


@dataclass
class VettingServer:
    """One `jupyter safepip serve` process."""

    port: int
    home: Path
    upstream: str
    store: str
    extra_args: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def simple(self) -> str:
        return f"{self.url}/simple/"

    @property
    def log(self) -> Path:
        return self.home / "serve.log"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "SAFEPIP_", "JUPYTERHUB_"))}
        env.update(PIP_CONFIG_FILE=os.devnull, JUPYTER_CONFIG_DIR=str(self.home / "config"),
                   JUPYTER_DATA_DIR=str(self.home / "data"), SAFEPIP_CACHE_DIR=str(self.home / "cache"),
                   JUPYTER_NO_CONFIG="1", **self.extra_env)
        return env

    def start(self) -> VettingServer:
        self.home.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "jupyter_safepip.vetting.serve", "--port", str(self.port), "--upstream",
                   self.upstream, "--store", self.store, *self.extra_args]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=self.env())
        wait_until(self._healthy, START_SECONDS, lambda: f"the vetting index to start; log:\n{self.log.read_text()[-3000:]}")
        return self

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"the vetting index exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")
        try:
            return requests.get(f"{self.url}/api/health", timeout=scaled(5),
                                headers=self.extra_headers()).status_code in (200, 401)
        except requests.ConnectionError:
            return False

    def extra_headers(self) -> dict[str, str]:
        token = self.extra_env.get("SAFEPIP_INDEX_ADMIN_TOKEN")
        return {"Authorization": f"token {token}"} if token else {}

    def health(self) -> dict:
        return requests.get(f"{self.url}/api/health", timeout=scaled(10), headers=self.extra_headers()).json()

    def scan_counts(self) -> dict:
        """Checks run by every replica sharing this one's store, and files checked twice."""
        return requests.get(f"{self.url}/api/scans", timeout=scaled(30)).json()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=scaled(30))
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory) -> PackageIndex:
    index = build_upstream(tmp_path_factory.mktemp("upstream-files")).start()
    yield index
    index.stop()


@pytest.fixture
def vetting_server(upstream, tmp_path):
    servers: list[VettingServer] = []

    def start(*args: str, store: str | None = None, env: dict[str, str] | None = None,
              upstream_url: str | None = None) -> VettingServer:
        home = tmp_path / f"vetting-{len(servers)}"
        server = VettingServer(free_port(), home, upstream_url or upstream.url, store or str(tmp_path / "index.sqlite"),
                               args, env or {})
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


def pip_install(python: str, index_url: str, *requirements: str, cache: Path) -> subprocess.CompletedProcess:
    """Real pip, with only the vetting index (the machine's pip configuration left out)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CACHE_DIR=str(cache))
    return subprocess.run([python, "-m", "pip", "install", "--index-url", index_url, "--retries", "0", *requirements],
                          capture_output=True, text=True, env=env, timeout=scaled(300))


@pytest.fixture
def postgres():
    from tests.support.postgres import PostgresServer

    server = PostgresServer().start()
    yield server
    server.remove()
