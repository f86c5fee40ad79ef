"""The browser harness: a real `jupyter lab` on 127.0.0.1 with a token, driven by Debian's Chromium via Playwright.

Shared by the sidebar and the widget tests. Browsers are never downloaded: the system Chromium is used,
and the tests skip (saying why) only when it is not installed.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.venvs import clone_venv
from tests.support.waits import scaled, scaled_ms, wait_until

REPO = Path(__file__).resolve().parents[2]
# The docs' screenshots are refreshed on request (SAFEPIP_SCREENSHOTS=docs/screenshots); a plain run leaves the
# checkout as it was.
SCREENSHOTS = Path(os.environ.get("SAFEPIP_SCREENSHOTS") or Path(tempfile.gettempdir()) / "safepip-screenshots")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
LAB_START_SECONDS = 90
EXTENSION = "jupyter-safepip"



@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: where it listens, its token, and the directory it serves."""

    url: str  # base URL, ending in /
    token: str
    root_dir: Path
    history_path: Path
    log_path: Path

    def lab_url(self, path: str = "lab") -> str:
        return f"{self.url}{path}?token={self.token}"


def chromium_path() -> str | None:
    configured = os.environ.get("SAFEPIP_CHROMIUM")
    candidates = (configured,) if configured else CHROMIUM_CANDIDATES
    return next((c for c in candidates if c and Path(c).exists()), None) or shutil.which("chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _installed_labextension() -> bool:
    from jupyter_core.paths import jupyter_path

    return any((Path(d) / EXTENSION / "package.json").exists() for d in jupyter_path("labextensions"))


def _snapshot_of_the_build(target: Path) -> bool:
    """Copy the front end as built from labextension/src (newer than an installed copy while one develops) to
    `target`, whole: taken under the lock scripts/setup-env.sh builds under, and checked to hold the entry point
    its package.json names, so a build another run starts meanwhile cannot change what this run's browser loads.
    False if there is no build."""
    built = REPO / "jupyter_safepip" / "labextension"
    if not (built / "package.json").exists():
        return False
    lock_path = REPO / ".venv" / ".labextension-build.lock"

    def copied() -> bool:
        shutil.rmtree(target, ignore_errors=True)
        with contextlib.ExitStack() as stack:
            if lock_path.parent.is_dir():
                lock = stack.enter_context(lock_path.open("a"))
                fcntl.flock(lock, fcntl.LOCK_SH)
            shutil.copytree(built, target)
        entry = json.loads((target / "package.json").read_text()).get("jupyterlab", {}).get("_build", {}).get("load")
        return bool(entry) and (target / entry).is_file()

    wait_until(copied, 60, "a complete build of the JupyterLab extension to copy", interval=1)
    return True


def _jupyter_dirs(base: Path) -> dict[str, str]:
    """Private Jupyter directories, so the user's settings, workspaces and news prompts stay out."""
    config, data, path = base / "config", base / "data", base / "path"
    for d in (config / "labconfig", data, path / "labextensions", base / "runtime", base / "settings", base / "workspaces"):
        d.mkdir(parents=True, exist_ok=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"jpserver_extensions": {"jupyter_safepip.server": True}}})
    )
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    # JUPYTER_PATH comes first: this copy is the one JupyterLab loads, even where the extension is installed.
    if not _snapshot_of_the_build(path / "labextensions" / EXTENSION) and not _installed_labextension():
        pytest.fail("the JupyterLab extension is neither installed nor built: run scripts/setup-env.sh "
                    "or `cd labextension && jlpm install && jlpm build`", pytrace=False)
    return {
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(data),
        "JUPYTER_PATH": str(path),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
    }


def _wait_until_up(server: LabServer, process: subprocess.Popen) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"jupyter lab exited early:\n{server.log_path.read_text()[-3000:]}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{server.url}api/status?token={server.token}", timeout=scaled(2)) as response:
                return response.status == 200
        except OSError:
            return False
    wait_until(answers, LAB_START_SECONDS, lambda: f"jupyter lab to start:\n{server.log_path.read_text()[-3000:]}",
               interval=0.3)


def _kernel_of_its_own(base: Path, template: Path) -> None:
    """The `python3` kernel the browser starts runs in a throwaway venv (on top of the test environment), so
    whatever a notebook installs never reaches the environment the tests run in. A kernelspec in JUPYTER_PATH
    named like the built-in one takes its place."""
    kernel_venv = clone_venv(template, base / "kernel-venv")
    site = next((kernel_venv / "lib").glob("python3*/site-packages"))
    (site / "test_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    spec = base / "path" / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(kernel_venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))


@pytest.fixture(scope="session")
def lab_server(package_index, venv_template, tmp_path_factory) -> Iterator[LabServer]:
    """`jupyter lab` on 127.0.0.1 with a token; pip and every kernel it starts use the fixture index, and the
    kernels a throwaway venv."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    root.mkdir()
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "SAFEPIP_", "JUPYTER"))}
    env.update(_jupyter_dirs(base))
    _kernel_of_its_own(base, venv_template)
    env.update({
        "PIP_INDEX_URL": package_index.url,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_CACHE_DIR": str(base / "pip-cache"),
        "SAFEPIP_CACHE_DIR": str(base / "safepip-cache"),
        "SAFEPIP_HISTORY_PATH": str(base / "history.sqlite"),
        # Kernels import jupyter_safepip from this checkout even when it is not installed.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    })
    server = LabServer(f"http://127.0.0.1:{port}/", token, root, base / "history.sqlite", base / "lab.log")
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",  # tests run JupyterLab commands through window.jupyterapp
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--allow-root",  # CI containers often run as root
    ]
    with server.log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(scaled(20))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium from the system; skips only when it is not installed.

    One per test module, not per run: Playwright's sync API keeps an asyncio loop running in this thread while
    it is open, and the tests a parallel worker runs after the browser tests (pytest-jupyter's servers) need
    the thread's loop for themselves."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); browser tests need it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab_server):
    """A fresh browser page with JupyterLab open and started."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(scaled_ms(30))
    page.goto(lab_server.lab_url())
    wait_for_lab(page)
    yield page
    context.close()


def wait_for_lab(page) -> None:
    """Until the shell is there and the app has finished restoring its layout."""
    page.wait_for_selector("#jp-main-dock-panel", state="attached")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.restored !== undefined")
    page.evaluate("() => window.jupyterapp.restored")


def run_command(page, command: str, args: dict | None = None):
    """Execute a JupyterLab command, as the palette would."""
    return page.evaluate("([id, args]) => window.jupyterapp.commands.execute(id, args)", [command, args or {}])


def set_theme(page, theme: str) -> None:
    """Switch theme ('JupyterLab Light' or 'JupyterLab Dark') and wait until the page uses it."""
    run_command(page, "apputils:change-theme", {"theme": theme})
    light = "true" if "Light" in theme else "false"
    page.wait_for_function(f"() => document.body.dataset.jpThemeLight === '{light}'")
    page.locator("#jupyterlab-splash").wait_for(state="detached")  # the splash JupyterLab shows while it re-themes


def widen_sidebar(page, width: int = 420) -> None:
    """Drag the left sidebar's edge so that a panel shows at a readable width."""
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(width, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()


def screenshot(page, name: str, selector: str | None = None) -> Path:
    """Save SCREENSHOTS/<name>.png, of the whole window or of one element."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    target = page.locator(selector) if selector else page
    target.screenshot(path=str(path))
    return path


def typo_squat_widget(page, notebook: str):
    """Wait for the warning widget of a blocked `reqeusts` in the notebook; its buttons."""
    widget = page.locator(f"{notebook} .safepip-report").first
    widget.wait_for(timeout=scaled_ms(120))
    text = widget.inner_text()
    assert "blocked" in text and "name.typo" in text and "did you mean" in text.lower()
    buttons = page.locator(f"{notebook} .jp-OutputArea-output button")
    assert buttons.filter(has_text="Install anyway").count() == 1
    assert buttons.filter(has_text="Did you mean requests?").count() == 1
    return buttons
