/**
 * Pure functions from the server's JSON to DOM: the verdict cards, the history list and the policy
 * table. No JupyterLab imports, so they are unit-tested in jsdom.
 */

import {
  ICheckError,
  IEvidence,
  IFinding,
  IHistoryEntry,
  IPackageReport,
  IPolicy,
  IProgress,
  IReport,
  SEVERITIES,
  Severity,
  Verdict
} from './tokens';

type Child = Node | string | null | undefined | false;

/** Create an element with attributes and children; `on*` attributes take listeners. */
export function h(
  tag: string,
  attrs: Record<string, string | boolean | EventListener | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) {
      continue;
    }
    if (typeof value === 'function') {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else {
      element.setAttribute(key, value === true ? '' : value);
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child);
    }
  }
  return element;
}

export const VERDICT_LABELS: Record<Verdict, string> = {
  allow: 'Allowed',
  warn: 'Warning',
  block: 'Blocked'
};

/** A verdict as a badge whose text says it all (colour is only a second cue). */
export function verdictBadge(verdict: Verdict): HTMLElement {
  return h(
    'span',
    { class: `jp-SafePip-badge jp-SafePip-verdict-${verdict}` },
    VERDICT_LABELS[verdict]
  );
}

export function severityBadge(severity: Severity): HTMLElement {
  return h(
    'span',
    { class: `jp-SafePip-badge jp-SafePip-severity-${severity}` },
    severity
  );
}

/** Findings grouped by severity, worst first; empty groups left out. */
export function groupBySeverity(
  findings: readonly IFinding[]
): [Severity, IFinding[]][] {
  return SEVERITIES.map(
    s => [s, findings.filter(f => f.severity === s)] as [Severity, IFinding[]]
  ).filter(([, group]) => group.length > 0);
}

/** `setup.py:12` or just the location when there is no line. */
export function evidenceLocation(evidence: IEvidence): string {
  return evidence.line ? `${evidence.location}:${evidence.line}` : evidence.location;
}

export interface IRenderOptions {
  /** Called when the user picks a "did you mean" suggestion. */
  onSuggestion?: (name: string) => void;
}

function renderEvidence(evidence: IEvidence): HTMLElement {
  return h(
    'li',
    { class: 'jp-SafePip-evidence' },
    h('span', { class: 'jp-SafePip-location' }, evidenceLocation(evidence)),
    evidence.snippet ? h('code', { class: 'jp-SafePip-snippet' }, evidence.snippet) : null
  );
}

function renderSuggestion(name: string, options: IRenderOptions): HTMLElement {
  const button = h(
    'button',
    {
      type: 'button',
      class: 'jp-Button jp-mod-styled jp-mod-accept jp-SafePip-suggestion',
      title: `Check ${name} instead`,
      onclick: () => options.onSuggestion?.(name)
    },
    name
  );
  return h('p', { class: 'jp-SafePip-didyoumean' }, 'Did you mean ', button, '?');
}

export function renderFinding(finding: IFinding, options: IRenderOptions = {}): HTMLElement {
  return h(
    'li',
    { class: `jp-SafePip-finding jp-SafePip-finding-${finding.severity}` },
    h(
      'div',
      { class: 'jp-SafePip-findingHead' },
      severityBadge(finding.severity),
      h('span', { class: 'jp-SafePip-rule' }, finding.rule_id)
    ),
    h('p', { class: 'jp-SafePip-message' }, finding.message),
    finding.evidence.length
      ? h('ul', { class: 'jp-SafePip-evidenceList', 'aria-label': 'Evidence' }, ...finding.evidence.map(renderEvidence))
      : null,
    finding.suggestion ? renderSuggestion(finding.suggestion, options) : null
  );
}

/** Findings under one heading per severity. */
export function renderFindings(findings: readonly IFinding[], options: IRenderOptions = {}): HTMLElement {
  if (!findings.length) {
    return h('p', { class: 'jp-SafePip-none' }, 'No findings.');
  }
  return h(
    'div',
    { class: 'jp-SafePip-findings' },
    ...groupBySeverity(findings).map(([severity, group]) =>
      h(
        'section',
        { class: 'jp-SafePip-severityGroup', 'aria-label': `${severity} findings` },
        h('h4', {}, `${severity} (${group.length})`),
        h('ul', {}, ...group.map(f => renderFinding(f, options)))
      )
    )
  );
}

function renderErrors(errors: readonly ICheckError[]): HTMLElement | null {
  if (!errors.length) {
    return null;
  }
  return h(
    'ul',
    { class: 'jp-SafePip-errors', 'aria-label': 'Checks that could not run' },
    ...errors.map(e => h('li', {}, h('strong', {}, `Could not check (${e.check}): `), e.reason))
  );
}

interface ICard {
  name: string;
  version: string | null;
  verdict: Verdict | null;
  dependency: boolean;
  findings: IFinding[];
  errors: ICheckError[];
  reasons: string[];
}

/** One card per package: those pip would install, and names found only on the request. */
export function packageCards(report: IReport): ICard[] {
  const cards: ICard[] = report.packages.map((p: IPackageReport) => ({
    name: p.name,
    version: p.version,
    verdict: p.verdict,
    dependency: !p.requested,
    findings: p.findings,
    errors: p.errors,
    reasons: p.reasons
  }));
  cards.sort((a, b) => Number(a.dependency) - Number(b.dependency));
  const known = new Set(cards.map(c => c.name));
  for (const finding of report.request_findings) {
    if (known.has(finding.package)) {
      continue;
    }
    let card = cards.find(c => c.name === finding.package && c.version === null);
    if (!card) {
      card = { name: finding.package, version: null, verdict: null, dependency: false, findings: [], errors: [], reasons: [] };
      cards.unshift(card);
    }
    card.findings.push(finding);
  }
  return cards;
}

function renderCard(card: ICard, options: IRenderOptions): HTMLElement {
  const title = card.version ? `${card.name} ${card.version}` : card.name;
  return h(
    'article',
    { class: `jp-SafePip-card${card.verdict ? ` jp-SafePip-card-${card.verdict}` : ''}`, 'aria-label': title },
    h(
      'header',
      { class: 'jp-SafePip-cardHead' },
      h('h3', { class: 'jp-SafePip-package' }, title),
      card.dependency ? h('span', { class: 'jp-SafePip-tag' }, 'dependency') : null,
      card.verdict ? verdictBadge(card.verdict) : null
    ),
    card.reasons.length ? h('p', { class: 'jp-SafePip-reasons' }, card.reasons.join('; ')) : null,
    renderErrors(card.errors),
    renderFindings(card.findings, options)
  );
}

/** The whole answer to a check: overall verdict, then one card per package. */
export function renderReport(report: IReport, options: IRenderOptions = {}): HTMLElement {
  const cards = packageCards(report);
  return h(
    'section',
    { class: 'jp-SafePip-report', 'aria-label': `Report: ${VERDICT_LABELS[report.verdict]}` },
    h(
      'header',
      { class: `jp-SafePip-summary jp-SafePip-summary-${report.verdict}` },
      verdictBadge(report.verdict),
      h('code', { class: 'jp-SafePip-command' }, report.command)
    ),
    report.reasons.length ? h('p', { class: 'jp-SafePip-reasons' }, report.reasons.join('; ')) : null,
    report.could_not_check
      ? h('p', { class: 'jp-SafePip-notice', role: 'note' }, 'Some checks could not run; this is not a clean bill of health.')
      : null,
    renderErrors(report.errors),
    cards.length ? null : h('p', { class: 'jp-SafePip-none' }, 'Nothing to install: everything asked for is already there.'),
    ...cards.map(c => renderCard(c, options))
  );
}

/** A check that runs: what is checked, its latest step and, while packages are inspected, how many are done. */
export function renderProgress(what: string, progress: IProgress | null): HTMLElement {
  const counted = progress !== null && progress.stage === 'inspect' && progress.total > 0;
  return h(
    'div',
    { class: 'jp-SafePip-running' },
    h('p', { class: 'jp-SafePip-progress' }, `Checking ${what}… (nothing is installed)`),
    progress ? h('p', { class: 'jp-SafePip-progressLine' }, progress.message) : null,
    counted
      ? h('progress', {
          class: 'jp-SafePip-progressBar',
          max: String(progress.total),
          value: String(progress.done),
          'aria-label': `${progress.done} of ${progress.total} packages checked`
        })
      : null
  );
}

export const DECISION_LABELS: Record<string, string> = {
  checked: 'checked only',
  installed: 'installed',
  'install-anyway': 'installed anyway',
  cancelled: 'cancelled',
  blocked: 'blocked',
  refused: 'refused (nobody to ask)',
  'timed-out': 'timed out',
  failed: 'failed'
};

/** "3 high, 1 low" */
export function findingCounts(findings: readonly IFinding[]): string {
  return groupBySeverity(findings)
    .map(([s, group]) => `${group.length} ${s}`)
    .join(', ');
}

export function renderHistoryEntry(entry: IHistoryEntry, options: IRenderOptions = {}): HTMLElement {
  const title = entry.version ? `${entry.package} ${entry.version}` : entry.package;
  const time = new Date(entry.time);
  const where = [entry.source, entry.notebook].filter(Boolean).join(' · ');
  const counts = findingCounts(entry.findings);
  return h(
    'li',
    { class: `jp-SafePip-historyEntry jp-SafePip-card-${entry.verdict}`, 'data-id': String(entry.id) },
    h(
      'details',
      {},
      h(
        'summary',
        {},
        verdictBadge(entry.verdict),
        h('span', { class: 'jp-SafePip-package' }, title),
        h('span', { class: 'jp-SafePip-decision' }, DECISION_LABELS[entry.decision] ?? entry.decision)
      ),
      h('p', { class: 'jp-SafePip-command' }, h('code', {}, entry.command)),
      h('p', { class: 'jp-SafePip-meta' }, h('time', { datetime: entry.time }, time.toLocaleString()), where ? ` · ${where}` : ''),
      renderFindings(entry.findings, options)
    ),
    counts ? h('p', { class: 'jp-SafePip-counts' }, counts) : null
  );
}

export function renderHistory(entries: readonly IHistoryEntry[], options: IRenderOptions = {}): HTMLElement {
  if (!entries.length) {
    return h('p', { class: 'jp-SafePip-none' }, 'No checks recorded yet.');
  }
  return h('ul', { class: 'jp-SafePip-history' }, ...entries.map(e => renderHistoryEntry(e, options)));
}

/** A setting's value as text: lists joined, empty shown as such. */
export function formatValue(value: unknown): string {
  if (Array.isArray(value)) {
    return value.length ? value.join(', ') : '(none)';
  }
  if (value === '' || value === null || value === undefined) {
    return '(default)';
  }
  return String(value);
}

export function renderPolicy(policy: IPolicy): HTMLElement {
  const rows = policy.settings.map(s =>
    h(
      'tr',
      { class: s.locked ? 'jp-SafePip-locked' : undefined, title: s.help },
      h('th', { scope: 'row' }, s.name),
      h('td', {}, formatValue(s.value)),
      h('td', {}, s.source),
      h('td', {}, s.locked ? h('span', { class: 'jp-SafePip-lock', 'aria-label': 'locked by the administrator' }, '🔒 locked') : '')
    )
  );
  return h(
    'div',
    { class: 'jp-SafePip-policy' },
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Setting'), h('th', { scope: 'col' }, 'Value'), h('th', { scope: 'col' }, 'Set by'), h('th', { scope: 'col' }, h('span', { class: 'jp-SafePip-visuallyHidden' }, 'Locked')))),
      h('tbody', {}, ...rows)
    ),
    policy.refused.length
      ? h('ul', { class: 'jp-SafePip-refused', 'aria-label': 'Refused changes' }, ...policy.refused.map(r => h('li', {}, r)))
      : null,
    h('p', { class: 'jp-SafePip-meta' }, 'History file: ', h('code', {}, policy.history_path))
  );
}
