"""What changes between the check and the install (or the build) is never what gets installed: the inspected
bytes are, or nothing is."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from jupyter_safepip.core.artifacts import ArtifactError
from jupyter_safepip.core.install import install_argv
from jupyter_safepip.core.model import Verdict
from jupyter_safepip.core.pip_runner import run_pip
from jupyter_safepip.core.policy import FailMode
from jupyter_safepip.testing.builders import PYPROJECT_SETUPTOOLS, build_sdist, build_wheel, canary_sdist
from tests.conftest import ESTABLISHED
from tests.reliability.conftest import assert_nothing_installed, guard_for, recorded_hashes, tally

pytestmark = pytest.mark.integration
WHEEL = "steadypkg-1.0.0-py3-none-any.whl"


def check(guard, line: str):
    return guard.check(guard.parse(line), line)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _evil(tmp_path: Path, version: str = "1.0.0") -> Path:
    return build_wheel(tmp_path / "evil", "steadypkg", version, files={"steadypkg/__init__.py": "EVIL = 1\n"})


def _assert_inspected_installed(env, assessment, expected: str) -> None:
    assert [a.sha256 for a in assessment.artifacts] == [expected]
    assert recorded_hashes(env.path, [a.path for a in assessment.artifacts]) == {"steadypkg": expected}
    assert subprocess.run([env.python, "-c", "import steadypkg; assert not hasattr(steadypkg, 'EVIL')"]).returncode == 0


# A kept (inspected) file changed after the check: (id, what happens to it).
STORE_SWAPS = {
    "replaced": lambda path, tmp: path.write_bytes(_evil(tmp).read_bytes()),
    "appended-to": lambda path, tmp: path.write_bytes(path.read_bytes() + b"tampered"),
    "deleted": lambda path, tmp: path.unlink(),
    "made-a-symlink": lambda path, tmp: (path.unlink(), path.symlink_to(_evil(tmp))),
}


@pytest.mark.parametrize("swap", sorted(STORE_SWAPS))
def test_a_kept_file_changed_after_the_check_is_not_installed(fault_index, shared_env, shared_env_baseline, tmp_path, swap):
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.OPEN)
    assessment = check(guard, "install steadypkg")
    assert assessment.report.verdict is Verdict.ALLOW
    STORE_SWAPS[swap](assessment.artifacts[0].path, tmp_path)
    tally("faults injected")
    with pytest.raises(ArtifactError, match="changed after it was checked; nothing was installed"):
        guard.install(assessment)
    assert_nothing_installed(shared_env, shared_env_baseline, "steadypkg")


def test_pip_itself_refuses_a_file_swapped_after_the_last_verification(fault_index, shared_env, shared_env_baseline, tmp_path):
    # The second lock: a swap in the instant between safepip's re-hash and pip's read is caught by
    # pip's --require-hashes against the inspected hash (run here with the very argv the install uses).
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.OPEN)
    assessment = check(guard, "install steadypkg")
    artifact = assessment.artifacts[0]
    artifact.path.write_bytes(_evil(tmp_path).read_bytes())
    tally("faults injected")
    pins = tmp_path / "inspected.txt"
    pins.write_text(f"{artifact.path.as_uri()} --hash=sha256:{artifact.sha256}\n")
    result = run_pip(shared_env.python, install_argv(assessment.request, pins, has_sdist=False))
    assert result.returncode != 0
    assert "HASHES" in result.stderr.upper()
    assert_nothing_installed(shared_env, shared_env_baseline, "steadypkg")


def test_a_requirements_file_rewritten_after_the_check_does_not_change_the_install(fault_index, target_env, tmp_path):
    evil_dir = _evil(tmp_path, "9.0.0").parent
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("steadypkg==1.0.0\n")
    guard = guard_for(target_env.python, tmp_path / "cache", FailMode.CLOSED)
    assessment = check(guard, f"install -r {requirements}")
    assert assessment.report.verdict is Verdict.ALLOW, assessment.report.reasons
    requirements.write_text(f"--no-index\n--find-links {evil_dir}\nsteadypkg==9.0.0\n")
    tally("faults injected")
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    _assert_inspected_installed(target_env, assessment, sha256(fault_index.files / WHEEL))


@pytest.mark.parametrize("line", ["install --no-index --find-links {dir} steadypkg", "install {dir}/" + WHEEL,
                                  "install steadypkg@file://{dir}/" + WHEEL])
def test_a_local_wheel_rewritten_after_the_check_installs_the_inspected_copy(fault_index, target_env, tmp_path, line):
    local = tmp_path / "wheels"
    local.mkdir()
    (local / WHEEL).write_bytes((fault_index.files / WHEEL).read_bytes())
    guard = guard_for(target_env.python, tmp_path / "cache", FailMode.OPEN)
    assessment = check(guard, line.format(dir=local))
    inspected = sha256(local / WHEEL)
    (local / WHEEL).write_bytes(_evil(tmp_path).read_bytes())
    tally("faults injected")
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    _assert_inspected_installed(target_env, assessment, inspected)


def _source_tree(root: Path) -> Path:
    tree = root / "treepkg"
    (tree / "treepkg").mkdir(parents=True)
    (tree / "treepkg" / "__init__.py").write_text("VALUE = 1\n")
    (tree / "pyproject.toml").write_text(PYPROJECT_SETUPTOOLS + '[project]\nname = "treepkg"\nversion = "1.0.0"\n')
    return tree


# How a local source tree changes after its inspection.
TREE_CHANGES = {
    "module-edited": lambda tree: (tree / "treepkg" / "__init__.py").write_text("import os\nos.system('id')\n"),
    "setup-py-added": lambda tree: (tree / "setup.py").write_text("import os\nos.system('id')\n"),
    "module-replaced-by-symlink": lambda tree: ((tree / "treepkg" / "__init__.py").unlink(),
                                                (tree / "treepkg" / "__init__.py").symlink_to("/etc/hostname")),
}


@pytest.mark.parametrize("change", sorted(TREE_CHANGES))
def test_a_source_tree_changed_after_the_check_is_not_installed(fault_index, target_env_with_build_tools, tmp_path, change):
    env = target_env_with_build_tools
    baseline = frozenset(env.pip_list())
    tree = _source_tree(tmp_path)
    guard = guard_for(env.python, tmp_path / "cache", FailMode.OPEN)
    assessment = check(guard, f"install {tree}")
    assert assessment.report.verdict is Verdict.ALLOW, assessment.report.reasons
    TREE_CHANGES[change](tree)
    tally("faults injected")
    with pytest.raises(ArtifactError, match="changed after it was checked"):
        guard.install(assessment)
    assert_nothing_installed(env, baseline, "treepkg")


def test_an_sdist_republished_after_its_inspection_is_not_what_pip_builds(fault_index, target_env_with_build_tools, tmp_path):
    # The index answers safepip's download with a clean sdist, then re-publishes the same version (with a
    # matching hash) as one whose setup.py runs: pip must build the inspected copy, never the new one.
    env = target_env_with_build_tools
    marker = tmp_path / "SETUP_PY_RAN"
    clean = build_sdist(fault_index.files, "cleansdist", "1.0.0", files={"pyproject.toml": PYPROJECT_SETUPTOOLS})
    fault_index.index.add(clean, age_days=500, **ESTABLISHED)
    evil = canary_sdist(tmp_path / "evil", marker, name="cleansdist")
    fault_index.index.swap_file(clean.name, evil.read_bytes(), after=1, announce=True)
    tally("faults injected")
    guard = guard_for(env.python, tmp_path / "cache", FailMode.CLOSED)
    assessment = check(guard, "install cleansdist")
    assert not marker.exists(), "pip built the re-published sdist during the check"
    assert assessment.report.verdict is Verdict.ALLOW, assessment.report.reasons
    assert [a.sha256 for a in assessment.artifacts] == [sha256(clean)]
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    assert not marker.exists(), "pip built the re-published sdist during the install"
    assert env.imports("cleansdist")


@pytest.mark.parametrize("editable", [False, True], ids=["regular", "editable"])
def test_an_unchanged_source_tree_installs_as_asked(fault_index, target_env_with_build_tools, tmp_path, editable):
    # The other side: the digest is stable across the check's own dry run (pip prepares metadata then), and
    # `pip install -e .` stays a development install (later edits show without reinstalling); a regular one does not.
    env = target_env_with_build_tools
    tree = _source_tree(tmp_path)
    guard = guard_for(env.python, tmp_path / "cache", FailMode.OPEN)
    assessment = check(guard, f"install {'-e ' if editable else ''}{tree}")
    assert assessment.report.verdict is Verdict.ALLOW, assessment.report.reasons
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    (tree / "treepkg" / "__init__.py").write_text("VALUE = 2\n")
    shown = subprocess.run([env.python, "-c", "import treepkg; print(treepkg.VALUE)"], capture_output=True, text=True)
    assert shown.stdout.strip() == ("2" if editable else "1"), shown.stderr
