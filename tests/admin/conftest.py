"""A throwaway environment with `jupyter-safepip` on its PATH, and kernels started from its interpreter.

Nothing can be downloaded in tests and an editable install would build the JupyterLab front end, so
the environment is set up the way pip would leave it, by hand: a venv (no system site packages) whose
site-packages has a .pth that puts the repository and then the test environment's site-packages on
sys.path (ipykernel and safepip's dependencies come from there), and a `bin/jupyter-safepip` written from
the entry point in pyproject.toml, as pip writes console scripts.
"""

from __future__ import annotations

import os
import re
import subprocess
import sysconfig
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.kernel_client import LocalKernel
from tests.support.waits import scaled

REPO = Path(__file__).resolve().parents[2]
CONSOLE_SCRIPT = "jupyter-safepip"


@dataclass(frozen=True)
class AdminEnv:
    """A venv an administrator manages, and a clean environment (variables) to run its commands in."""

    prefix: Path
    env: dict[str, str]

    @property
    def python(self) -> str:
        return str(self.prefix / "bin" / "python")

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess:
        """`jupyter-safepip ARGS` from the venv's bin, as an administrator types it."""
        return subprocess.run([str(self.prefix / "bin" / CONSOLE_SCRIPT), *args], capture_output=True, text=True,
                              env={**self.env, **extra}, timeout=scaled(120))

    def kernel(self, tmp: Path, **extra: str) -> "EnvKernel":
        return EnvKernel(self.python, tmp, {**self.env, **extra})


def make_admin_env(tmp: Path) -> AdminEnv:
    prefix = tmp / "env"
    venv.create(prefix, with_pip=False, symlinks=True, system_site_packages=False)
    site = next((prefix / "lib").glob("python3*/site-packages"))
    (site / "test_environment.pth").write_text(f"{REPO}\nimport site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    # The entry point as pyproject.toml declares it (a regex: tomllib is not in Python 3.10).
    entry = re.search(rf'^{CONSOLE_SCRIPT}\s*=\s*"([\w.]+):(\w+)"', (REPO / "pyproject.toml").read_text(), re.M)
    assert entry, f"pyproject.toml declares no {CONSOLE_SCRIPT} script"
    module, function = entry.groups()
    script = prefix / "bin" / CONSOLE_SCRIPT
    script.write_text(f"#!{prefix / 'bin' / 'python'}\nimport sys\nfrom {module} import {function}\n"
                      f"sys.exit({function}())\n")
    script.chmod(0o755)
    home = tmp / "home"
    home.mkdir()
    # Nothing of the machine's Jupyter, IPython, pip or safepip configuration leaks in; the user's
    # directories live in the test's tmp.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "JUPYTER", "SAFEPIP_", "IPYTHON", "XDG_", "JPY_"))}
    env.update(HOME=str(home), IPYTHONDIR=str(home / ".ipython"), JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
               JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"), XDG_CACHE_HOME=str(home / ".cache"),
               PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PATH=f"{prefix / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}")
    return AdminEnv(prefix, env)


class EnvKernel(LocalKernel):
    """A kernel of the admin environment's interpreter, started with no %load_ext."""

    def __init__(self, python: str, tmp: Path, env: dict[str, str]) -> None:
        self.python = python
        super().__init__([python, "-m", "ipykernel_launcher", "-f", "{connection_file}"], env, tmp, name="admin-env")

    def guard_loaded(self) -> bool:
        """Whether %pip is safepip's and %safepip exists (asked inside the kernel)."""
        out = self.run("m = get_ipython().magics_manager.magics['line']\n"
                       "print('OWNER', type(getattr(m['pip'], '__self__', None)).__name__, 'safepip' in m)").text
        return "OWNER SafePipMagics True" in out


@pytest.fixture
def admin_env(tmp_path) -> AdminEnv:
    return make_admin_env(tmp_path)
