"""SARIF 2.1.0 for scan results, so code-scanning UIs can show the findings: pure functions returning dicts."""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .checks.archive import ArchiveScan
from .model import CheckError, Finding, Report, Severity
from .rules.table import RULES

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note", Severity.INFO: "note"}
# GitHub code scanning reads this 0-10 score to rank security results.
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0", Severity.INFO: "1.0"}

Entry = tuple[str, bool, tuple[Finding, ...], tuple[CheckError, ...]]  # artifact uri, is a directory, findings, errors


def sarif_from_scans(scans: Sequence[tuple[Path, ArchiveScan]]) -> dict:
    """SARIF for `safepip scan PATH...` results."""
    return _sarif([(path.as_posix(), path.is_dir(), scan.findings, scan.errors) for path, scan in scans])


def sarif_from_report(report: Report) -> dict:
    """SARIF for a whole install check: one artifact per candidate file."""
    entries: list[Entry] = [(p.candidate.filename, False, p.findings, p.errors) for p in report.packages]
    if report.request_findings or report.errors:
        entries.append(("(request)", False, report.request_findings, report.errors))
    return _sarif(entries)


def _sarif(entries: Sequence[Entry]) -> dict:
    rule_ids = sorted({f.rule_id for _, _, findings, _ in entries for f in findings})
    rule_index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    artifacts: list[dict] = []
    artifact_index: dict[str, int] = {}
    results: list[dict] = []
    notifications: list[dict] = []

    def artifact(uri: str, parent: int | None) -> int:
        if uri not in artifact_index:
            artifact_index[uri] = len(artifacts)
            entry: dict = {"location": {"uri": uri}}
            if parent is not None:
                entry["parentIndex"] = parent
            artifacts.append(entry)
        return artifact_index[uri]

    for uri, is_dir, findings, errors in entries:
        top = None if is_dir else artifact(uri, None)
        for finding in findings:
            locations = [_location(e.location, e.line, e.snippet, uri, is_dir, top, artifact) for e in finding.evidence]
            if not locations and top is not None:
                locations = [{"physicalLocation": {"artifactLocation": {"uri": uri, "index": top}}}]
            results.append({
                "ruleId": finding.rule_id,
                "ruleIndex": rule_index[finding.rule_id],
                "level": LEVELS[finding.severity],
                "message": {"text": f"{finding.package}: {finding.message}"},
                "locations": locations,
                "properties": {"severity": finding.severity.label, "package": finding.package},
            })
        for error in errors:
            notifications.append({
                "level": "error",
                "message": {"text": f"{uri}: could not check ({error.check}): {error.reason}"},
            })
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "jupyter_safepip",
                "version": __version__,
                "rules": [_rule(rule_id) for rule_id in rule_ids],
            }},
            "artifacts": artifacts,
            "results": results,
            "invocations": [{"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}],
        }],
    }


def _location(location: str, line: int | None, snippet: str, uri: str, is_dir: bool, top: int | None, artifact) -> dict:
    if is_dir:
        # Evidence names start with the scanned directory's own name; point at the real file instead.
        inner = location.split("/", 1)[1] if "/" in location else location
        path = posixpath.normpath(posixpath.join(uri, inner))
        physical: dict = {"artifactLocation": {"uri": path, "index": artifact(path, None)}}
    else:
        member = f"{uri}!{location}" if location else uri
        physical = {"artifactLocation": {"uri": member, "index": artifact(member, top)}}
    if line:
        physical["region"] = {"startLine": line, **({"snippet": {"text": snippet}} if snippet else {})}
    return {"physicalLocation": physical}


def _rule(rule_id: str) -> dict:
    rule = RULES.get(rule_id)
    if rule is None:  # a finding from another check family (names, metadata) that has no behaviour rule
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    return {
        "id": rule.id,
        "name": "".join(part.title() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.explanation},
        "defaultConfiguration": {"level": LEVELS[rule.install]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.install],
            "tags": ["security", "supply-chain", rule.family],
        },
    }
