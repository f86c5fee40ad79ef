"""The demo kernel's own environment (scripts/lab.sh makes it with `demo --make-env`): the demo notebook runs
there headless, and what it installs stays there, never in the environment that runs JupyterLab and the tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

from jupyter_safepip.testing.demo import KERNEL_NAME, build_demo_index, make_environment
from tests.conftest import isolated_pip_env
from tests.support.waits import scaled

pytestmark = pytest.mark.integration
DEMO = Path(__file__).resolve().parents[2] / "notebooks" / "demo.ipynb"


def _imports(python: Path | str, module: str) -> bool:
    return subprocess.run([str(python), "-c", f"import {module}"], capture_output=True, timeout=scaled(60)).returncode == 0


def test_the_demo_notebook_runs_headless_in_its_own_environment(tmp_path):
    from nbclient import NotebookClient

    spec = make_environment(tmp_path / "demo-venv")
    assert make_environment(tmp_path / "demo-venv") == spec  # made again by every lab.sh: nothing changes
    python = tmp_path / "demo-venv" / "bin" / "python"
    assert json.loads((spec / "kernel.json").read_text())["argv"][0] == str(python)
    assert nbformat.read(DEMO, as_version=4).metadata.kernelspec.name == KERNEL_NAME  # the notebook asks for it
    index = build_demo_index(tmp_path / "demo-files")
    env = {**isolated_pip_env(index.url, tmp_path / "pip-cache"), "SAFEPIP_CACHE_DIR": str(tmp_path / "demo-cache"),
           "SAFEPIP_HISTORY_PATH": str(tmp_path / "demo-cache" / "history.sqlite")}
    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))
    km.start_kernel(env=env)
    try:
        notebook = nbformat.read(DEMO, as_version=4)
        NotebookClient(notebook, km=km, timeout=scaled(300)).execute()  # raises on an error in an untagged cell
    finally:
        km.shutdown_kernel(now=True)
        index.stop()
    outputs = {c.source: "".join(o.get("text", "") + o.get("evalue", "") for o in c.outputs)
               for c in notebook.cells if c.cell_type == "code"}
    assert "blocked by policy with nobody to ask" in outputs["%pip install pandsa"]
    assert "a warning, refused by policy with nobody to ask" in outputs["%pip install freshpkg"]
    # tidyframe was installed into the demo environment, not into the one running JupyterLab and the tests.
    site = next((tmp_path / "demo-venv" / "lib").glob("python3*/site-packages"))
    assert list(site.glob("tidyframe-1.2.0.dist-info"))
    assert _imports(python, "tidyframe") and not _imports(sys.executable, "tidyframe")
    assert not _imports(python, "freshpkg")
    assert os.path.exists(tmp_path / "demo-cache" / "history.sqlite")  # the demo's history is its own
