/**
 * The `explanations` section of `vigil report` (docs/report.md, "Explanations"): which features drive the score in
 * the reference file and in the current one, how far the ranking moved (NDCG), and how much of it the protected
 * attributes and their proxies carry. From logged attributions when both files carry them, else from the linear
 * surrogate fitted to each file, with its R² and the permutation importance of the surrogate on the raw rows.
 */
import { availableParallelism } from 'node:os';
import { seededRandom, selectRows, VigilError, type Column, type SpilledColumn, type Table } from '@vigil/core';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { asNumeric, type ReferenceProfile } from '../profile/reference-profile';
import { attributionNdcg, rankFeatures } from '../stats/ndcg';
import { attributionShare } from '../stats/protected-share';
import {
  accumulateSurrogate,
  emptySurrogate,
  solveSurrogate,
  surrogateColumns,
  surrogateDesign,
  surrogatePermutationImportanceColumns,
  surrogateSamples,
  type SurrogateDesign,
  type SurrogateFit,
} from '../stats/surrogate';
import type { AttributionShareChange, ExplanationFeature, Explanations, SectionStatus } from './report-types';
import { EXPLANATIONS_WORKER_FILE, takeReportWorker } from './report-workers';
import { forEachSpilledPiece, readSpilledRows, readSpilledSample } from './spilled-column';

/** Columns that carry a row's attributions: `attributions.<feature>` (what NDJSON's `attributions` object reads as). */
export const ATTRIBUTION_PREFIX = 'attributions.';
/** Rows the permutation importance of the surrogate is computed on at most, per file (a seeded sample beyond). */
export const PERMUTATION_ROWS = 20_000;
/** Shuffles per feature, averaged. */
export const PERMUTATION_REPEATS = 5;
/** The seed of the permutation importance's sample and shuffles: the same files give the same report. */
export const PERMUTATION_SEED = 15;
/** The protected share is flagged as grown when the current share is at least this multiple of the reference's. */
export const SHARE_GROWTH_WARNING = 1.5;
/**
 * ...and the current share is at least this: a share of 1e-7 growing to 7e-7 is numerical noise in the fit (a
 * feature the model ignores), not reliance on it, and was flagged red before this floor.
 */
export const SHARE_GROWTH_FLOOR = 0.01;

export interface ExplainOptions {
  /** Protected attributes (features), for the protected share. */
  readonly protected: readonly string[];
  readonly proxies: readonly string[];
  /** Top places NDCG counts. @defaultValue every feature */
  readonly k?: number;
  /** Products of XᵀX one file's surrogate may take before its rows are sampled. @defaultValue {@link SURROGATE_FIT_PRODUCTS} */
  readonly surrogateFitProducts?: number;
  /**
   * Numeric columns of each file that have no missing value (the report's column statistics counted them): the
   * surrogate's samples do not look for missing values in them. @defaultValue none: every column is looked through
   */
  readonly noMissing?: { readonly reference: ReadonlySet<string>; readonly current: ReadonlySet<string> };
}

/** Numeric columns of each file held in a spill file instead of its table (a report beyond its memory budget). */
export interface SpilledColumns {
  readonly reference?: Readonly<Record<string, SpilledColumn>>;
  readonly current?: Readonly<Record<string, SpilledColumn>>;
}

/** Rows a spilled file's surrogate reads at a time: every feature's values of this many rows. */
const SPILLED_BLOCK_ROWS = 4096;

/** The section, or why it is not computed. Everything on the calling thread; see {@link reportExplanationsInParallel}. */
export function reportExplanations(
  reference: Table,
  current: Table,
  spec: AnalysisSpec,
  profile: ReferenceProfile,
  options: ExplainOptions,
  spilled: SpilledColumns = {},
): { explanations?: Explanations; status: SectionStatus } {
  const plan = planExplanations(reference, current, spec, profile, options, spilled);
  if ('done' in plan) return plan.done;
  return finishExplanations(plan, explainFile(plan, 'reference'), explainFile(plan, 'current'));
}

/**
 * {@link reportExplanations} with the reference file's surrogate (its sampled fit and permutation importance) on a
 * worker thread while this thread does the current file's: the two are independent — each file has its own sample
 * and its own seeded generator — and on 1,000 columns each is seconds of one core (XᵀX over the sample, the
 * Cholesky, 5 × 1,000 shuffles), which the calling thread used to do alone while the column workers idled. The
 * worker gets the file's samples (transferred, not copied) and the design, and returns the same numbers to the bit.
 * Only a sampled fit goes to the worker (a whole file's rows would have to be copied there); otherwise, with one
 * core, or from TypeScript sources (jest, no compiled worker file), it is {@link reportExplanations}.
 */
export async function reportExplanationsInParallel(
  reference: Table,
  current: Table,
  spec: AnalysisSpec,
  profile: ReferenceProfile,
  options: ExplainOptions,
  spilled: SpilledColumns = {},
  parallelism = availableParallelism(),
): Promise<{ explanations?: Explanations; status: SectionStatus }> {
  return startReportExplanations(reference, current, spec, profile, options, spilled, parallelism)();
}

/**
 * {@link reportExplanationsInParallel} in two steps: the reference's worker is started now, and the function returned
 * does the current file's surrogate on this thread and waits for the worker. Between the two the calling thread does
 * the report's other sections (`analyzeReport`), so the worker no longer waits for them to start (nor do they wait
 * for its start-up, a V8 isolate loading the modules). The section is the same whenever the steps run.
 */
export function startReportExplanations(
  reference: Table,
  current: Table,
  spec: AnalysisSpec,
  profile: ReferenceProfile,
  options: ExplainOptions,
  spilled: SpilledColumns = {},
  parallelism = availableParallelism(),
): () => Promise<{ explanations?: Explanations; status: SectionStatus }> {
  const plan = planExplanations(reference, current, spec, profile, options, spilled);
  if ('done' in plan) return () => Promise.resolve(plan.done);
  const sampled = reference.rowCount > plan.fitRows;
  if (parallelism <= 1 || !sampled || __filename.endsWith('.ts'))
    return () =>
      Promise.resolve(finishExplanations(plan, explainFile(plan, 'reference'), explainFile(plan, 'current')));
  // A table in shared memory is read by the worker itself, samples and all; else the samples are drawn here.
  const shared = sharedColumns(reference, plan);
  const inWorker = explainInWorker(
    shared
      ? {
          design: plan.design,
          score: plan.score,
          fitRows: plan.fitRows,
          table: shared,
          ...(plan.options.noMissing ? { noMissing: plan.options.noMissing.reference } : {}),
        }
      : {
          design: plan.design,
          score: plan.score,
          rowCount: reference.rowCount,
          fit: plan.draws('reference').fit!,
          permutation: plan.draws('reference').permutation,
        },
  );
  // Awaited below; this only keeps a failure of the worker from being an unhandled rejection if this thread throws.
  inWorker.catch(() => undefined);
  return async () => {
    const cur = explainFile(plan, 'current');
    return finishExplanations(plan, await inWorker, cur);
  };
}

/** What one file's surrogate gives the section: its fit (null without two complete rows) and permutation importance. */
export interface FileExplanation {
  fit: SurrogateFit | null;
  permutation: { importance: Record<string, number>; rows: number };
}

/**
 * The job of the explanations worker: one file's sampled fit and permutation importance (explanations-worker.ts),
 * from its samples, or from the file's table when its columns are in shared memory ({@link ExplainTableJob}).
 */
export type ExplainJob = ExplainFileJob | ExplainTableJob;

/**
 * A file whose feature and score columns are all in shared memory (the readers put numeric columns there): the worker
 * draws the samples itself, reading the same memory, so the calling thread's gathers at the sample rows (seconds at
 * 1,000 columns) run beside its own file's instead of before the worker starts.
 */
export interface ExplainTableJob {
  design: SurrogateDesign;
  score: string;
  fitRows: number;
  /** The feature and score columns only. */
  table: Table;
  /** Its numeric columns without a missing value ({@link ExplainOptions}' `noMissing`). */
  noMissing?: ReadonlySet<string>;
}

/** What the explanations worker runs for either kind of job. */
export function explainJob(job: ExplainJob): FileExplanation {
  if (!('table' in job)) return explainSampledFile(job);
  const draws = drawSamples(job.table, undefined, job.design, job.score, job.fitRows, job.noMissing);
  return explainDraws(job.design, job.score, job.table, undefined, draws);
}

/** The job of the explanations worker for a file whose samples were drawn on the calling thread. */
export interface ExplainFileJob {
  design: SurrogateDesign;
  score: string;
  /** The file's rows: the permutation's generator is replayed past the draw of its sample. */
  rowCount: number;
  fit: Table;
  permutation: PermutationRows;
}

/** The permutation sample's complete rows as a column-major design matrix ({@link surrogateColumns}) and targets. */
export interface PermutationRows {
  x: Float64Array;
  y: Float64Array;
}

/** One file's sampled fit and permutation importance from its samples alone: what the worker runs. */
export function explainSampledFile(job: ExplainFileJob): FileExplanation {
  const random = seededRandom(PERMUTATION_SEED);
  // drawSamples drew the permutation's sample from this generator first; the shuffles go on from there.
  seededSample(job.rowCount, PERMUTATION_ROWS, random);
  const acc = emptySurrogate(job.design);
  accumulateSurrogate(acc, job.design, job.fit, job.score);
  const fit = solveSurrogate(acc, job.design);
  const draws: Draws = { permutation: job.permutation, fit: job.fit, random };
  return { fit, permutation: fit ? permutation(fit, job.design, draws) : { importance: {}, rows: 0 } };
}

interface ExplanationPlan {
  /** Each file's samples, drawn on first use (a file the worker samples is never drawn here). */
  draws: (side: 'reference' | 'current') => Draws;
  tables: { reference: Table; current: Table };
  spilled: SpilledColumns;
  design: SurrogateDesign;
  fitRows: number;
  score: string;
  names: string[];
  options: ExplainOptions;
}

/** Everything before the surrogates' fits: the section when it needs no surrogate (or cannot be), else the samples. */
function planExplanations(
  reference: Table,
  current: Table,
  spec: AnalysisSpec,
  profile: ReferenceProfile,
  options: ExplainOptions,
  spilled: SpilledColumns,
): ExplanationPlan | { done: { explanations?: Explanations; status: SectionStatus } } {
  if (spec.features.length === 0) return { done: { status: { computed: false, reason: 'needs features' } } };
  const names = spec.features.map((f) => f.name);
  const logged = (t: Table): string[] => names.filter((n) => t.columns.has(ATTRIBUTION_PREFIX + n));
  const refLogged = logged(reference);
  const curLogged = logged(current);
  if (refLogged.length > 0 && curLogged.length > 0) {
    const ref = attributionTotals(reference, refLogged, spilled.reference);
    const cur = attributionTotals(current, curLogged, spilled.current);
    return {
      done: { explanations: section('attributions', names, ref, cur, options), status: { computed: true } },
    };
  }
  const score = spec.score;
  if (score === undefined || !reference.columns.has(score) || !current.columns.has(score)) {
    return {
      done: {
        status: {
          computed: false,
          reason:
            'needs attributions (attributions.<feature> columns) or a score column in both files for the surrogate',
        },
      },
    };
  }
  const design = surrogateDesign(profile, spec.task, names);
  const fitRows = surrogateFitRows(design.columns.length, options.surrogateFitProducts);
  return {
    draws: memoDraws({
      reference: () => drawSamples(reference, spilled.reference, design, score, fitRows, options.noMissing?.reference),
      current: () => drawSamples(current, spilled.current, design, score, fitRows, options.noMissing?.current),
    }),
    tables: { reference, current },
    spilled,
    design,
    fitRows,
    score,
    names,
    options,
  };
}

/** One file's fit (from its sample, its whole table, or its spilled blocks) and permutation importance. */
function explainFile(plan: ExplanationPlan, side: 'reference' | 'current'): FileExplanation {
  return explainDraws(plan.design, plan.score, plan.tables[side], plan.spilled[side], plan.draws(side));
}

function explainDraws(
  design: SurrogateDesign,
  score: string,
  t: Table,
  held: Readonly<Record<string, SpilledColumn>> | undefined,
  draws: Draws,
): FileExplanation {
  const acc = emptySurrogate(design);
  if (draws.fit) accumulateSurrogate(acc, design, draws.fit, score);
  else if (!held || Object.keys(held).length === 0) accumulateSurrogate(acc, design, t, score);
  // Block by block: the same rows in the same order, so the same sums to the last bit as in memory.
  else
    for (let from = 0; from < t.rowCount; from += SPILLED_BLOCK_ROWS)
      accumulateSurrogate(acc, design, rowBlock(t, held, from, Math.min(t.rowCount, from + SPILLED_BLOCK_ROWS)), score);
  const fit = solveSurrogate(acc, design);
  return { fit, permutation: fit ? permutation(fit, design, draws) : { importance: {}, rows: 0 } };
}

function finishExplanations(
  plan: ExplanationPlan,
  ref: FileExplanation,
  cur: FileExplanation,
): { explanations?: Explanations; status: SectionStatus } {
  const refFit = ref.fit;
  const curFit = cur.fit;
  if (!refFit || !curFit)
    return {
      status: {
        computed: false,
        reason: 'the surrogate needs at least two rows with every feature and the score present in each file',
      },
    };
  const importance = (fit: SurrogateFit): Totals => {
    const mean = Object.fromEntries(fit.importances.map((i) => [i.feature, i.importance]));
    return { mean, total: mean, rows: fit.n };
  };
  const { design, fitRows, names, options } = plan;
  const refPermutation = ref.permutation;
  const curPermutation = cur.permutation;
  const base = section('surrogate', names, importance(refFit), importance(curFit), options);
  const explanations: Explanations = {
    ...base,
    features: base.features.map((f) => ({
      ...f,
      permutationReference: refPermutation.importance[f.feature] ?? null,
      permutationCurrent: curPermutation.importance[f.feature] ?? null,
    })),
    surrogateR2: { reference: refFit.r2, current: curFit.r2 },
    surrogate: {
      target: design.target,
      rows: { reference: refFit.n, current: curFit.n },
      ridge: refFit.ridge || curFit.ridge,
      ...(plan.tables.reference.rowCount > fitRows || plan.tables.current.rowCount > fitRows
        ? { fitSample: { seed: PERMUTATION_SEED, completeRows: fitRows } }
        : {}),
      permutation: {
        seed: PERMUTATION_SEED,
        repeats: PERMUTATION_REPEATS,
        rows: { reference: refPermutation.rows, current: curPermutation.rows },
      },
    },
  };
  return { explanations, status: { computed: true } };
}

function memoDraws(make: Record<'reference' | 'current', () => Draws>): ExplanationPlan['draws'] {
  const made: Partial<Record<'reference' | 'current', Draws>> = {};
  return (side) => (made[side] ??= make[side]());
}

/** The table's feature and score columns when none is spilled and every numeric one is in shared memory, else null. */
function sharedColumns(table: Table, plan: ExplanationPlan): Table | null {
  const held = plan.spilled.reference;
  if (held && Object.keys(held).length > 0) return null;
  const columns = new Map<string, Column>();
  for (const name of [plan.score, ...plan.design.features.map((f) => f.name)]) {
    const c = table.columns.get(name);
    if (!c) return null;
    if (c.kind === 'numeric' && !(c.values.buffer instanceof SharedArrayBuffer)) return null;
    columns.set(name, c);
  }
  return { source: table.source, rowCount: table.rowCount, columns };
}

/** Runs {@link explainJob} on a worker thread, the samples' buffers transferred to it (shared memory is shared). */
function explainInWorker(job: ExplainJob): Promise<FileExplanation> {
  return new Promise((resolve, reject) => {
    const worker = takeReportWorker(EXPLANATIONS_WORKER_FILE);
    const finish = (fn: () => void): void => {
      void worker.terminate();
      fn();
    };
    worker.once('message', (reply: { ok: true; result: FileExplanation } | { ok: false; message: string }) =>
      finish(() =>
        reply.ok
          ? resolve(reply.result)
          : reject(new VigilError('VIGIL_INTERNAL', `explanations worker failed: ${reply.message}`)),
      ),
    );
    worker.once('error', (error) =>
      finish(() =>
        reject(new VigilError('VIGIL_INTERNAL', `explanations worker crashed: ${error.message}`, { cause: error })),
      ),
    );
    if ('table' in job) {
      worker.postMessage(job);
      return;
    }
    // The samples are this report's own copies, used by nothing else: moved, not copied (~200 MB at 1,000 columns).
    const buffers = new Set<ArrayBuffer>([
      job.permutation.x.buffer as ArrayBuffer,
      job.permutation.y.buffer as ArrayBuffer,
    ]);
    for (const c of job.fit.columns.values())
      buffers.add((c.kind === 'numeric' ? c.values : c.codes).buffer as ArrayBuffer);
    worker.postMessage(job, [...buffers]);
  });
}

interface Totals {
  /** Per feature: mean |attribution|, or the surrogate's importance. */
  mean: Record<string, number>;
  /** Per feature: what the shares are of (Σ|attribution|, or the importance). */
  total: Record<string, number>;
  rows: number;
}

/** Mean and total |attribution| per feature over the rows that carry one (a missing attribution is not a zero). */
function attributionTotals(
  table: Table,
  features: readonly string[],
  held: Readonly<Record<string, SpilledColumn>> | undefined,
): Totals {
  const mean: Record<string, number> = {};
  const total: Record<string, number> = {};
  let rows = 0;
  for (const name of features) {
    let sum = 0;
    let n = 0;
    const add = (values: Float64Array): void => {
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        if (v - v !== 0) continue; // missing (NaN) or infinite: no attribution to average
        sum += Math.abs(v);
        n++;
      }
    };
    const spilledColumn = held?.[ATTRIBUTION_PREFIX + name];
    if (spilledColumn) forEachSpilledPiece(spilledColumn, SPILLED_BLOCK_ROWS, add);
    else add(asNumeric(table, table.columns.get(ATTRIBUTION_PREFIX + name)!).values);
    if (n === 0) continue;
    mean[name] = sum / n;
    total[name] = sum;
    rows = Math.max(rows, n);
  }
  return { mean, total, rows };
}

function section(
  source: Explanations['source'],
  names: readonly string[],
  ref: Totals,
  cur: Totals,
  options: ExplainOptions,
): Explanations {
  const refRank = new Map(rankFeatures(ref.mean).map((f, i) => [f, i + 1]));
  const curRank = new Map(rankFeatures(cur.mean).map((f, i) => [f, i + 1]));
  const features: ExplanationFeature[] = names.map((feature) => ({
    feature,
    reference: ref.mean[feature] ?? null,
    current: cur.mean[feature] ?? null,
    referenceRank: refRank.get(feature) ?? null,
    currentRank: curRank.get(feature) ?? null,
    protected: options.protected.includes(feature),
    proxy: options.proxies.includes(feature),
  }));
  // Current ranking first; features without a current importance last, by name.
  features.sort(
    (a, b) =>
      (a.currentRank ?? Infinity) - (b.currentRank ?? Infinity) ||
      (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0),
  );
  const k = Math.min(options.k ?? names.length, names.length);
  const refShare = attributionShare(ref.total, options.protected, options.proxies);
  const curShare = attributionShare(cur.total, options.protected, options.proxies);
  return {
    source,
    rows: { reference: ref.rows, current: cur.rows },
    features,
    ndcg: attributionNdcg(ref.mean, cur.mean, k),
    k,
    ...(options.protected.length > 0
      ? { protectedShare: shareChange(options.protected, refShare.protected, curShare.protected) }
      : {}),
    ...(options.proxies.length > 0
      ? { proxyShare: shareChange(options.proxies, refShare.proxies, curShare.proxies) }
      : {}),
  };
}

/** The share of `features` in both files, and whether it grew materially (docs/explanations.md, "Limits"). */
export function shareChange(
  features: readonly string[],
  reference: number | null,
  current: number | null,
): AttributionShareChange {
  const ratio = reference !== null && current !== null && reference > 0 ? current / reference : null;
  const grew =
    reference !== null &&
    current !== null &&
    current >= SHARE_GROWTH_FLOOR &&
    (reference > 0 ? current >= SHARE_GROWTH_WARNING * reference : true);
  return { features: [...features], reference, current, ratio, grew };
}

/** Rows [from, to) of `table`, with its spilled columns read back from their file for just those rows. */
function rowBlock(table: Table, held: Readonly<Record<string, SpilledColumn>>, from: number, to: number): Table {
  const columns = new Map<string, Column>();
  for (const [name, c] of table.columns) {
    const spilledColumn = held[name];
    if (spilledColumn) {
      const values = new Float64Array(to - from);
      readSpilledRows(spilledColumn, from, to, values);
      columns.set(name, { name, kind: 'numeric', values });
    } else if (c.kind === 'numeric') columns.set(name, { name, kind: 'numeric', values: c.values.subarray(from, to) });
    else columns.set(name, { name, kind: 'categorical', codes: c.codes.subarray(from, to), categories: c.categories });
  }
  for (const [name, spilledColumn] of Object.entries(held)) {
    if (columns.has(name)) continue;
    const values = new Float64Array(to - from);
    readSpilledRows(spilledColumn, from, to, values);
    columns.set(name, { name, kind: 'numeric', values });
  }
  return { source: table.source, rowCount: to - from, columns };
}

/** The table's `rows` (ascending), with its spilled columns read back for just those rows (one pass over each). */
function sampleRows(table: Table, rows: Int32Array, held: Readonly<Record<string, SpilledColumn>> | undefined): Table {
  if (!held || Object.keys(held).length === 0) return selectRows(table, rows);
  // The table's spilled columns are empty placeholders: gathering them read past their ends (~1 s of a spilled
  // 1,000-column report's calling thread), so only the columns in memory are gathered, in the table's order.
  const isHeld = (name: string): boolean => Object.hasOwn(held, name);
  const sample = selectRows({ ...table, columns: new Map([...table.columns].filter(([name]) => !isHeld(name))) }, rows);
  const spilled = (name: string): Column => ({
    name,
    kind: 'numeric',
    values: readSpilledSample(held[name]!, rows, SPILLED_BLOCK_ROWS),
  });
  const columns = new Map<string, Column>();
  for (const name of table.columns.keys()) columns.set(name, isHeld(name) ? spilled(name) : sample.columns.get(name)!);
  for (const name of Object.keys(held)) if (!columns.has(name)) columns.set(name, spilled(name));
  return { ...sample, columns };
}

/**
 * At most `size` distinct rows of `rowCount`, in file order (every row when there are no more): Floyd's algorithm
 * drawing from `random`, by default a generator seeded with {@link PERMUTATION_SEED}.
 */
function seededSample(rowCount: number, size: number, random = seededRandom(PERMUTATION_SEED)): Int32Array {
  if (rowCount <= size) return Int32Array.from({ length: rowCount }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = rowCount - size; j < rowCount; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

/**
 * Rows the surrogate of one file is fitted on at most: its sums take p(p+1)/2 products a row for p design columns,
 * so a file is sampled (seeded, {@link PERMUTATION_SEED}) beyond {@link SURROGATE_FIT_PRODUCTS} products, and never to
 * fewer than {@link SURROGATE_MIN_ROWS_PER_COLUMN} complete rows a column. 30 numeric columns fit 4.3 million rows
 * whole; 1,000 columns are fitted on 4,000 complete rows (~2 s of one core), where 1,000,000 would take ~8 minutes.
 */
export function surrogateFitRows(p: number, products = SURROGATE_FIT_PRODUCTS): number {
  return Math.max(Math.floor(products / ((p * (p + 1)) / 2)), SURROGATE_MIN_ROWS_PER_COLUMN * p);
}
/** Products of the surrogate's sums a file may take before its rows are sampled (see {@link surrogateFitRows}). */
export const SURROGATE_FIT_PRODUCTS = 2e9;
/**
 * The surrogate's sample keeps at least this many complete rows per design column: 3,000 residual degrees of freedom
 * at 1,000 columns, so its least squares stay well posed (the coefficients' standard errors ~1/√(n − p)).
 */
export const SURROGATE_MIN_ROWS_PER_COLUMN = 4;

/** Permutation importance of `fit` on a seeded sample of at most {@link PERMUTATION_ROWS} of the table's rows. */
function permutation(
  fit: SurrogateFit,
  design: SurrogateDesign,
  draws: Draws,
): { importance: Record<string, number>; rows: number } {
  const { x, y } = draws.permutation;
  const importance = surrogatePermutationImportanceColumns(fit, design, x, y, draws.random, PERMUTATION_REPEATS);
  return { importance: Object.fromEntries(importance.map((i) => [i.feature, i.importance])), rows: y.length };
}

/** The rows of one file that the surrogate samples, and the generator the permutation's shuffles go on with. */
interface Draws {
  /** The complete rows of the permutation importance's seeded sample of at most {@link PERMUTATION_ROWS} rows. */
  permutation: PermutationRows;
  /** Present when the fit is sampled ({@link surrogateFitRows}): about that many complete rows, seeded. */
  fit?: Table;
  random: () => number;
}

/** Rows drawn for the fit's sample, as a multiple of the complete rows it aims at (not all rows are complete). */
const FIT_DRAW_FACTOR = 3;

/**
 * The rows {@link drawSamples} reads from the spilled columns of a file of `rowCount` rows whose surrogate design has
 * `designColumns` columns (ascending): the column jobs keep their values aside as they read each column
 * (spilled-column.ts), so that the sample does not read every column again.
 */
export function spilledSampleRows(rowCount: number, designColumns: number, products?: number): Int32Array {
  const permutationRows = seededSample(rowCount, PERMUTATION_ROWS, seededRandom(PERMUTATION_SEED));
  const fitRows = surrogateFitRows(designColumns, products);
  if (rowCount <= fitRows) return permutationRows;
  const fitDraw = seededSample(rowCount, Math.min(rowCount, FIT_DRAW_FACTOR * fitRows));
  return Int32Array.from(new Set([...permutationRows, ...fitDraw])).sort();
}

/**
 * Draws the file's samples. When the fit is sampled, both samples are read in one pass (a spilled file's columns
 * are read through once, not once per sample): the fit's draw is {@link FIT_DRAW_FACTOR} times the complete rows
 * it aims at, and of its complete rows a seeded subset of `fitRows` is kept (all of them when fewer: the report's
 * `rows` says how many).
 */
function drawSamples(
  table: Table,
  held: Readonly<Record<string, SpilledColumn>> | undefined,
  design: SurrogateDesign,
  score: string,
  fitRows: number,
  noMissing?: ReadonlySet<string>,
): Draws {
  const random = seededRandom(PERMUTATION_SEED);
  const permutationRows = seededSample(table.rowCount, PERMUTATION_ROWS, random);
  if (table.rowCount <= fitRows)
    return { permutation: surrogateColumns(design, sampleRows(table, permutationRows, held), score), random };
  const fitDraw = seededSample(table.rowCount, Math.min(table.rowCount, FIT_DRAW_FACTOR * fitRows));
  const spilledColumns = held !== undefined && Object.keys(held).length > 0;
  // In memory, each sample is copied straight from the table; spilled, the union of both is read back once.
  const union = spilledColumns ? Int32Array.from(new Set([...permutationRows, ...fitDraw])).sort() : undefined;
  const read = union ? sampleRows(table, union, held) : table;
  const at = (rows: Int32Array): Int32Array => {
    if (!union) return rows;
    const out = new Int32Array(rows.length);
    for (let k = 0, u = 0; k < rows.length; k++) {
      while (union[u] !== rows[k]) u++;
      out[k] = u;
    }
    return out;
  };
  // Rows of `read`, straight from its columns: neither sample is copied whole before its rows are chosen; the
  // missing values of both are found in one sweep of the columns, and the fit's chosen rows are copied in the sweep
  // that writes the permutation's design (decision 0033). Only the columns the fit reads go into its sample (and to
  // the worker).
  const { permutation, fit } = surrogateSamples(
    design,
    read,
    score,
    at(permutationRows),
    at(fitDraw),
    (complete) =>
      complete.length > fitRows
        ? Int32Array.from(seededSample(complete.length, fitRows), (k) => complete[k] as number)
        : complete,
    noMissing,
  );
  return {
    permutation,
    fit,
    random,
  };
}
