"""%safepip check shows what matters: minor findings of allowed packages counted, listed with --all; the
widget keeps what a decision needs (the packages that warn or block) and says what it left out."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

from jupyter_safepip.core.model import Candidate, Finding, PackageReport, Report, Severity, Verdict
from jupyter_safepip.ipython.magics import SafePipMagics
from jupyter_safepip.ipython.widget import report_html


def package(name: str, verdict: Verdict, *findings: Finding) -> PackageReport:
    return PackageReport(Candidate(name, "1.0", f"http://127.0.0.1/{name}.whl", f"{name}.whl", "cd" * 32, True, True),
                         findings, (), verdict)


WARNED = Report("pip install shady tidy", (
    package("shady", Verdict.WARN, Finding("meta.new-project", Severity.MEDIUM, "first upload 2 days ago", "shady"),
            Finding("meta.single-release", Severity.LOW, "only release: 1.0", "shady")),
    package("tidy", Verdict.ALLOW, Finding("shell-exec-tool", Severity.LOW, "tidy runs git", "tidy"),
            Finding("network-fetch", Severity.INFO, "tidy makes web requests", "tidy")),
), (), Verdict.WARN, True)


def test_the_widget_shows_the_packages_to_decide_on_and_counts_the_rest():
    shown = report_html(WARNED)
    assert "first upload 2 days ago" in shown and "only release: 1.0" in shown
    assert "tidy runs git" not in shown
    assert "2 low/info findings in allowed packages not shown (%safepip check --all lists them)" in shown
    everything = report_html(WARNED, show_all=True)
    assert "tidy runs git" in everything and "tidy makes web requests" in everything and "not shown" not in everything


def test_an_allowed_report_listed_in_full_says_it_is_allowed():
    allowed = Report("pip install tidy", WARNED.packages[1:], (), Verdict.ALLOW, True)
    html = report_html(allowed, show_all=True)
    assert "safepip: allowed; 1 of 1 packages are fine." in html and "tidy runs git" in html
    assert "Nothing has been installed" not in html


@pytest.mark.integration
def test_check_all_in_a_shell_without_widgets(pip_uses_index, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SAFEPIP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SAFEPIP_HISTORY_PATH", str(tmp_path / "history.sqlite"))
    shell = InteractiveShell.instance()
    magics = SafePipMagics(shell, shell.find_line_magic("pip"))
    magics.safepip("check tidyframe")
    short = capsys.readouterr().out
    assert "1 info finding in allowed packages not shown (%safepip check --all lists them)" in short
    assert "name.resembles" not in short
    magics.safepip("check --all tidyframe")
    full = capsys.readouterr().out
    assert "[info] name.resembles" in full and "not shown" not in full and "verdict: ALLOW" in full
