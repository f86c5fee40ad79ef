"""The demo notebook runs top to bottom against the demo index: allow, warn and block where it says."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from jupyter_safepip.testing.demo import build_demo_index
from tests.support.waits import scaled

from .test_kernel import Kernel

pytestmark = pytest.mark.integration
DEMO = Path(__file__).resolve().parents[2] / "notebooks" / "demo.ipynb"


def test_demo_notebook_shows_allow_warn_and_block(venv_template, tmp_path):
    index = build_demo_index(tmp_path / "demo-files")
    kernel = Kernel(tmp_path, index.url, template=venv_template, SAFEPIP_NONINTERACTIVE="1")
    try:
        outcomes = {}
        for cell in nbformat.read(DEMO, as_version=4).cells:
            if cell.cell_type == "code":
                outcomes[cell.source] = kernel.run(cell.source)
        checked_only = kernel.run("import freshpkg")
    finally:
        kernel.stop()
        index.stop()
    assert outcomes["%pip install tidyframe"].status == "ok"
    assert "'1.2.0'" in outcomes["import tidyframe\ntidyframe.__version__"].text
    blocked = outcomes["%pip install pandsa"]
    assert blocked.status == "error" and "Did you mean 'pandas'?" in blocked.text
    warned = outcomes["%pip install freshpkg"]
    assert warned.status == "error" and "verdict: WARN" in warned.text  # nobody to ask: the default policy refuses
    hook = outcomes["%pip install sketchy-setup"]
    assert hook.status == "error" and "shell-dropper-command" in hook.text
    assert outcomes["!pip install pandsa"].status == "error"
    checked = outcomes["%safepip check freshpkg"]
    assert checked.status == "ok" and "verdict: WARN" in checked.text and "meta.new-project" in checked.text
    assert "ModuleNotFoundError" in checked_only.text  # checked, not installed


def test_demo_notebook_runs_headless_to_the_end_as_nbconvert_runs_it(venv_template, tmp_path):
    """nbclient (nbconvert, papermill) says nobody can answer: the policy decides, no cell waits for a click."""
    from nbclient import NotebookClient

    index = build_demo_index(tmp_path / "demo-files")
    # A widget would wait for a click: fail fast if one does.
    kernel = Kernel(tmp_path, index.url, template=venv_template, SAFEPIP_DECISION_TIMEOUT="60")
    try:
        notebook = nbformat.read(DEMO, as_version=4)
        NotebookClient(notebook, km=kernel.km, timeout=scaled(300)).execute()  # raises on an error in an untagged cell
    finally:
        kernel.stop()
        index.stop()
    outputs = {c.source: "".join(o.get("text", "") + o.get("evalue", "") for o in c.outputs)
               for c in notebook.cells if c.cell_type == "code"}
    assert "with nobody to ask" in outputs["%pip install pandsa"]
    assert "'1.2.0'" in str([c.outputs for c in notebook.cells if c.source.startswith("import tidyframe")])
