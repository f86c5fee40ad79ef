"""Real kernels executing real cells: the guarded %pip, !pip interception, unload, and the widget over its comms."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from tests.conftest import isolated_pip_env
from tests.support.installed import recorded_hashes
from tests.support.kernel_client import LocalKernel, buttons, click_when_shown
from tests.support.venvs import clone_venv

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


class Kernel(LocalKernel):
    """A kernel whose interpreter is a throwaway venv of its own (a copy of `template`, on top of the test
    environment), pip pointed at `index_url`, its cache and history in `tmp`."""

    def __init__(self, tmp: Path, index_url: str, *, template: Path, load_at_start: bool = False,
                 **extra_env: str) -> None:
        self.venv = clone_venv(template, tmp / "kernel-venv")
        self.python = str(self.venv / "bin" / "python")
        # The test environment's packages (ipykernel, safepip's dependencies) are visible after the venv's own.
        site = next((self.venv / "lib").glob("python3*/site-packages"))
        (site / "test_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        env = isolated_pip_env(index_url, tmp / "pip-cache")
        env.update(PYTHONPATH=str(REPO), SAFEPIP_CACHE_DIR=str(tmp / "safepip-cache"),
                   SAFEPIP_HISTORY_PATH=str(tmp / "history.sqlite"), **extra_env)
        self.history = tmp / "history.sqlite"
        argv = [self.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        super().__init__(argv + (["--InteractiveShellApp.extensions=jupyter_safepip"] if load_at_start else []), env, tmp)


@pytest.fixture(scope="module")
def unattended(package_index, venv_template, tmp_path_factory):
    """One kernel for the module's tests that install nothing (nobody to ask: the policy decides)."""
    kernel = Kernel(tmp_path_factory.mktemp("unattended"), package_index.url, template=venv_template,
                    SAFEPIP_NONINTERACTIVE="1")
    kernel.run("%load_ext jupyter_safepip")
    yield kernel
    kernel.stop()


@pytest.fixture
def own_unattended(package_index, venv_template, tmp_path):
    """A kernel of this test's own, for a test that installs: nothing it leaves behind reaches another test."""
    kernel = Kernel(tmp_path, package_index.url, template=venv_template, SAFEPIP_NONINTERACTIVE="1")
    kernel.run("%load_ext jupyter_safepip")
    yield kernel
    kernel.stop()


def imports(kernel: Kernel, module: str) -> bool:
    result = kernel.run(f"import importlib, sys; importlib.invalidate_caches(); import {module}")
    return result.status == "ok"


def test_typo_squat_is_blocked_and_not_importable(unattended):
    result = unattended.run("%pip install reqeusts")
    assert result.status == "error"
    assert "Did you mean 'requests'?" in result.text and "nothing was installed" in result.text
    assert "Traceback" not in result.text
    assert not imports(unattended, "reqeusts")


def test_shell_escape_installs_are_caught(unattended):
    for line in ("!pip install reqeusts", "!pip3 install reqeusts", "!python -m pip install reqeusts",
                 "!{sys.executable} -m pip install reqeusts"):
        result = unattended.run(line)
        assert result.status == "error", line
        assert "name.typo" in result.text, line
    other = unattended.run("!echo untouched")
    assert other.status == "ok" and "untouched" in other.text


def test_shell_installs_the_transformer_never_sees_are_caught_when_they_run(unattended):
    unattended.run("cmd = 'pip install reqeusts'")
    for cell in ("!{cmd}", "%system pip install reqeusts", "out = !pip install reqeusts", "x = %sx pip install reqeusts",
                 "def f():\n    local_cmd = 'pip install reqeusts'\n    get_ipython().system(local_cmd)\nf()",
                 "%time !pip install reqeusts", "%uv pip install reqeusts"):
        result = unattended.run(cell)
        assert result.status == "error", cell
        assert "Traceback" not in result.text and ("name.typo" in result.text or "cannot check" in result.text), cell
    assert "untouched here" in unattended.run("word = 'here'\n!echo untouched {word}").text  # other commands as before
    assert not imports(unattended, "reqeusts")


def test_an_install_in_the_cell_that_loads_the_extension_is_checked(package_index, venv_template, tmp_path):
    kernel = Kernel(tmp_path, package_index.url, template=venv_template, SAFEPIP_NONINTERACTIVE="1")
    try:
        result = kernel.run("%load_ext jupyter_safepip\n!pip install reqeusts")
        assert result.status == "error" and "name.typo" in result.text, result.text
        assert not imports(kernel, "reqeusts")
    finally:
        kernel.stop()


def test_shell_installs_the_guard_cannot_take_apart_are_refused(unattended):
    for cell in ("!pip -q install reqeusts", "!cd / && pip install reqeusts", "%%bash\ncd /\npip install reqeusts"):
        result = unattended.run(cell)
        assert result.status == "error", cell
        assert "Traceback" not in result.text, cell
        if "-q" in cell:
            assert "name.typo" in result.text, cell  # taken apart and checked
        else:
            assert "UsageError: safepip: this shell command runs pip install where safepip cannot check it" in result.text
    assert not imports(unattended, "reqeusts")


def test_benign_install_then_list_and_uninstall_behave_as_ipython(own_unattended):
    result = own_unattended.run("%pip install tidyframe")
    assert result.status == "ok", result.text
    assert "safepip checked 3 package(s)" in result.text
    assert imports(own_unattended, "tidyframe")
    listed = own_unattended.run("%pip list")
    assert "tidyframe" in listed.text and "1.2.0" in listed.text
    removed = own_unattended.run("%pip uninstall -y tidyutils")
    assert "Successfully uninstalled tidyutils" in removed.text
    assert not imports(own_unattended, "tidyutils")


def test_bad_input_is_a_one_line_error(unattended):
    result = unattended.run("%pip install 'pan das'")
    assert result.status == "error"
    assert "invalid requirement" in result.text and "Traceback" not in result.text
    typo = unattended.run("%safepip chek tidyframe")
    assert typo.status == "error" and "unknown subcommand 'chek' (did you mean check?)" in typo.text, typo.text
    helped = unattended.run("%safepip help")
    assert helped.status == "ok" and "%safepip check <pip arguments>" in helped.text


def test_a_flagged_package_that_is_already_installed_asks_nothing(own_unattended):
    """pip would install nothing: the findings are shown, the cell succeeds, nobody is asked."""
    installed = own_unattended.run("import subprocess, sys\n"
                                   "subprocess.run([sys.executable, '-m', 'pip', 'install', '-q', 'reqeusts'], check=True)")
    assert installed.status == "ok", installed.text
    result = own_unattended.run("%pip install reqeusts")
    assert result.status == "ok", result.text
    assert "name.typo" in result.text and "already satisfied" in result.text


def test_settings_that_are_not_per_kernel_are_refused_with_what_to_do(unattended):
    result = unattended.run("%safepip policy enabled false")
    assert result.status == "error" and "%unload_ext jupyter_safepip" in result.text and "Traceback" not in result.text
    assert unattended.run("%pip install reqeusts").status == "error"  # still guarded


def test_decisions_are_recorded_in_history(own_unattended):
    from jupyter_safepip.core.history import HistoryStore

    assert own_unattended.run("%pip install reqeusts").status == "error"  # a block
    assert own_unattended.run("%pip install tidyutils").status == "ok"
    assert own_unattended.run("%pip install freshpkg").status == "error"  # a warning, and nobody to ask
    entries = HistoryStore(own_unattended.history).query(limit=100)
    decisions = {(e.decision, e.source) for e in entries}
    assert ("blocked", "magic") in decisions and ("installed", "magic") in decisions
    # a warning the policy refused for want of someone to ask is not called blocked
    assert {e.decision for e in entries if e.package == "freshpkg"} == {"refused"}


def test_unload_restores_ipythons_pip(unattended):
    unattended.run("%unload_ext jupyter_safepip")
    owner = unattended.run("print(type(get_ipython().find_line_magic('pip').__self__).__name__)")
    assert "PackagingMagics" in owner.text
    gone = unattended.run("%safepip policy")
    assert gone.status == "error" and "UsageError" in gone.text
    unattended.run("%load_ext jupyter_safepip")


# --- the widget, driven over its comm channel as a browser would ---------------------------------

@pytest.fixture
def interactive(package_index, venv_template, tmp_path, request):
    extra = getattr(request, "param", {})
    kernel = Kernel(tmp_path, package_index.url, template=venv_template, SAFEPIP_DECISION_TIMEOUT="60", **extra)
    kernel.run("%load_ext jupyter_safepip")
    yield kernel
    kernel.stop()


def test_widget_cancel_leaves_the_environment_unchanged(interactive):
    result = interactive.run("%pip install reqeusts", on_comm_open=click_when_shown("Cancel"))
    assert {"Cancel", "Install anyway", "Did you mean requests?"} <= set(buttons(result.comm_opens))
    assert result.status == "ok", result.text
    assert not imports(interactive, "reqeusts")


def test_interrupting_the_kernel_while_the_widget_waits_is_a_one_line_cancel(interactive):
    def interrupt_when_shown(kernel: Kernel, content: dict) -> None:
        if content["data"].get("state", {}).get("description") == "Cancel":
            kernel.km.interrupt_kernel()

    result = interactive.run("%pip install freshpkg", timeout=60, on_comm_open=interrupt_when_shown)
    assert result.status == "error" and "safepip: interrupted; nothing was installed" in result.text, result.text
    assert "Traceback" not in result.text and "CancelledError" not in result.text
    assert not imports(interactive, "freshpkg")


def test_a_runner_that_takes_no_input_gets_the_policy_not_a_widget(interactive):
    """nbconvert and papermill send allow_stdin: false; a widget there would wait for a click that never comes."""
    result = interactive.run("%pip install reqeusts", timeout=60, allow_stdin=False)
    assert result.status == "error" and "with nobody to ask" in result.text, result.text
    assert buttons(result.comm_opens) == {}


def test_a_refusal_in_the_first_cell_of_a_kernel_that_loads_the_guard_at_start_gets_a_reply(
        package_index, venv_template, tmp_path):
    """As on a hub (`jupyter safepip enable`): the first cell is an awaited %pip line; its one-line refusal must
    still reach the client as an error reply, or nbconvert and the notebook wait for ever."""
    kernel = Kernel(tmp_path, package_index.url, template=venv_template, load_at_start=True)
    try:
        result = kernel.run("%pip install reqeusts", timeout=60, allow_stdin=False)
        assert result.status == "error" and "with nobody to ask" in result.text, result.text
        assert kernel.run("1 + 1").status == "ok"
    finally:
        kernel.stop()


@pytest.mark.parametrize("interactive", [{"SAFEPIP_INSTALL_ANYWAY": "false"}], indirect=True)
def test_widget_has_no_install_anyway_when_the_policy_forbids_it(interactive):
    result = interactive.run("%pip install reqeusts", on_comm_open=click_when_shown("Cancel"))
    assert "Install anyway" not in buttons(result.comm_opens)
    assert "Cancel" in buttons(result.comm_opens)


def test_widget_install_anyway_installs_exactly_the_inspected_files(interactive):
    result = interactive.run("%pip install freshpkg", on_comm_open=click_when_shown("Install anyway"))
    assert result.status == "ok", result.text
    assert imports(interactive, "freshpkg")
    inspected = sorted((Path(interactive.python).parents[2] / "safepip-cache" / "artifacts").glob("*/freshpkg-*.whl"))
    assert len(inspected) == 1
    # The installed files are the inspected wheel's, byte for byte.
    assert recorded_hashes(Path(interactive.venv), inspected) == {"freshpkg": inspected[0].parent.name}
