"""Which lines the input transformer routes through the guard, and how."""

import pytest

from jupyter_safepip.ipython.shell_escape import REFUSAL, rewrite_cell, rewrite_line


@pytest.mark.parametrize("line", [
    "!pip install x", "!pip3 install x", "!python -m pip install x", "!python3.11 -m pip install x",
    "!/opt/conda/bin/python -m pip install x", "!{sys.executable} -m pip install x", "%pip install x", "%safepip install x",
    "!python -mpip install x",
])
def test_installs_are_awaited_through_the_guard(line):
    assert rewrite_line(line + "\n") == "await get_ipython().run_line_magic('safepip', '--await install x')\n"


def test_indented_installs_stay_synchronous():
    assert rewrite_line("    !pip install x") == "    %safepip install x"


@pytest.mark.parametrize("line", ["!ls -la", "!pip list", "%pip uninstall -y x", "print('pip install x')", "!echo pip install x",
                                  "!pip show wheel", "!pip uninstall -y wheel"])
def test_other_lines_are_untouched(line):
    assert rewrite_line(line) == line


def test_quotes_in_arguments_survive():
    assert rewrite_line("%pip install 'a>=1'") == """await get_ipython().run_line_magic('safepip', "--await install 'a>=1'")"""
    assert rewrite_line('!pip install "a>=1"') == """await get_ipython().run_line_magic('safepip', '--await install "a>=1"')"""


def test_pip_flags_before_install_move_after_it():
    assert rewrite_line("!pip -q install x") == "await get_ipython().run_line_magic('safepip', '--await install -q x')"
    assert rewrite_line("  !python -m pip --quiet install x") == "  %safepip install --quiet x"


@pytest.mark.parametrize("line", [
    "!cd /tmp && pip install x", "!sudo pip install x", "!true; pip3 install x", "!echo y | pip install x",
    "!PIP_INDEX_URL=http://127.0.0.1:9/ pip install x", "!uv pip install x", "!/usr/bin/pip3.11 install x",
    "!pip --proxy http://127.0.0.1:9 install x", "!!cd x && python -m pip install y", '!bash -c "pip install x"',
    "!echo x | xargs pip install", "!python -m pip.__main__ install x", "!python3 -m pip install x | tail -1",
    "!pip install x > log.txt", "!pip download --no-deps x.tgz", "!pip wheel -w out .", "!pip --cache-dir c lock x",
])
def test_shell_installs_the_guard_cannot_take_apart_are_refused(line):
    assert rewrite_line(line + "\n") == f"raise __import__('IPython').core.error.UsageError({REFUSAL!r})\n"
    assert rewrite_line("    " + line).startswith("    raise ")


@pytest.mark.parametrize("cell", [["%%bash\n", "cd /tmp\n", "pip install x\n"], ["%%sh\n", "python3 -m pip install x"],
                                  ["%%script bash\n", "sudo pip install -U x\n"], ["%%script /bin/bash\n", "pip install x"],
                                  ["%%bash\n", "python -mpip install x\n"]])
def test_shell_cells_that_install_are_refused(cell):
    assert rewrite_cell(cell) == [f"raise __import__('IPython').core.error.UsageError({REFUSAL!r})\n"]


def test_shell_cells_that_do_not_install_are_untouched():
    cell = ["%%bash\n", "pip list\n", "echo pip install x\n", "pip uninstall -y x\n"]
    assert rewrite_cell(cell) == cell


def test_another_installer_magic_is_refused():
    assert rewrite_line("%uv pip install x") == f"raise __import__('IPython').core.error.UsageError({REFUSAL!r})"


def test_a_continued_install_line_is_joined_before_it_is_rewritten():
    cell = ["%pip install --quiet \\\n", "    x\n", "print(1)\n"]
    assert rewrite_cell(cell) == ["await get_ipython().run_line_magic('safepip', '--await install --quiet x')\n", "print(1)\n"]


def test_lines_in_the_body_of_a_cell_magic_are_not_awaited():
    assert rewrite_cell(["%%time\n", "!pip install x\n"]) == ["%%time\n", "%safepip install x\n"]


def test_the_body_of_a_text_cell_magic_is_left_as_written():
    cell = ["%%writefile setup.sh\n", "!pip install x\n"]
    assert rewrite_cell(cell) == cell
