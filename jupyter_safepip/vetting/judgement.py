"""What the vetting index does with a file's check under the current policy: serve it or refuse it, and why."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.model import Candidate, Finding, Verdict
from ..core.policy import Decision, Policy, decide_package, installs_unattended, is_denied
from .records import FileCheck


@dataclass(frozen=True)
class Judgement:
    verdict: Verdict
    served: bool
    reason: str  # one line, shown by pip after "403"


def judge(policy: Policy, check: FileCheck) -> Judgement:
    """The policy's verdict on the file; nobody is there to ask, so a warning is served only where the policy
    installs warnings unattended, and a check that could not run counts as the fail mode says."""
    candidate = Candidate(check.project, check.version, "", check.filename, check.sha256, True,
                          check.filename.endswith(".whl"))
    decision = decide_package(policy, candidate, check.project, check.findings, check.errors)
    return Judgement(decision.verdict, installs_unattended(policy, decision.verdict), _reason(policy, decision, check))


def _reason(policy: Policy, decision: Decision, check: FileCheck) -> str:
    """One line: the deny list, else the worst finding that counts (with its "did you mean"), else what could
    not be checked."""
    label = decision.verdict.label
    if is_denied(policy, check.project, check.version):
        return f"{label}: {check.project} {check.version} is on the administrator's deny list"
    if decision.verdict is Verdict.ALLOW:
        return "allowed"
    worst = max(decision.findings, key=lambda f: f.severity, default=None)
    if worst is not None and worst.severity >= policy.warn_at:
        where = next((f" ({e.location}:{e.line})" if e.line else f" ({e.location})" for e in worst.evidence_to_show), "")
        return finding_reason(decision.verdict, worst, where)
    return f"{label}: could not check ({check.errors[0].reason})" if check.errors else label


def finding_reason(verdict: Verdict, finding: Finding, where: str = "") -> str:
    """A verdict's reason from its worst finding, with the "did you mean" and the rule id, in one line."""
    hint = f"; did you mean {finding.suggestion}?" if finding.suggestion else ""
    return f"{verdict.label}: {finding.message}{where}{hint} [{finding.rule_id}]"
