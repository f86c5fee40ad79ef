/**
 * The sidebar: a check box with verdict cards, the history of checks (polled while visible) and the
 * effective policy. Plain DOM in a Lumino widget, styled with JupyterLab's own classes and variables.
 */

import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { requestAPI, query } from './request';
import { h, renderHistory, renderPolicy, renderProgress, renderReport } from './render';
import { ICheckStarted, ICheckState, IHistoryPage, IPolicy, IProgress, IReport, Verdict } from './tokens';

/** How often the history refreshes while the panel is visible. */
export const POLL_MS = 4000;
/** How often a running check is asked how far it is. */
export const CHECK_POLL_MS = 500;
const HISTORY_PAGE = 50;

const FILTERS: [string, Verdict | null][] = [
  ['All', null],
  ['Blocked', 'block'],
  ['Warned', 'warn'],
  ['Allowed', 'allow']
];

/** Start a check and poll it until its report arrives; `onProgress` sees each new step. */
async function followCheck(body: string, onProgress: (progress: IProgress) => void): Promise<IReport> {
  const { id } = await requestAPI<ICheckStarted>('checks', { method: 'POST', body });
  let shown = '';
  for (;;) {
    const answer = await requestAPI<ICheckState>(`checks/${encodeURIComponent(id)}`);
    if (answer.state === 'done') {
      return answer.report;
    }
    if (answer.progress && answer.progress.message !== shown) {
      shown = answer.progress.message;
      onProgress(answer.progress);
    }
    await new Promise(resolve => window.setTimeout(resolve, CHECK_POLL_MS));
  }
}

export class SafePipPanel extends Widget {
  constructor() {
    super();
    this.addClass('jp-SafePip');
    this.node.append(this.buildCheck(), this.buildHistory(), this.buildPolicy());
  }

  /** Put the cursor in the package box (the palette command does this). */
  focusInput(): void {
    this.specInput.focus();
  }

  /** Check what is in the boxes and show the verdict cards. */
  async check(): Promise<void> {
    const spec = this.specInput.value.trim();
    const requirements = this.requirementsInput.value;
    if (!spec && !requirements.trim()) {
      this.showResult(h('p', { class: 'jp-SafePip-error', role: 'alert' }, 'Type a package name or paste a requirements list.'));
      return;
    }
    this.checkButton.disabled = true;
    this.result.setAttribute('aria-busy', 'true');
    const what = spec || 'the requirements';
    this.showResult(renderProgress(what, null));
    try {
      const report = await followCheck(JSON.stringify({ spec, requirements }), progress =>
        this.showResult(renderProgress(what, progress))
      );
      this.showResult(renderReport(report, { onSuggestion: name => this.checkSuggestion(name) }));
      void this.refreshHistory();
    } catch (error) {
      this.showResult(h('p', { class: 'jp-SafePip-error', role: 'alert' }, (error as Error).message));
    } finally {
      this.checkButton.disabled = false;
      this.result.removeAttribute('aria-busy');
    }
  }

  async refreshHistory(): Promise<void> {
    try {
      const page = await requestAPI<IHistoryPage>(
        'history' + query({ verdict: this.verdictFilter, package: this.packageFilter.value.trim(), limit: HISTORY_PAGE })
      );
      const shown = page.total > page.entries.length ? ` (newest ${page.entries.length} of ${page.total})` : ` (${page.total})`;
      this.historyCount.textContent = shown;
      this.historyList.replaceChildren(renderHistory(page.entries, { onSuggestion: name => this.checkSuggestion(name) }));
    } catch (error) {
      this.historyList.replaceChildren(h('p', { class: 'jp-SafePip-error' }, (error as Error).message));
    }
  }

  async refreshPolicy(): Promise<void> {
    try {
      this.policyBody.replaceChildren(renderPolicy(await requestAPI<IPolicy>('policy')));
    } catch (error) {
      this.policyBody.replaceChildren(h('p', { class: 'jp-SafePip-error' }, (error as Error).message));
    }
  }

  protected onAfterShow(msg: Message): void {
    void this.refreshHistory();
    void this.refreshPolicy();
    this.timer = window.setInterval(() => {
      if (!document.hidden) {
        void this.refreshHistory();
      }
    }, POLL_MS);
  }

  protected onAfterHide(msg: Message): void {
    window.clearInterval(this.timer);
  }

  dispose(): void {
    window.clearInterval(this.timer);
    super.dispose();
  }

  private checkSuggestion(name: string): void {
    this.specInput.value = name;
    this.requirementsInput.value = '';
    void this.check();
  }

  private showResult(node: HTMLElement): void {
    this.result.replaceChildren(node);
  }

  private buildCheck(): HTMLElement {
    const form = h(
      'form',
      {
        class: 'jp-SafePip-form',
        onsubmit: (event: Event) => {
          event.preventDefault();
          void this.check();
        }
      },
      h('label', { for: 'jp-SafePip-spec' }, 'Package(s), as after pip install'),
      this.specInput,
      h(
        'details',
        { class: 'jp-SafePip-requirements' },
        h('summary', {}, 'or paste a requirements list'),
        this.requirementsInput
      ),
      this.checkButton
    );
    // Ctrl/Cmd+Enter checks from the requirements box, where Enter makes a new line.
    this.requirementsInput.addEventListener('keydown', (event: KeyboardEvent) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void this.check();
      }
    });
    return h(
      'section',
      { class: 'jp-SafePip-section', 'aria-labelledby': 'jp-SafePip-checkTitle' },
      h('h2', { id: 'jp-SafePip-checkTitle', class: 'jp-SafePip-title' }, 'Check before installing'),
      form,
      this.result
    );
  }

  private buildHistory(): HTMLElement {
    const buttons = FILTERS.map(([label, verdict]) =>
      h(
        'button',
        {
          type: 'button',
          class: 'jp-Button jp-mod-styled jp-SafePip-filter',
          'aria-pressed': String(verdict === this.verdictFilter),
          'data-verdict': verdict ?? 'all',
          onclick: (event: Event) => {
            this.verdictFilter = verdict;
            for (const b of buttons) {
              b.setAttribute('aria-pressed', String(b === event.currentTarget));
            }
            void this.refreshHistory();
          }
        },
        label
      )
    );
    this.packageFilter.addEventListener('input', () => void this.refreshHistory());
    return h(
      'section',
      { class: 'jp-SafePip-section', 'aria-labelledby': 'jp-SafePip-historyTitle' },
      h('h2', { id: 'jp-SafePip-historyTitle', class: 'jp-SafePip-title' }, 'History', this.historyCount),
      h('div', { class: 'jp-SafePip-filters', role: 'group', 'aria-label': 'Show' }, ...buttons),
      this.packageFilter,
      this.historyList
    );
  }

  private buildPolicy(): HTMLElement {
    return h(
      'details',
      { class: 'jp-SafePip-section jp-SafePip-policySection', open: true },
      h('summary', { class: 'jp-SafePip-title' }, 'Effective policy'),
      this.policyBody
    );
  }

  private readonly specInput = h('input', {
    id: 'jp-SafePip-spec',
    class: 'jp-mod-styled jp-SafePip-spec',
    type: 'text',
    placeholder: 'pandas>=2 requests',
    autocomplete: 'off',
    spellcheck: 'false'
  }) as HTMLInputElement;
  private readonly requirementsInput = h('textarea', {
    class: 'jp-mod-styled jp-SafePip-requirementsText',
    rows: '5',
    'aria-label': 'Requirements list (Ctrl+Enter to check)',
    placeholder: 'numpy==1.26.4\nscikit-learn>=1.4',
    spellcheck: 'false'
  }) as HTMLTextAreaElement;
  private readonly checkButton = h(
    'button',
    { type: 'submit', class: 'jp-Button jp-mod-styled jp-mod-accept jp-SafePip-check' },
    'Check'
  ) as HTMLButtonElement;
  private readonly result = h('div', { class: 'jp-SafePip-result', 'aria-live': 'polite' });
  private readonly historyCount = h('span', { class: 'jp-SafePip-count' });
  private readonly packageFilter = h('input', {
    class: 'jp-mod-styled jp-SafePip-packageFilter',
    type: 'search',
    placeholder: 'Filter by package',
    'aria-label': 'Filter history by package'
  }) as HTMLInputElement;
  private readonly historyList = h('div', { class: 'jp-SafePip-historyList', 'aria-live': 'off' });
  private readonly policyBody = h('div', {});
  private verdictFilter: Verdict | null = null;
  private timer = 0;
}
