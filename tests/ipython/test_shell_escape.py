"""Which lines the input transformer routes through the guard, and how."""

import pytest

from jupyter_safepip.ipython.shell_escape import rewrite_line


@pytest.mark.parametrize("line", [
    "!pip install x", "!pip3 install x", "!python -m pip install x", "!python3.11 -m pip install x",
    "!/opt/conda/bin/python -m pip install x", "!{sys.executable} -m pip install x", "%pip install x", "%safepip install x",
])
def test_installs_are_awaited_through_the_guard(line):
    assert rewrite_line(line + "\n") == "await get_ipython().run_line_magic('safepip', '--await install x')\n"


def test_indented_installs_stay_synchronous():
    assert rewrite_line("    !pip install x") == "    %safepip install x"


@pytest.mark.parametrize("line", ["!ls -la", "!pip list", "%pip uninstall -y x", "print('pip install x')", "!echo pip install x"])
def test_other_lines_are_untouched(line):
    assert rewrite_line(line) == line


def test_quotes_in_arguments_survive():
    assert rewrite_line("%pip install 'a>=1'") == """await get_ipython().run_line_magic('safepip', "--await install 'a>=1'")"""
