"""Hostile pip lines through Guard.parse/check: each is refused with a one-line reason, or checked so that
the inspected bytes are exactly what pip installs; none is passed through unchecked."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from jupyter_safepip.core.model import InstallRequest, Verdict
from jupyter_safepip.core.policy import FailMode, installs_unattended
from jupyter_safepip.core.request import RequestError
from jupyter_safepip.guard import IncompleteRequest
from jupyter_safepip.testing.builders import build_sdist, build_wheel, canary_setup_py, canary_sdist
from jupyter_safepip.testing.index import PackageIndex
from tests.conftest import ESTABLISHED
from tests.reliability.conftest import FLAGGED_FILES, assert_nothing_installed, guard_for, recorded_hashes, tally

pytestmark = pytest.mark.integration

# Lines refused before anything runs: (id, line, words of the one-line reason). {tmp} is the test's tmp_path.
REFUSED = [
    ("semicolon", "install steadypkg; rm -rf ~", "invalid requirement"),
    ("semicolon-quoted", "install 'steadypkg; touch {tmp}/PWNED'", "invalid requirement"),
    ("command-substitution", "install $(touch {tmp}/PWNED)", "invalid requirement"),
    ("backticks", "install `touch {tmp}/PWNED`", "invalid requirement"),
    ("pipe", "install steadypkg | sh", "invalid requirement"),
    ("and-and", "install steadypkg && touch {tmp}/PWNED", "invalid requirement"),
    ("redirect", "install steadypkg > {tmp}/PWNED", "invalid requirement"),
    ("newline", "install steadypkg\ntouch {tmp}/PWNED", "one line"),
    ("carriage-return", "install steadypkg\rtouch {tmp}/PWNED", "one line"),
    ("nul-byte", "install steadypkg\x00touch", "invalid requirement"),
    ("unclosed-quote", "install 'steadypkg", "cannot split"),
    ("dry-run", "install --dry-run steadypkg", "--dry-run installs nothing"),
    ("other-interpreter", "install --python /usr/bin/python3 steadypkg", "another interpreter"),
    ("download", "download steadypkg", "can build packages unchecked"),
    ("wheel", "wheel steadypkg", "can build packages unchecked"),
    ("req-file-no-binary", "install -r {tmp}/no-binary.txt", "would let pip build packages"),
    ("req-file-no-binary-all", "install -r {tmp}/no-binary-all.txt", "would let pip build packages"),
    ("req-file-only-binary-none", "install -r {tmp}/only-binary-none.txt", "would let pip build packages"),
    ("nested-req-file-no-binary", "install -r {tmp}/nested.txt", "would let pip build packages"),
    ("constraints-no-binary", "install -c {tmp}/no-binary.txt steadypkg", "would let pip build packages"),
    ("missing-req-file", "install -r {tmp}/absent.txt", "Could not open requirements file"),
]
REQUIREMENT_FILES = {
    "no-binary.txt": "--no-binary steadypkg\nsteadypkg\n",
    "no-binary-all.txt": "--no-binary :all:\nsteadypkg\n",
    "only-binary-none.txt": "--only-binary :none:\nsteadypkg\n",
    "nested.txt": "steadypkg\n-r no-binary-all.txt\n",
}


@pytest.mark.parametrize(("case", "line", "words"), REFUSED, ids=[c[0] for c in REFUSED])
def test_hostile_line_is_refused_in_one_line(tmp_path, case, line, words):
    tally("hostile inputs")
    for name, text in REQUIREMENT_FILES.items():
        (tmp_path / name).write_text(text)
    guard = guard_for("python3", tmp_path / "cache")
    with pytest.raises(RequestError) as refused:
        guard.parse(line.format(tmp=tmp_path))
    assert words in str(refused.value)
    assert "\n" not in str(refused.value)
    assert not (tmp_path / "PWNED").exists()


@pytest.fixture
def other_index(tmp_path):
    """Another index serving a newer steadypkg that the archive rules block."""
    index = PackageIndex()
    index.add(build_wheel(tmp_path / "other-files", "steadypkg", "2.0.0", files=FLAGGED_FILES), age_days=700, **ESTABLISHED)
    index.start()
    yield index
    index.stop()


def _flagged_dir(tmp_path: Path) -> Path:
    wheels = tmp_path / "unchecked-wheels"
    build_wheel(wheels, "steadypkg", "3.0.0", files=FLAGGED_FILES)
    return wheels


# Lines that point pip somewhere else: the other place's flagged files must be the ones inspected.
# (id, line; {other} is the other index, {wheels} a directory holding a flagged steadypkg 3.0.0, {tmp} tmp_path)
ELSEWHERE = [
    ("index-url", "install --index-url {other} steadypkg"),
    ("index-url-short", "install -i {other} steadypkg"),
    ("index-url-joined", "install --index-url={other} steadypkg"),
    ("extra-index-url", "install --extra-index-url {other} steadypkg"),
    ("no-index-find-links", "install --no-index --find-links {wheels} steadypkg"),
    ("find-links", "install --find-links {wheels} steadypkg"),
    ("find-links-file-url", "install --no-index -f file://{wheels} steadypkg"),
    ("req-file-index-url", "install -r {tmp}/other-index.txt"),
    ("req-file-find-links", "install -r {tmp}/find-links.txt"),
    ("constraints-index-url", "install -c {tmp}/other-index-only.txt steadypkg"),
    ("trusted-host-and-index", "install --trusted-host 127.0.0.1 --index-url {other} steadypkg"),
    ("wheel-path", "install {wheels}/steadypkg-3.0.0-py3-none-any.whl"),
    ("wheel-file-url", "install steadypkg@file://{wheels}/steadypkg-3.0.0-py3-none-any.whl"),
]


@pytest.mark.parametrize(("case", "line"), ELSEWHERE, ids=[c[0] for c in ELSEWHERE])
def test_a_line_pointing_elsewhere_is_checked_there(fault_index, other_index, shared_env, shared_env_baseline,
                                                     tmp_path, case, line):
    tally("hostile inputs")
    wheels = _flagged_dir(tmp_path)
    (tmp_path / "other-index.txt").write_text(f"--index-url {other_index.url}\nsteadypkg\n")
    (tmp_path / "other-index-only.txt").write_text(f"--index-url {other_index.url}\n")
    (tmp_path / "find-links.txt").write_text("--no-index\n--find-links unchecked-wheels\nsteadypkg\n")
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.OPEN)
    text = line.format(other=other_index.url, wheels=wheels, tmp=tmp_path)
    assessment = guard.check(guard.parse(text), text)
    report = assessment.report
    flagged = {hashlib.sha256(p.read_bytes()).hexdigest() for p in [*wheels.iterdir(), *(tmp_path / "other-files").iterdir()]}
    inspected = {a.sha256 for a in assessment.artifacts}
    assert inspected & flagged, f"the other place's files were not inspected: {[p.candidate.url for p in report.packages]}"
    assert report.verdict is Verdict.BLOCK, report.reasons
    if "index-url" in case and "extra" not in case:
        # The metadata came from the index the bytes came from, not from the one configured before.
        assert other_index.hits_for("/pypi/steadypkg/"), "the other index's metadata was not read"
        assert not fault_index.index.hits_for("/pypi/steadypkg/")
    if installs_unattended(guard.settings.policy, report.verdict):
        guard.install(assessment)
    assert_nothing_installed(shared_env, shared_env_baseline, "steadypkg")


# Options that change how or where pip installs: checked, and the inspected wheel is what lands.
# (id, line, where the install lands relative to tmp_path, or None for the venv itself)
CHECKED = [
    ("trusted-host", "install --trusted-host 127.0.0.1 steadypkg", None),
    ("target", "install --target {tmp}/t steadypkg", "t"),
    ("target-with-shell-chars", "install --target '{tmp}/t; touch {tmp}/PWNED' steadypkg", "t; touch {tmp}/PWNED"),
    ("prefix", "install --prefix {tmp}/p steadypkg", "p"),
    ("root", "install --root {tmp}/r steadypkg", "r"),
    ("config-settings", "install --config-settings editable_mode=compat steadypkg", None),
    ("no-binary-all", "install --no-binary :all: steadypkg", None),
    ("no-binary-name", "install --no-binary steadypkg steadypkg", None),
    ("only-binary-none", "install --only-binary :none: steadypkg", None),
    ("only-binary-and-no-binary", "install --only-binary :all: --no-binary steadypkg steadypkg", None),
    ("require-virtualenv", "install --require-virtualenv steadypkg", None),
    ("break-system-packages", "install --break-system-packages steadypkg", None),
    ("src", "install --src {tmp}/src steadypkg", None),
    ("upgrade-strategy", "install -U --upgrade-strategy eager steadypkg", None),
    ("force-reinstall", "install --force-reinstall --ignore-installed steadypkg", None),
    ("report-elsewhere", "install --report {tmp}/report.json steadypkg", None),
    ("global-option", "install --global-option=--quiet steadypkg", None),  # refused by a pip without it
]


@pytest.mark.parametrize(("case", "line", "lands"), CHECKED, ids=[c[0] for c in CHECKED])
def test_an_install_option_is_checked_and_installs_the_inspected_bytes(fault_index, shared_env, shared_env_baseline,
                                                                       tmp_path, case, line, lands):
    tally("hostile inputs")
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.CLOSED)
    text = line.format(tmp=tmp_path)
    try:
        request = guard.parse(text)
    except RequestError as refused:  # an option this pip does not know: refused, in one line
        assert "\n" not in str(refused) and case == "global-option", refused
        return
    assert isinstance(request, InstallRequest)
    assessment = guard.check(request, text)
    assert assessment.report.verdict is Verdict.ALLOW, assessment.report.reasons
    original = hashlib.sha256((fault_index.files / "steadypkg-1.0.0-py3-none-any.whl").read_bytes()).hexdigest()
    assert [a.sha256 for a in assessment.artifacts] == [original]
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout + result.stderr
    root = shared_env.path if lands is None else tmp_path / lands.format(tmp=tmp_path)
    try:
        assert recorded_hashes(root, [a.path for a in assessment.artifacts]) == {"steadypkg": original}
        assert not (tmp_path / "PWNED").exists()
    finally:
        if lands is None:
            subprocess.run([shared_env.python, "-m", "pip", "uninstall", "-y", "-q", "steadypkg"], check=True)
    assert_nothing_installed(shared_env, shared_env_baseline, "steadypkg")


def test_user_site_in_a_venv_ends_in_a_clear_could_not_check(fault_index, shared_env, shared_env_baseline, tmp_path):
    # pip refuses --user inside a virtual environment; the check must say so and install nothing.
    tally("hostile inputs")
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.OPEN)
    assessment = guard.check(guard.parse("install --user steadypkg"), "install --user steadypkg")
    assert assessment.report.could_not_check
    assert "--user" in " ".join(e.reason for e in assessment.report.errors)
    assert not assessment.artifacts
    if installs_unattended(guard.settings.policy, assessment.report.verdict):
        with pytest.raises(IncompleteRequest, match="pip never worked out the whole request"):
            guard.install(assessment)
    assert_nothing_installed(shared_env, shared_env_baseline, "steadypkg")


@pytest.mark.parametrize("line", ["install -e .", "install .", "install --editable=."])
def test_a_flagged_source_tree_is_inspected_before_pip_runs_its_setup_py(fault_index, shared_env, shared_env_baseline,
                                                                          tmp_path, monkeypatch, line):
    tally("hostile inputs")
    tree, marker = tmp_path / "project", tmp_path / "SETUP_PY_RAN"
    tree.mkdir()
    (tree / "setup.py").write_text(canary_setup_py("treepkg", "1.0.0", marker)
                                   + "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n")
    monkeypatch.chdir(tree)
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.OPEN)
    report = guard.check(guard.parse(line), line).report
    assert report.verdict is Verdict.BLOCK, report.reasons
    assert not marker.exists(), "setup.py ran before the verdict"
    assert_nothing_installed(shared_env, shared_env_baseline, "treepkg")


@pytest.mark.parametrize("line", ["install --no-binary :all: canarypkg", "install --no-binary canarypkg canarypkg",
                                  "install --only-binary :none: canarypkg", "install -r {tmp}/canary.txt"])
def test_source_builds_wait_for_the_inspection(fault_index, shared_env, shared_env_baseline, tmp_path, line):
    # canarypkg has a clean wheel and an sdist whose setup.py leaves a marker: asking for the source
    # must never run that setup.py before the sdist was inspected (here: never, it is flagged).
    tally("hostile inputs")
    marker = tmp_path / "CANARY_RAN"
    fault_index.index.add(build_wheel(fault_index.files, "canarypkg", "1.0.0"), age_days=500, **ESTABLISHED)
    fault_index.index.add(canary_sdist(fault_index.files, marker), age_days=500, **ESTABLISHED)
    (tmp_path / "canary.txt").write_text("canarypkg --config-settings x=y\n")
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.OPEN)
    text = line.format(tmp=tmp_path)
    assessment = guard.check(guard.parse(text), text)
    assert not marker.exists(), "setup.py ran during the check"
    wheel = hashlib.sha256((fault_index.files / "canarypkg-1.0.0-py3-none-any.whl").read_bytes()).hexdigest()
    if installs_unattended(guard.settings.policy, assessment.report.verdict):
        guard.install(assessment)
        assert not marker.exists(), "setup.py ran during the install"
        assert recorded_hashes(shared_env.path, [fault_index.files / "canarypkg-1.0.0-py3-none-any.whl"]).get("canarypkg") in (None, wheel)
        subprocess.run([shared_env.python, "-m", "pip", "uninstall", "-y", "-q", "canarypkg"], check=True)
    assert_nothing_installed(shared_env, shared_env_baseline, "canarypkg")


@pytest.mark.parametrize("form", ["tree", "sdist-path"])
def test_build_requirements_from_the_index_never_run_during_the_check(fault_index, shared_env, shared_env_baseline,
                                                                      tmp_path, form):
    # A clean-looking project whose pyproject names a build backend served by the index: an isolated
    # build environment would download that backend and run it before anything inspected it.
    tally("hostile inputs")
    marker = tmp_path / "BACKEND_RAN"
    fault_index.index.add(build_wheel(fault_index.files, "shinybackend", "1.0.0", files={
        "shinybackend/__init__.py": f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
                                    "def get_requires_for_build_wheel(config_settings=None):\n    return []\n",
    }), age_days=500, **ESTABLISHED)
    pyproject = '[build-system]\nrequires = ["shinybackend"]\nbuild-backend = "shinybackend"\n'
    if form == "tree":
        target = tmp_path / "project"
        target.mkdir()
        (target / "pyproject.toml").write_text(pyproject)
    else:
        target = build_sdist(tmp_path / "dist", "shinyproject", "1.0.0", files={"pyproject.toml": pyproject})
    guard = guard_for(shared_env.python, tmp_path / "cache", FailMode.OPEN)
    assessment = guard.check(guard.parse(f"install {target}"), f"install {target}")
    assert not marker.exists(), "a build requirement from the index ran during the check"
    assert "build tools" in " ".join(e.reason for e in assessment.report.errors), assessment.report.errors
    assert not any(a.candidate.name == "shinybackend" for a in assessment.artifacts)
    if installs_unattended(guard.settings.policy, assessment.report.verdict):
        with pytest.raises(IncompleteRequest, match="pip never worked out the whole request"):
            guard.install(assessment)
    assert not marker.exists(), "a build requirement from the index ran during the install"
    assert_nothing_installed(shared_env, shared_env_baseline, "shinybackend")


@pytest.fixture(scope="module")
def kernel(package_index, venv_template, tmp_path_factory):
    """A real kernel with the guard loaded and nobody to ask (IPython's own %pip would use a shell)."""
    from tests.ipython.test_kernel import Kernel

    running = Kernel(tmp_path_factory.mktemp("hostile-kernel"), package_index.url, template=venv_template,
                     SAFEPIP_NONINTERACTIVE="1")
    running.run("%load_ext jupyter_safepip")
    yield running
    running.stop()


KERNEL_LINES = [
    "%pip install tidyutils; touch {marker}",
    "%pip install tidyutils && touch {marker}",
    "%pip install tidyutils | touch {marker}",
    "%pip install `touch {marker}`",
    "%pip install $(touch {marker})",
    "!pip install tidyutils; touch {marker}",
    "!python -m pip install tidyutils && touch {marker}",
    "%safepip install tidyutils > {marker}",
]


@pytest.mark.parametrize("line", KERNEL_LINES)
def test_shell_metacharacters_in_a_kernel_never_reach_a_shell(kernel, tmp_path, line):
    tally("hostile inputs")
    marker = tmp_path / "PWNED"
    result = kernel.run(line.format(marker=marker))
    assert not marker.exists(), f"a shell ran: {result.text}"
    refusal = "cannot check it" if line.startswith("!") else "invalid requirement"  # a `!` line is the shell's
    assert refusal in result.text, result.text
    assert "Traceback" not in result.text
    assert kernel.run("import tidyutils").status == "error", "installed despite the refusal"
