"""Throwaway virtual environments, fast: one pristine venv (with pip) is made once per test run and each test
gets its own copy of it, to install into as it likes.

Making a venv with pip takes seconds of CPU (ensurepip installs pip from its wheel); copying one takes a fraction
of that. A venv's own files name its location only in the scripts of bin/ (shebangs, activate), which the copy
rewrites; the interpreter finds its prefix from pyvenv.cfg next to it, wherever the directory is.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sys
import venv
from pathlib import Path

import pytest


def run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary directory of the whole run: shared by the parallel workers (each has its own below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def pristine_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's venv template (with pip, nothing else): made by the first worker that asks, read-only after."""
    root = run_root(tmp_path_factory)
    template, done = root / "venv-template", root / "venv-template.done"
    with (root / "venv-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other workers wait here until it is made
        if not done.exists():
            shutil.rmtree(template, ignore_errors=True)  # a half-made one from a worker that died
            venv.create(template, with_pip=True, symlinks=sys.platform != "win32")
            done.touch()
    return template


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
