"""Weak signals that add up: a look-alike name on a brand-new project."""

from __future__ import annotations

from jupyter_safepip.core.checks import names
from jupyter_safepip.core.checks.corroborate import CORROBORATIONS, corroborate, temper_names
from jupyter_safepip.core.checks.metadata import RULES as META_RULES
from jupyter_safepip.core.model import Evidence, Finding, Severity


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
