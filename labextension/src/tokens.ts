/**
 * The JSON the server sends: mirrors jupyter_safepip/core/model.py and core/report_json.py
 * (schema_version 1), plus a started check, the history entries and the policy of server/payloads.py.
 */

export type Verdict = 'allow' | 'warn' | 'block';

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** Worst first, the order findings are shown in. */
export const SEVERITIES: readonly Severity[] = [
  'critical',
  'high',
  'medium',
  'low',
  'info'
];

export const REPORT_SCHEMA_VERSION = 1;

export interface IEvidence {
  location: string;
  line: number | null;
  snippet: string;
}

export interface IFinding {
  rule_id: string;
  severity: Severity;
  message: string;
  package: string;
  evidence: IEvidence[];
  suggestion: string | null;
}

export interface ICheckError {
  check: string;
  reason: string;
  package: string | null;
}

export interface IPackageReport {
  name: string;
  version: string;
  url: string;
  filename: string;
  sha256: string | null;
  requested: boolean;
  is_wheel: boolean;
  yanked: boolean;
  verdict: Verdict;
  reasons: string[];
  findings: IFinding[];
  errors: ICheckError[];
}

export interface IReport {
  schema_version: number;
  command: string;
  verdict: Verdict;
  install_anyway_allowed: boolean;
  could_not_check: boolean;
  reasons: string[];
  errors: ICheckError[];
  request_findings: IFinding[];
  packages: IPackageReport[];
}

/** A step of a running check: core/progress.py's ProgressEvent. */
export interface IProgress {
  stage: 'resolve' | 'inspect' | 'decide';
  done: number;
  total: number;
  message: string;
}

/** The answer to POST checks. */
export interface ICheckStarted {
  id: string;
}

/** The answer to GET checks/<id>: the latest step (null before the first) until the report. */
export type ICheckState =
  | { state: 'running'; progress: IProgress | null }
  | { state: 'done'; report: IReport };

export type Decision =
  | 'checked'
  | 'installed'
  | 'install-anyway'
  | 'cancelled'
  | 'blocked'
  | 'refused'
  | 'timed-out'
  | 'failed';

export interface IHistoryEntry {
  id: number;
  time: string;
  command: string;
  package: string;
  version: string | null;
  packages: string[];
  verdict: Verdict;
  findings: IFinding[];
  decision: Decision;
  source: 'magic' | 'cli' | 'sidebar';
  notebook: string | null;
  kernel_id: string | null;
}

export interface IHistoryPage {
  total: number;
  limit: number;
  offset: number;
  entries: IHistoryEntry[];
}

export interface ISetting {
  name: string;
  value: unknown;
  source: string;
  locked: boolean;
  help: string;
}

export interface IPolicy {
  settings: ISetting[];
  refused: string[];
  history_path: string;
}

/** The body of an error response: a stable code and one line for humans. */
export interface IApiError {
  code: string;
  message: string;
}
