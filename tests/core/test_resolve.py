"""How pip's failures are explained to the user."""

from __future__ import annotations

from jupyter_safepip.core.pip_runner import PipResult
from jupyter_safepip.core.resolve import _explained


def test_a_failed_source_build_names_the_build_tool_the_environment_lacks():
    stderr = ("  ModuleNotFoundError: No module named 'setuptools'\n"
              "error: metadata-generation-failed\n")
    text = _explained(PipResult(("pip",), 1, "", stderr))
    assert text.startswith("error: metadata-generation-failed") and "it needs setuptools" in text
    wheel = _explained(PipResult(("pip",), 1, "", "error: invalid command 'bdist_wheel'\nerror: metadata-generation-failed\n"))
    assert "it needs wheel" in wheel
    assert _explained(PipResult(("pip",), 1, "", "ERROR: something else\n")) == "ERROR: something else"
