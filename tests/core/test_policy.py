"""Findings + errors -> verdict, through thresholds, allow/deny lists and the fail mode."""

import pytest

from jupyter_safepip.core.model import Candidate, CheckError, Finding, Severity, Verdict
from jupyter_safepip.core.policy import FailMode, ListEntry, Policy, PolicyError, decide_package

CANDIDATE = Candidate("tidyframe", "1.2.0", "http://127.0.0.1/t.whl", "t.whl", "0" * 64, True, True)


def finding(severity: Severity) -> Finding:
    return Finding("test.rule", severity, "something", "tidyframe")


@pytest.mark.parametrize(
    ("severity", "verdict"),
    [(Severity.INFO, Verdict.ALLOW), (Severity.LOW, Verdict.ALLOW), (Severity.MEDIUM, Verdict.WARN),
     (Severity.HIGH, Verdict.BLOCK), (Severity.CRITICAL, Verdict.BLOCK)],
)
def test_default_thresholds(severity, verdict):
    assert decide_package(Policy(), CANDIDATE, "tidyframe", (finding(severity),), ()).verdict is verdict


@pytest.mark.parametrize(("mode", "verdict"), [(FailMode.OPEN, Verdict.ALLOW), (FailMode.WARN, Verdict.WARN), (FailMode.CLOSED, Verdict.BLOCK)])
def test_fail_mode_decides_what_an_unchecked_package_means(mode, verdict):
    decision = decide_package(Policy(fail_mode=mode), CANDIDATE, "tidyframe", (), (CheckError("metadata", "timeout"),))
    assert decision.verdict is verdict
    assert any("could not run" in r for r in decision.reasons)


def test_deny_list_wins_over_allow_list_and_specifiers_match_versions():
    policy = Policy(deny=(ListEntry.parse("tidyframe<1.3"),), allow=(ListEntry.parse("tidyframe"),))
    assert decide_package(policy, CANDIDATE, "tidyframe", (), ()).verdict is Verdict.BLOCK
    newer = Candidate("tidyframe", "1.4", "u", "f", None, True, True)
    assert decide_package(policy, newer, "tidyframe", (finding(Severity.CRITICAL),), ()).verdict is Verdict.ALLOW


def test_invalid_policy_values_are_clear_errors():
    with pytest.raises(PolicyError, match="invalid allow/deny entry"):
        ListEntry.parse("not a name!")
    with pytest.raises(PolicyError, match="above the block threshold"):
        Policy(warn_at=Severity.CRITICAL, block_at=Severity.LOW)


def test_a_known_vulnerability_warns_by_default_and_blocks_when_the_administrator_raises_it():
    from jupyter_safepip.core.checks.metadata import RULES

    vulnerable = Finding("meta.vulnerable", RULES["meta.vulnerable"].severity, "PYSEC-2026-1: fixed in 1.0.1", "vulnlib")
    assert decide_package(Policy(), CANDIDATE, "vulnlib", (vulnerable,), ()).verdict is Verdict.WARN
    raised = decide_package(Policy(rule_severity=(("meta.vulnerable", Severity.HIGH),)), CANDIDATE, "vulnlib", (vulnerable,), ())
    assert raised.verdict is Verdict.BLOCK
    assert [(f.severity, "Severity set by the policy: high" in f.message) for f in raised.findings] == [(Severity.HIGH, True)]


def test_rule_severity_lowers_only_the_rules_it_names():
    other = Finding("archive-special-file", Severity.HIGH, "a device file", "tidyframe")
    lowered = Policy(rule_severity=(("test.rule", Severity.INFO),))
    decision = decide_package(lowered, CANDIDATE, "tidyframe", (finding(Severity.CRITICAL), other), ())
    assert decision.verdict is Verdict.BLOCK and [f.severity for f in decision.findings] == [Severity.INFO, Severity.HIGH]
    assert decide_package(lowered, CANDIDATE, "tidyframe", (finding(Severity.CRITICAL),), ()).verdict is Verdict.ALLOW
