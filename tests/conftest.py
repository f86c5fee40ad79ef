"""Shared fixtures: a real package index on 127.0.0.1 with harmless fixture projects, and pip pointed at it."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from jupyter_safepip.testing.builders import PYPROJECT_SETUPTOOLS, build_sdist, build_wheel, canary_sdist
from jupyter_safepip.testing.demo import build_demo_index
from jupyter_safepip.testing.index import PackageIndex
from tests.support.venvs import clone_venv, pristine_venv
from tests.support.waits import scaled

ESTABLISHED = {
    "summary": "A well-kept fixture package",
    "description": "Long description of a well-kept package.",
    "project_urls": {"Source": "https://github.com/example/project"},
    "maintainers": ("Example Maintainer",),
}
WHEELHOUSE = Path(__file__).resolve().parents[1] / ".wheelhouse"


def pytest_sessionstart(session) -> None:
    """Refuse to run in an environment that has a project installed that the fixture or the demo index serves."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the controller checked before starting the workers
    with tempfile.TemporaryDirectory() as tmp:
        demo = build_demo_index(Path(tmp) / "demo")
        demo.stop()
        fixtures = build_fixture_index(Path(tmp) / "fixtures", Path(tmp) / "marker")
    problem = leftover_message({canonicalize_name(name) for name in (*demo.projects, *fixtures.projects)})
    if problem:
        raise pytest.UsageError(problem)


# Fixtures that hold a running kernel or server for many tests. Under pytest-xdist (--dist loadgroup) the tests
# that use one run on one worker, so it is started once, and in their file's order; every other test goes to
# whichever worker is free.
SHARED_PROCESSES = ("unattended", "locked_kernel", "kernel", "hub", "lab_server")


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Group the tests by the shared process they use, before pytest-xdist reads the groups; afterwards, fail
    rather than silently start every shared kernel and server on every worker if pytest-xdist did not take the
    groups (it does not with pytest 9.2: pytest-dev/pytest-xdist#1386)."""
    for item in items:
        for name in SHARED_PROCESSES:
            if name in item.fixturenames:
                scope = item._fixtureinfo.name2fixturedefs[name][-1].scope
                group = name if scope == "session" else f"{item.module.__name__.rsplit('.', 1)[-1]}.{name}"
                item.add_marker(pytest.mark.xdist_group(group))
                break
    result = yield
    if getattr(config.option, "loadgroup", False):
        lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
        if lost:
            raise pytest.UsageError(f"--dist loadgroup did not group {lost[0]} (and {len(lost) - 1} more): this "
                                    "pytest and pytest-xdist do not work together; see the pytest pin in pyproject.toml")
    return result


def leftover_message(served: set[str]) -> str | None:
    """What to say when the test environment has any of `served` installed (None when it has none)."""
    found = sorted({(canonicalize_name(d.metadata["Name"]), d.version, str(d.locate_file("")))
                    for d in importlib.metadata.distributions()
                    if d.metadata["Name"] and canonicalize_name(d.metadata["Name"]) in served})
    if not found:
        return None
    listed = ", ".join(f"{name} {version} (in {where})" for name, version, where in found)
    names = " ".join(name for name, _, _ in found)
    return (f"the test environment has packages installed that the tests' own package index serves: {listed}. "
            f"Every venv and kernel the tests start sees this environment's packages, so the tests would find them "
            f"already installed and fail for the wrong reason (the demo used to install into .venv; scripts/lab.sh "
            f"now keeps the demo in .demo-venv). Remove them, then run the tests again: "
            f"{sys.executable} -m pip uninstall -y {names}")


@dataclass(frozen=True)
class FixtureIndex:
    """The running index and what the tests need to know about it."""

    index: PackageIndex
    canary_marker: Path
    files: Path

    @property
    def url(self) -> str:
        return self.index.url


def build_fixture_index(files: Path, marker: Path) -> PackageIndex:
    """The standard fixture projects (not yet serving); the canary's setup.py would leave `marker`."""
    index = PackageIndex()
    # A benign dependency chain: tidyframe -> tidycore -> tidyutils.
    index.add(build_wheel(files, "tidyutils", "1.0.0"), age_days=900, **ESTABLISHED)
    index.add(build_wheel(files, "tidyutils", "1.1.0"), age_days=500)
    index.add(build_wheel(files, "tidycore", "2.0.0", requires=["tidyutils>=1.0"]), age_days=800, **ESTABLISHED)
    index.add(build_wheel(files, "tidycore", "2.1.0", requires=["tidyutils>=1.0"]), age_days=300)
    index.add(build_wheel(files, "tidyframe", "1.0.0", requires=["tidycore>=2"]), age_days=700, **ESTABLISHED)
    index.add(build_wheel(files, "tidyframe", "1.2.0", requires=["tidycore>=2"]), age_days=200)
    # A typo-squat of a popular name, brand new, nothing else about it.
    index.add(build_wheel(files, "reqeusts", "2.99.0"), age_days=1)
    # A project whose newest release was yanked.
    index.add(build_wheel(files, "oldlib", "1.0.0"), age_days=600, **ESTABLISHED)
    index.add(build_wheel(files, "oldlib", "2.0.0"), age_days=100, yanked="broken build")
    # A brand-new single-release project with no links and no description.
    index.add(build_wheel(files, "freshpkg", "0.1.0"), age_days=0.5)
    # Plugin-style names that use a famous name as a word: a brand-new one and a long-established one.
    index.add(build_wheel(files, "celery-routing", "0.1.0"), age_days=3, **ESTABLISHED)
    index.add(build_wheel(files, "celery-tidyqueue", "1.0.0"), age_days=800, **ESTABLISHED)
    index.add(build_wheel(files, "celery-tidyqueue", "1.1.0"), age_days=400)
    # A typo of a popular name that has been on the index for years, with several releases.
    for version, age in (("1.0.0", 1200), ("1.1.0", 800), ("1.2.0", 300)):
        index.add(build_wheel(files, "pandsa", version), age_days=age, **ESTABLISHED)
    # A project the index has quarantined (PEP 792).
    index.add(build_wheel(files, "shadylib", "1.0.0"), age_days=400, status="quarantined",
              status_reason="reported as malware", **ESTABLISHED)
    # A project with a known vulnerability in its old release.
    index.add(build_wheel(files, "vulnlib", "1.0.0"), age_days=700, **ESTABLISHED,
              vulnerabilities={"1.0.0": [{"id": "PYSEC-0000-1", "summary": "remote code execution", "fixed_in": ["1.1.0"]}]})
    index.add(build_wheel(files, "vulnlib", "1.1.0"), age_days=300)
    # A wheel whose .pth file would run code at every interpreter start.
    index.add(build_wheel(files, "pthpkg", "1.0.0", files={
        "pthpkg/__init__.py": "",
        "pthpkg_hook.pth": "import os, base64; exec(base64.b64decode('cHJpbnQoInB0aCIp'))\n",
    }), age_days=400, **ESTABLISHED)
    # sdist-only projects: a canary whose setup.py leaves a marker (and dumps the environment, as
    # credential stealers do) if anything ever runs it, and a clean one that may be built.
    index.add(canary_sdist(files, marker), age_days=400, **ESTABLISHED)
    index.add(build_sdist(files, "cleansdist", "1.0.0", files={"pyproject.toml": PYPROJECT_SETUPTOOLS}),
              age_days=400, **ESTABLISHED)
    return index


@pytest.fixture(scope="session")
def package_index(tmp_path_factory) -> FixtureIndex:
    """A PyPI-compatible index on 127.0.0.1 serving the standard fixture projects."""
    files = tmp_path_factory.mktemp("index-files")
    marker = tmp_path_factory.mktemp("canary") / "CANARY_SETUP_PY_RAN"
    index = build_fixture_index(files, marker).start()
    yield FixtureIndex(index, marker, files)
    index.stop()


def isolated_pip_env(index_url: str, pip_cache: Path) -> dict[str, str]:
    """os.environ with the machine's pip configuration replaced by "use this index only"."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=index_url, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_CACHE_DIR=str(pip_cache))
    return env


@pytest.fixture
def pip_uses_index(package_index, monkeypatch, tmp_path) -> FixtureIndex:
    """pip (and safepip's reading of pip's configuration) sees only the fixture index."""
    wanted = isolated_pip_env(package_index.url, tmp_path / "pip-cache")
    for key in [k for k in os.environ if k not in wanted]:
        monkeypatch.delenv(key)
    for key, value in wanted.items():
        monkeypatch.setenv(key, value)
    return package_index


@dataclass(frozen=True)
class TargetEnv:
    """A throwaway virtual environment that installs go into."""

    path: Path

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    def pip_list(self) -> set[str]:
        out = subprocess.run([self.python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True,
                             check=True, timeout=scaled(120))
        return set(out.stdout.split())

    def imports(self, module: str) -> bool:
        return subprocess.run([self.python, "-c", f"import {module}"], capture_output=True,
                              timeout=scaled(60)).returncode == 0


@pytest.fixture(scope="session")
def venv_template(tmp_path_factory) -> Path:
    """The run's pristine venv (pip only), copied for each test that needs a venv of its own; never installed into."""
    return pristine_venv(tmp_path_factory)


@pytest.fixture
def target_env(venv_template, tmp_path) -> TargetEnv:
    """A fresh venv of this test's own (pip and, on Python 3.11, setuptools), to install into."""
    return TargetEnv(clone_venv(venv_template, tmp_path / "target-venv"))


def _from_wheelhouse(env: TargetEnv, *args: str) -> TargetEnv:
    """Install into the venv from the wheelhouse the set-up script downloads (no network here)."""
    wanted = [a for a in args if not a.startswith("-")]
    if not all(any(WHEELHOUSE.glob(f"{name}-*.whl")) for name in wanted):
        pytest.fail(f"{WHEELHOUSE} lacks {' or '.join(wanted)}: run scripts/setup-env.sh first")
    subprocess.run([env.python, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(WHEELHOUSE), *args],
                   check=True, capture_output=True, timeout=scaled(300))
    return env


@pytest.fixture
def target_env_with_new_pip(target_env) -> TargetEnv:
    """The venv with the pip from the wheelhouse (one that knows --uploaded-prior-to)."""
    return _from_wheelhouse(target_env, "--upgrade", "pip")


@pytest.fixture
def target_env_with_build_tools(target_env) -> TargetEnv:
    """The venv plus setuptools and wheel from the wheelhouse."""
    return _from_wheelhouse(target_env, "setuptools", "wheel")
