"""A Report as plain text: a table by package, findings by severity, suggestions; colour optional."""

from __future__ import annotations

from .core.model import Finding, PackageReport, Report, Severity, Verdict

_COLOURS = {
    Severity.INFO: "2", Severity.LOW: "36", Severity.MEDIUM: "33", Severity.HIGH: "31", Severity.CRITICAL: "1;31",
    Verdict.ALLOW: "32", Verdict.WARN: "33", Verdict.BLOCK: "1;31",
}
MAX_EVIDENCE = 3


def render_text(report: Report, colour: bool = False, show_all: bool = False, shown_from: Severity = Severity.MEDIUM,
                all_hint: str = "safepip check --all") -> str:
    """The report a person reads in a terminal or a notebook without widgets. In a package that is allowed,
    findings below `shown_from` (what would not make anyone decide anything) are counted, and listed only with
    `show_all`; a package that warns or blocks shows all of its findings, they explain each other."""

    def paint(text: str, key: Severity | Verdict) -> str:
        return f"\033[{_COLOURS[key]}m{text}\033[0m" if colour else text

    lines = []
    rows = [(p.candidate.name, p.candidate.version or "-", p.verdict, len(p.findings), "yes" if p.candidate.requested else "dep")
            for p in report.packages]
    if rows:
        width = max(len("package"), *(len(r[0]) for r in rows))
        vwidth = max(len("version"), *(len(r[1]) for r in rows))
        lines.append(f"{'package'.ljust(width)}  {'version'.ljust(vwidth)}  verdict  findings  requested")
        for name, version, verdict, count, requested in rows:
            lines.append(f"{name.ljust(width)}  {version.ljust(vwidth)}  {paint(verdict.label.ljust(7), verdict)}  {str(count).rjust(8)}  {requested}")
    for finding in report.request_findings:
        lines.append(_finding_line(finding, paint))
    for package in report.packages:
        shown = [f for f in package.findings if show_all or not _minor(package, f, shown_from)]
        if not shown and not package.errors:
            continue
        lines.append("")
        lines.append(f"{package.candidate.name} {package.candidate.version}: {paint(package.verdict.label, package.verdict)}")
        for finding in shown:
            lines.append(_finding_line(finding, paint))
        for error in package.errors:
            lines.append(f"  could not check ({error.check}): {error.reason}")
    for error in report.errors:
        where = f"{error.package}: " if error.package else ""
        lines.append(f"could not check ({error.check}): {where}{error.reason}")
    if not (report.packages or report.errors or any(f.rule_id == "meta.not-found" for f in report.request_findings)):
        lines.append("nothing to install: the request is already satisfied in this environment")
    if not show_all and (summary := minor_summary(report, shown_from)):
        lines.append("")
        lines.append(f"{summary} not shown ({all_hint} lists them)")
    lines.append("")
    lines.append(f"verdict: {paint(report.verdict.label.upper(), report.verdict)}" + (
        f" ({'; '.join(report.reasons)})" if report.reasons else ""))
    return "\n".join(lines)


def minor_summary(report: Report, shown_from: Severity = Severity.MEDIUM) -> str:
    """'12 low/info findings in allowed packages', or '' when nothing is left out by default."""
    minor = [f for p in report.packages for f in p.findings if _minor(p, f, shown_from)]
    if not minor:
        return ""
    labels = "/".join(s.label for s in sorted({f.severity for f in minor}, reverse=True))
    return f"{len(minor)} {labels} finding{'s' if len(minor) != 1 else ''} in allowed packages"


def _minor(package: PackageReport, finding: Finding, shown_from: Severity) -> bool:
    """Left out by default: below the warn threshold in a package that is allowed (a package that warns or
    blocks shows every finding, they explain each other)."""
    return package.verdict is Verdict.ALLOW and finding.severity < shown_from


def _finding_line(finding: Finding, paint) -> str:
    text = f"  [{paint(finding.severity.label, finding.severity)}] {finding.rule_id}: {finding.message}"
    if finding.suggestion and f"'{finding.suggestion}'" not in finding.message:
        text += f" (did you mean {finding.suggestion}?)"
    shown = finding.evidence_to_show
    for evidence in shown[:MAX_EVIDENCE]:
        text += f"\n      {evidence}"
    if len(shown) > MAX_EVIDENCE:
        text += f"\n      ... and {len(shown) - MAX_EVIDENCE} more"
    return text
