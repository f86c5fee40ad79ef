"""The sidebar's jest tests (rendering logic), run as part of the Python test command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parents[2] / "labextension"


def test_jest_suite_passes():
    jlpm = shutil.which("jlpm", path=str(Path(sys.executable).parent)) or shutil.which("jlpm")
    if jlpm is None or shutil.which("node") is None:
        pytest.fail("the front-end tests need Node.js and jlpm (pip install jupyterlab)", pytrace=False)
    if not (LABEXTENSION / "node_modules").is_dir():
        pytest.fail("run `jlpm install` in labextension/ first", pytrace=False)
    result = subprocess.run([jlpm, "test", "--ci"], cwd=LABEXTENSION, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "failed" not in result.stderr.split("Tests:")[-1].split("\n")[0]
