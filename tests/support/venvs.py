"""Throwaway virtual environments, fast: one pristine venv (with pip) is made once per test run and each test
gets its own copy of it, to install into as it likes.

Making a venv with pip takes seconds of CPU (ensurepip installs pip from its wheel); copying one takes a fraction
of that. A venv's own files name its location only in the scripts of bin/ (shebangs, activate), which the copy
rewrites; the interpreter finds its prefix from pyvenv.cfg next to it, wherever the directory is.
"""

from __future__ import annotations

import shutil
import sys
import venv
from pathlib import Path

import pytest

from tests.support.shared import built_once


def pristine_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's venv template (with pip, nothing else), made once for all workers; read-only after."""
    return built_once(tmp_path_factory, "venv-template",
                      lambda d: venv.create(d, with_pip=True, symlinks=sys.platform != "win32"))


def clone_venv(template: Path, path: Path) -> Path:
    """A venv at `path` that is a copy of `template`: its own site-packages, its scripts pointing at itself."""
    shutil.copytree(template, path, symlinks=True)
    old, new = str(template).encode(), str(path).encode()
    for script in (path / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if old in data:
                script.write_bytes(data.replace(old, new))
    config = path / "pyvenv.cfg"
    config.write_text(config.read_text().replace(str(template), str(path)))
    return path
