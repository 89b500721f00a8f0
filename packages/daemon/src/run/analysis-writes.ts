/**
 * What an analysis pass writes, written together (docs/streaming.md, "Analysis beside ingest"): the windows a pass
 * analysed are marked analysed in one statement, their metric rows upserted in one call, and their alert rules
 * evaluated, in one transaction, instead of one transaction (with its commit, three metric statements and an
 * update) per window. At 100 models a pass closes about one window per model, so per window this was most of the
 * Postgres work of an analysis.
 *
 * Each window's outcome is the same as written alone: a window another analysis already covered (two daemons
 * raced for it) has its rows and its alert evaluation left out, exactly as its own transaction would have skipped
 * them; the windows' alert evaluations run in the order they were analysed, each after every window's rows. A
 * failure writes nothing of the group: its windows stay due (`vigil_windows`) and a later pass analyses them again.
 */
import type { AnalysedWindow } from '@vigil/alerts';
import { compositeKey } from '@vigil/core';
import type { DueWindow, MetricRow, Store, Tx } from '@vigil/store';

/** What an evaluation may report: its model version's rules by state (`EvaluationSummary.ruleStates`). */
export interface RuleStatesSummary {
  ruleStates?: Readonly<Record<string, number>>;
}

/** One window's results, as its own transaction would have written them. */
export interface WindowWrite {
  window: DueWindow;
  counts: { rows: number; labelledRows: number };
  /** The metric rows to store (none: the window is only marked as covered). */
  rows: readonly MetricRow[];
  /** What the alert rules judge, in the transaction (absent: no evaluation, as for a window only marked). */
  alert?: AnalysedWindow;
  /** After the commit, when the window's results were written. */
  written?: () => void;
}

export interface AnalysisWritesOptions {
  store: Pick<Store, 'transaction'>;
  evaluateIn?: (tx: Tx, analysis: AnalysedWindow) => Promise<RuleStatesSummary | unknown>;
  /** After the commit, for each window whose evaluation reported its model version's rules by state. */
  onRuleStates?: (analysis: AnalysedWindow, states: Readonly<Record<string, number>>) => void;
  /** Metric rows held before the group is written (bounds the memory a pass holds: about 17 windows of 30 features). @defaultValue 8,000 */
  maxRows?: number;
}

export class AnalysisWrites {
  private entries: WindowWrite[] = [];
  private readonly keys = new Set<string>();
  private rows = 0;

  constructor(private readonly options: AnalysisWritesOptions) {}

  /** Windows waiting to be written. */
  get size(): number {
    return this.entries.length;
  }

  /** Adds a window's results; writes the group first if it holds this window already, after if it is full. */
  async add(write: WindowWrite): Promise<void> {
    const { model, version, start, end } = write.window;
    const key = compositeKey(model, version, start, end);
    if (this.keys.has(key)) await this.flush();
    this.entries.push(write);
    this.keys.add(key);
    this.rows += write.rows.length;
    if (this.rows >= (this.options.maxRows ?? 8_000)) await this.flush();
  }

  /** Writes the group in one transaction; returns how many windows had their results written. */
  async flush(): Promise<number> {
    if (this.entries.length === 0) return 0;
    const entries = this.entries;
    this.entries = [];
    this.keys.clear();
    this.rows = 0;
    const states: Array<Readonly<Record<string, number>> | undefined> = [];
    const marked = await this.options.store.transaction(async (tx) => {
      states.length = 0;
      const marked = await tx.windows.markAnalysedMany(entries);
      const rows: MetricRow[] = [];
      for (let i = 0; i < entries.length; i++) if (marked[i]) for (const r of entries[i]!.rows) rows.push(r);
      await tx.metrics.upsertRows(rows);
      const evaluateIn = this.options.evaluateIn;
      if (evaluateIn)
        for (let i = 0; i < entries.length; i++) {
          const alert = entries[i]!.alert;
          if (marked[i] && alert)
            states[i] = ((await evaluateIn(tx, alert)) as RuleStatesSummary | undefined)?.ruleStates;
        }
      return marked;
    });
    let written = 0;
    for (let i = 0; i < entries.length; i++)
      if (marked[i]) {
        written++;
        entries[i]!.written?.();
        const alert = entries[i]!.alert;
        if (alert && states[i]) this.options.onRuleStates?.(alert, states[i]!);
      }
    return written;
  }
}
