"""The text report shows what matters: every finding of a package that warns or blocks, the minor findings of
allowed packages counted in one line (listed with --all)."""

from __future__ import annotations

from jupyter_safepip.core.model import Candidate, Evidence, Finding, PackageReport, Report, Severity, Verdict
from jupyter_safepip.text_report import minor_summary, render_text


def package(name: str, verdict: Verdict, *findings: Finding) -> PackageReport:
    return PackageReport(Candidate(name, "1.0", f"http://127.0.0.1/{name}.whl", f"{name}.whl", "cd" * 32, True, True),
                         findings, (), verdict)


def minor(name: str, count: int, severity: Severity = Severity.LOW) -> tuple[Finding, ...]:
    return tuple(Finding("shell-exec-tool", severity, f"{name} runs git ({i})", name, (Evidence(f"{name}/m{i}.py", 3, "git"),))
                 for i in range(count))


ALLOWED = Report("pip install tidy", (
    package("tidy", Verdict.ALLOW, *minor("tidy", 12), Finding("network-fetch", Severity.INFO, "makes web requests", "tidy")),
    package("tidycore", Verdict.ALLOW, *minor("tidycore", 3, Severity.INFO)),
    package("tidyutils", Verdict.ALLOW),
), (), Verdict.ALLOW, True)


def test_an_allowed_report_counts_its_minor_findings_in_one_line():
    short = render_text(ALLOWED)
    assert "runs git" not in short and "makes web requests" not in short
    assert "16 low/info findings in allowed packages not shown (safepip check --all lists them)" in short
    # The table (a line per package), the count, the verdict: nothing else.
    assert len(short.splitlines()) == 1 + 3 + 2 + 2 and short.endswith("verdict: ALLOW")
    assert minor_summary(ALLOWED) == "16 low/info findings in allowed packages"


def test_all_lists_every_finding_and_no_count():
    full = render_text(ALLOWED, show_all=True)
    assert full.count("runs git") == 15 and "makes web requests" in full and "not shown" not in full


def test_the_count_follows_the_warn_threshold_and_names_the_command_that_lists_them():
    stricter = render_text(ALLOWED, shown_from=Severity.LOW, all_hint="%safepip check --all")
    assert stricter.count("tidy runs git") == 12 and "tidycore runs git" not in stricter
    assert "4 info findings in allowed packages not shown (%safepip check --all lists them)" in stricter


def test_a_package_that_warns_shows_every_finding_and_only_allowed_ones_are_counted():
    report = Report("pip install tidy shady", (
        package("shady", Verdict.WARN, Finding("meta.new-project", Severity.MEDIUM, "first upload 2 days ago", "shady"),
                *minor("shady", 2)),
        package("tidy", Verdict.ALLOW, *minor("tidy", 1)),
    ), (), Verdict.WARN, True)
    text = render_text(report)
    assert "first upload 2 days ago" in text and text.count("shady runs git") == 2  # they explain each other
    assert "tidy runs git" not in text and "1 low finding in allowed packages not shown" in text


def test_nothing_left_out_says_nothing():
    report = Report("pip install tidyutils", (package("tidyutils", Verdict.ALLOW),), (), Verdict.ALLOW, True)
    assert "not shown" not in render_text(report) and minor_summary(report) == ""
