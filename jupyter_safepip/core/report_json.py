"""The Report as JSON: one versioned schema for the CLI, the REST API, the widget and the sidebar."""

from __future__ import annotations

from typing import Any

from .model import (
    Candidate,
    CheckError,
    Evidence,
    Finding,
    PackageReport,
    Report,
    Severity,
    Verdict,
)


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.label,
        "message": finding.message,
        "package": finding.package,
        "evidence": [{"location": e.location, "line": e.line, "snippet": e.snippet} for e in finding.evidence],
        "suggestion": finding.suggestion,
        "runs": finding.runs,
    }


def error_to_dict(error: CheckError) -> dict[str, Any]:
    return {"check": error.check, "reason": error.reason, "package": error.package}


def candidate_to_dict(candidate: Candidate) -> dict[str, Any]:
    return {
        "name": candidate.name,
        "version": candidate.version,
        "url": candidate.url,
        "filename": candidate.filename,
        "sha256": candidate.sha256,
        "requested": candidate.requested,
        "is_wheel": candidate.is_wheel,
        "yanked": candidate.yanked,
    }


def report_to_dict(report: Report) -> dict[str, Any]:
    """Serialise a report; severities and verdicts as lower-case labels."""
    return {
        "schema_version": report.schema_version,
        "command": report.command,
        "verdict": report.verdict.label,
        "install_anyway_allowed": report.install_anyway_allowed,
        "could_not_check": report.could_not_check,
        "reasons": list(report.reasons),
        "errors": [error_to_dict(e) for e in report.errors],
        "request_findings": [finding_to_dict(f) for f in report.request_findings],
        "packages": [
            {
                **candidate_to_dict(p.candidate),
                "verdict": p.verdict.label,
                "reasons": list(p.reasons),
                "findings": [finding_to_dict(f) for f in p.findings],
                "errors": [error_to_dict(e) for e in p.errors],
            }
            for p in report.packages
        ],
    }


def finding_from_dict(data: dict[str, Any]) -> Finding:
    return Finding(
        rule_id=data["rule_id"],
        severity=Severity.parse(data["severity"]),
        message=data["message"],
        package=data["package"],
        evidence=tuple(Evidence(e["location"], e.get("line"), e.get("snippet", "")) for e in data.get("evidence", ())),
        suggestion=data.get("suggestion"),
        runs=data.get("runs"),
    )


def error_from_dict(data: dict[str, Any]) -> CheckError:
    return CheckError(check=data["check"], reason=data["reason"], package=data.get("package"))


def report_from_dict(data: dict[str, Any]) -> Report:
    """Rebuild a report written by report_to_dict (history store, tests)."""
    packages = tuple(
        PackageReport(
            candidate=Candidate(
                name=p["name"],
                version=p["version"],
                url=p["url"],
                filename=p["filename"],
                sha256=p["sha256"],
                requested=p["requested"],
                is_wheel=p["is_wheel"],
                yanked=p.get("yanked", False),
            ),
            findings=tuple(finding_from_dict(f) for f in p["findings"]),
            errors=tuple(error_from_dict(e) for e in p["errors"]),
            verdict=Verdict[p["verdict"].upper()],
            reasons=tuple(p.get("reasons", ())),
        )
        for p in data["packages"]
    )
    return Report(
        command=data["command"],
        packages=packages,
        errors=tuple(error_from_dict(e) for e in data["errors"]),
        verdict=Verdict[data["verdict"].upper()],
        install_anyway_allowed=data["install_anyway_allowed"],
        reasons=tuple(data.get("reasons", ())),
        request_findings=tuple(finding_from_dict(f) for f in data.get("request_findings", ())),
        schema_version=data["schema_version"],
    )
