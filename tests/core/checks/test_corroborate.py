"""Weak signals that add up: a look-alike name on a brand-new project."""

from __future__ import annotations

from jupyter_safepip.core.checks import names
from jupyter_safepip.core.checks.corroborate import CORROBORATIONS, corroborate
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
