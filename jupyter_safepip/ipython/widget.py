"""The warning widget: findings by package and severity, and the buttons a person decides with."""

from __future__ import annotations

import html
from dataclasses import dataclass

import ipywidgets as widgets

from ..core.model import Finding, Report, Severity, Verdict
from ..text_report import minor_summary

MAX_EVIDENCE = 3
# Colours come from JupyterLab's theme variables, so the widget follows light and dark themes.
STYLE = """<style>
.safepip-report { font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1);
  color: var(--jp-ui-font-color1); border-left: 4px solid var(--safepip-accent); padding: 4px 10px;
  background: var(--jp-layout-color1); max-width: 100%; overflow-wrap: anywhere; }
.safepip-report.allow { --safepip-accent: var(--jp-success-color1, #388e3c); }
.safepip-report.warn { --safepip-accent: var(--jp-warn-color1, #f57c00); }
.safepip-report.block { --safepip-accent: var(--jp-error-color1, #d32f2f); }
.safepip-report h4 { margin: 4px 0; font-size: var(--jp-ui-font-size2); }
.safepip-package { margin: 6px 0; }
.safepip-sev { display: inline-block; min-width: 5.5em; padding: 0 4px; border-radius: 3px; font-weight: 600;
  color: var(--jp-ui-inverse-font-color1); text-align: center; }
.safepip-sev.critical, .safepip-sev.high { background: var(--jp-error-color1, #d32f2f); }
.safepip-sev.medium { background: var(--jp-warn-color1, #f57c00); }
.safepip-sev.low, .safepip-sev.info { background: var(--jp-layout-color3, #999); color: var(--jp-ui-font-color1); }
.safepip-evidence { font-family: var(--jp-code-font-family); font-size: var(--jp-code-font-size);
  color: var(--jp-ui-font-color2); margin-left: 6em; white-space: pre-wrap; }
.safepip-finding { margin: 2px 0; }
.safepip-more { color: var(--jp-ui-font-color2); margin-top: 4px; }
</style>"""


@dataclass(frozen=True)
class Choice:
    """What the person decided."""

    action: str  # "install-anyway", "cancel", "suggestion"
    suggestion: str | None = None


def report_html(report: Report, show_all: bool = False, shown_from: Severity = Severity.MEDIUM,
                all_hint: str = "%safepip check --all") -> str:
    """The findings as HTML: each package that is not simply allowed with its verdict, findings grouped by
    severity, with evidence; `show_all` lists every package and finding (%safepip check --all)."""
    parts = [STYLE, f'<div class="safepip-report {report.verdict.label}">',
             f"<h4>safepip: {html.escape(_headline(report))}</h4>"]
    for finding in report.request_findings:
        parts.append(_finding_html(finding))
    for package in report.packages:
        if package.verdict is Verdict.ALLOW and not package.errors and not (show_all and package.findings):
            continue
        parts.append(f'<div class="safepip-package"><b>{html.escape(package.candidate.name)} '
                     f'{html.escape(package.candidate.version)}</b> &mdash; {package.verdict.label}')
        for finding in sorted(package.findings, key=lambda f: -f.severity):
            if show_all or finding.severity >= Severity.LOW:
                parts.append(_finding_html(finding))
        for error in package.errors:
            parts.append(f'<div class="safepip-finding">could not check ({html.escape(error.check)}): '
                         f"{html.escape(error.reason)}</div>")
        parts.append("</div>")
    for error in report.errors:
        parts.append(f'<div class="safepip-finding">could not check ({html.escape(error.check)}): {html.escape(error.reason)}</div>')
    if not show_all and (summary := minor_summary(report, shown_from)):
        parts.append(f'<div class="safepip-more">{html.escape(summary)} not shown ({html.escape(all_hint)} lists them)</div>')
    parts.append("</div>")
    return "".join(parts)


def _headline(report: Report) -> str:
    allowed = sum(p.verdict is Verdict.ALLOW for p in report.packages)
    fine = f"; {allowed} of {len(report.packages)} packages are fine" if report.packages else ""
    if report.verdict is Verdict.BLOCK:
        return f"blocked{fine}. Nothing has been installed."
    if report.verdict is Verdict.ALLOW:
        return f"allowed{fine}."
    return f"please review before installing{fine}. Nothing has been installed."


def _finding_html(finding: Finding) -> str:
    evidence = "".join(
        f'<div class="safepip-evidence">{html.escape(str(e))}</div>' for e in finding.evidence_to_show[:MAX_EVIDENCE]
    )
    return (f'<div class="safepip-finding"><span class="safepip-sev {finding.severity.label}">{finding.severity.label}</span> '
            f"{html.escape(finding.message)} <code>{html.escape(finding.rule_id)}</code></div>{evidence}")


class DecisionWidget:
    """The report plus Install anyway / Cancel / "did you mean" buttons; `choice` is set by a click."""

    def __init__(self, report: Report) -> None:
        self.choice: Choice | None = None
        self.buttons: dict[str, widgets.Button] = {}
        cancel = self._button("cancel", "Cancel", "", Choice("cancel"))
        row = [cancel]
        if report.install_anyway_allowed:
            row.append(self._button("install-anyway", "Install anyway", "danger", Choice("install-anyway")))
        for name in suggestions(report):
            row.append(self._button(f"suggestion:{name}", f"Did you mean {name}?", "info", Choice("suggestion", name)))
        self.status = widgets.HTML()
        self.view = widgets.VBox(
            [widgets.HTML(report_html(report)), widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap")), self.status],
            layout=widgets.Layout(max_width="100%"),
        )

    def _button(self, key: str, label: str, style: str, choice: Choice) -> widgets.Button:
        button = widgets.Button(description=label, button_style=style, tooltip=label,
                                layout=widgets.Layout(width="auto", margin="2px 6px 2px 0"))

        def clicked(_button: widgets.Button) -> None:
            if self.choice is None:
                self.choice = choice

        button.on_click(clicked)
        self.buttons[key] = button
        return button

    def close_buttons(self, message: str) -> None:
        """Disable the buttons once decided, and say what happened."""
        for button in self.buttons.values():
            button.disabled = True
        self.status.value = html.escape(message)


def suggestions(report: Report) -> list[str]:
    """Distinct "did you mean" names among the requested packages' findings (not from a mere hint)."""
    found = [f.suggestion for f in report.request_findings if f.suggestion and f.severity > Severity.INFO]
    found += [f.suggestion for p in report.packages if p.candidate.requested for f in p.findings
              if f.suggestion and f.severity > Severity.INFO]
    return list(dict.fromkeys(found))


class ProgressView:
    """A progress bar with what is happening (package n of m)."""

    def __init__(self) -> None:
        self.bar = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="40%"))
        self.label = widgets.Label("safepip: starting")
        self.view = widgets.HBox([self.bar, self.label])

    def update(self, event) -> None:
        self.bar.max = max(event.total, 1)
        self.bar.value = event.done
        self.label.value = f"safepip: {event.message}"
