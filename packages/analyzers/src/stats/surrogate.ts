/**
 * A linear surrogate of the model (docs/explanations.md#without-logged-attributions-the-linear-surrogate): ordinary least squares of the score's logit
 * (binary) or the score itself (regression) on the features standardised by the reference profile, for teams that
 * log features and scores but no attributions. Only its sufficient statistics are kept (n, Σx, Σy, Σy², Xᵀy and
 * the upper triangle of XᵀX), so buckets merge by addition, survive restarts as JSON, and a window is solved from
 * the sum of its buckets. The solve is a float64 Cholesky in TypeScript, not tfjs (docs/decisions/0014).
 */
import { fisherYates, MISSING_CODE, VigilError, type Column, type SeededRandom, type Table } from '@vigil/core';
import type { AnalysisSpec } from '../profile/analysis-spec';
import {
  asCategorical,
  asNumeric,
  requireColumn,
  type NumericProfile,
  type ReferenceProfile,
} from '../profile/reference-profile';
import { gramBlocks, type GramBlocks } from './gram-kernel';
import { choleskyFactor } from './cholesky-kernel';
import { permutationKernel } from './permutation-kernel';

/** Categories of a categorical feature that get an indicator of their own (the reference's most frequent). */
export const SURROGATE_TOP_CATEGORIES = 10;
/** The indicator of every category outside the reference's top ones, including categories it never saw. */
export const SURROGATE_OTHER = '(other)';
/**
 * Scores are clipped to [ε, 1 − ε] before the logit: a score of exactly 0 or 1 would otherwise be ±∞, and even
 * the float64 bound (±36) would let a handful of saturated rows dominate the squares.
 */
export const SURROGATE_SCORE_CLIP = 1e-6;

export type SurrogateFeature =
  | { readonly name: string; readonly kind: 'numeric'; readonly mean: number; readonly scale: number }
  | {
      readonly name: string;
      readonly kind: 'categorical';
      /** The reference's most frequent category: the dropped level, every indicator 0. */
      readonly baseline: string;
      /** One indicator each, then one for {@link SURROGATE_OTHER}. */
      readonly indicators: readonly string[];
    };

/** How rows become the surrogate's design matrix; derived from the reference profile alone, so it never changes. */
export interface SurrogateDesign {
  readonly target: 'logit' | 'identity';
  readonly features: readonly SurrogateFeature[];
  /** One per design column: `age`, `race=Black`, `race=(other)`. */
  readonly columns: readonly string[];
  /** Index of each feature's first column; its columns run to the next feature's first. */
  readonly offsets: readonly number[];
}

/**
 * The encoding (docs/explanations.md#without-logged-attributions-the-linear-surrogate, "Encoding"):
 * - numeric: z = (x − μ) / σ with the reference's mean and population σ (σ = 1 when the reference is constant);
 * - categorical: drop-first one-hot over the reference's {@link SURROGATE_TOP_CATEGORIES} most frequent categories
 *   (ties by name; the most frequent is the baseline) plus one {@link SURROGATE_OTHER} indicator.
 * The target is logit(clip(score)) for a binary model and the score for a regression.
 */
export function surrogateDesign(
  profile: ReferenceProfile,
  task: AnalysisSpec['task'],
  features?: readonly string[],
): SurrogateDesign {
  const chosen = features ? features.map((name) => requireProfileFeature(profile, name)) : profile.features;
  const out: SurrogateFeature[] = [];
  const columns: string[] = [];
  const offsets: number[] = [];
  for (const f of chosen) {
    offsets.push(columns.length);
    if (f.kind === 'numeric') {
      out.push({ name: f.name, kind: 'numeric', mean: Number.isFinite(f.mean) ? f.mean : 0, scale: numericScale(f) });
      columns.push(f.name);
    } else {
      const ranked = f.categories.map((c, i) => [c, f.counts[i] ?? 0] as const);
      ranked.sort(([a, na], [b, nb]) => nb - na || (a < b ? -1 : a > b ? 1 : 0));
      const top = ranked.slice(0, SURROGATE_TOP_CATEGORIES).map(([c]) => c);
      const indicators = [...top.slice(1), SURROGATE_OTHER];
      out.push({ name: f.name, kind: 'categorical', baseline: top[0] ?? '', indicators });
      for (const c of indicators) columns.push(`${f.name}=${c}`);
    }
  }
  return { target: task === 'binary' ? 'logit' : 'identity', features: out, columns, offsets };
}

/**
 * σ of a numeric feature, 1 when the reference is constant. Values from ~1e154 up (1e308, a DBL_MAX "missing"
 * sentinel) have squares past the largest double, so σ overflows to +∞: such a column is scaled by its largest
 * magnitude instead, so that its z stay within ±2 and no sum of the fit overflows (before, the report failed).
 */
function numericScale(f: NumericProfile): number {
  if (Number.isFinite(f.std)) return f.std > 0 ? f.std : 1;
  const largest = Math.max(Math.abs(f.min), Math.abs(f.max));
  return f.std === Number.POSITIVE_INFINITY && Number.isFinite(largest) && largest > 0 ? largest : 1;
}

function requireProfileFeature(profile: ReferenceProfile, name: string): ReferenceProfile['features'][number] {
  const f = profile.features.find((p) => p.name === name);
  if (!f)
    throw new VigilError(
      'VIGIL_PROFILE_MISMATCH',
      `the surrogate names feature "${name}", which the reference profile does not have`,
    );
  return f;
}

/** The surrogate's target for one score: NaN when the score is missing. */
export function surrogateTarget(design: SurrogateDesign, score: number): number {
  if (design.target === 'identity') return score;
  const p =
    score < SURROGATE_SCORE_CLIP
      ? SURROGATE_SCORE_CLIP
      : score > 1 - SURROGATE_SCORE_CLIP
        ? 1 - SURROGATE_SCORE_CLIP
        : score;
  return Math.log(p / (1 - p));
}

/**
 * Additive sufficient statistics over complete rows (every feature and the score present). With p design columns
 * the state is 2p + p(p+1)/2 + 4 numbers: 30 numeric features are 529 numbers, about 10 KB of JSON.
 */
export interface SurrogateAccumulator {
  columns: number;
  rows: number;
  /** Rows left out because a feature or the score was missing. */
  skipped: number;
  sumY: number;
  sumYY: number;
  sumX: number[];
  sumXY: number[];
  /** Upper triangle of XᵀX, row by row: (0,0), (0,1) … (0,p−1), (1,1) … */
  sumXX: number[];
}

export function emptySurrogate(design: SurrogateDesign): SurrogateAccumulator {
  const p = design.columns.length;
  return {
    columns: p,
    rows: 0,
    skipped: 0,
    sumY: 0,
    sumYY: 0,
    sumX: new Array<number>(p).fill(0),
    sumXY: new Array<number>(p).fill(0),
    sumXX: new Array<number>((p * (p + 1)) / 2).fill(0),
  };
}

/** Sum of two accumulators of the same design (a new object; neither input changes). */
export function mergeSurrogates(a: SurrogateAccumulator, b: SurrogateAccumulator): SurrogateAccumulator {
  if (a.columns !== b.columns || a.sumXX.length !== b.sumXX.length) {
    throw new VigilError(
      'VIGIL_PROFILE_MISMATCH',
      `surrogate accumulators of ${a.columns} and ${b.columns} columns cannot be merged`,
    );
  }
  const add = (x: number[], y: number[]): number[] => x.map((v, i) => v + (y[i] as number));
  return {
    columns: a.columns,
    rows: a.rows + b.rows,
    skipped: a.skipped + b.skipped,
    sumY: a.sumY + b.sumY,
    sumYY: a.sumYY + b.sumYY,
    sumX: add(a.sumX, b.sumX),
    sumXY: add(a.sumXY, b.sumXY),
    sumXX: add(a.sumXX, b.sumXX),
  };
}

/** {@link mergeSurrogates} into `a`, the caller's own accumulator (a window being summed), which it returns. */
export function addSurrogatesInto(a: SurrogateAccumulator, b: SurrogateAccumulator): SurrogateAccumulator {
  if (a.columns !== b.columns || a.sumXX.length !== b.sumXX.length) return mergeSurrogates(a, b);
  const add = (x: number[], y: readonly number[]): void => {
    for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + (y[i] as number);
  };
  a.rows += b.rows;
  a.skipped += b.skipped;
  a.sumY += b.sumY;
  a.sumYY += b.sumYY;
  add(a.sumX, b.sumX);
  add(a.sumXY, b.sumXY);
  add(a.sumXX, b.sumXX);
  return a;
}

/**
 * The design matrix of the table's rows [from, to) (row-major, rows × p) and the target, complete rows only;
 * `kept` holds the table row of each. The report's permutation importance works on it; the accumulator is built from it.
 */
export function surrogateRows(
  design: SurrogateDesign,
  table: Table,
  score: string,
  from = 0,
  to = table.rowCount,
): { x: Float64Array; y: Float64Array; kept: Int32Array } {
  const p = design.columns.length;
  const n = to - from;
  const scores = asNumeric(table, requireColumn(table, score)).values.subarray(from, to);
  const x = new Float64Array(n * p);
  const y = new Float64Array(n);
  const complete = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    y[i] = surrogateTarget(design, scores[i] as number);
    if (!Number.isFinite(y[i])) complete[i] = 0;
  }
  design.features.forEach((f, k) => {
    const at = design.offsets[k] as number;
    const column = requireColumn(table, f.name);
    if (f.kind === 'numeric') {
      const values = asNumeric(table, column).values.subarray(from, to);
      for (let i = 0; i < n; i++) {
        const v = values[i] as number;
        // v − v is 0 for every finite v, NaN for a missing value and for ±Infinity: both leave the row out.
        if (v - v !== 0) complete[i] = 0;
        else x[i * p + at] = (v - f.mean) / f.scale;
      }
    } else {
      const cat = asCategorical(column);
      // Table code → indicator offset (−1: the baseline), computed once per dictionary entry.
      const other = f.indicators.length - 1;
      const slot = cat.categories.map((c) =>
        c === f.baseline
          ? -1
          : ((): number => {
              const j = f.indicators.indexOf(c);
              return j >= 0 && j < other ? j : other;
            })(),
      );
      for (let i = 0; i < n; i++) {
        const code = cat.codes[from + i] as number;
        if (code === MISSING_CODE) complete[i] = 0;
        else {
          const s = slot[code] as number;
          if (s >= 0) x[i * p + at + s] = 1;
        }
      }
    }
  });
  let m = 0;
  for (let i = 0; i < n; i++) if (complete[i]) m++;
  const kept = new Int32Array(m);
  const xs = new Float64Array(m * p);
  const ys = new Float64Array(m);
  m = 0;
  for (let i = 0; i < n; i++) {
    if (!complete[i]) continue;
    kept[m] = from + i;
    ys[m] = y[i] as number;
    xs.set(x.subarray(i * p, (i + 1) * p), m * p);
    m++;
  }
  return { x: xs, y: ys, kept };
}

const SURROGATE_CHUNK_ROWS = 4096;

/** Adds the complete rows of `table` to `acc` (which it returns); `score` is the score column. */
export function accumulateSurrogate(
  acc: SurrogateAccumulator,
  design: SurrogateDesign,
  table: Table,
  score: string,
): SurrogateAccumulator {
  if (acc.columns !== design.columns.length) {
    throw new VigilError(
      'VIGIL_PROFILE_MISMATCH',
      `surrogate accumulator has ${acc.columns} columns, the design ${design.columns.length}`,
    );
  }
  if (design.columns.length >= SURROGATE_BLOCKED_COLUMNS) return accumulateWideSurrogate(acc, design, table, score);
  // In chunks, so the design matrix of a million-row file is never held whole.
  for (let from = 0; from < table.rowCount; from += SURROGATE_CHUNK_ROWS) {
    const to = Math.min(table.rowCount, from + SURROGATE_CHUNK_ROWS);
    const { x, y } = surrogateRows(design, table, score, from, to);
    addSurrogateRows(acc, x, y);
    acc.skipped += to - from - y.length;
  }
  return acc;
}

/**
 * Design columns from which the rows are added a block at a time ({@link addWideSurrogateRows}): the per-row update
 * reads and writes the whole triangle of XᵀX for every row, which stays in cache for narrow designs (30 columns are
 * 465 numbers) but is memory-bound beyond: 1,000 columns are 4 MB of triangle streamed per row, 1.7 ns a product
 * against 0.9 ns blocked (measured). Below this the per-row order is kept, so narrow sums stay the same to the bit.
 */
export const SURROGATE_BLOCKED_COLUMNS = 128;
/** Rows of a block: 64 rows of 1,000 columns are 512 KB, held in cache while every pair of columns is multiplied. */
const SURROGATE_BLOCK_ROWS = 64;

/** Adds design rows (row-major, p columns each) and their targets. */
export function addSurrogateRows(acc: SurrogateAccumulator, x: Float64Array, y: Float64Array): void {
  const p = acc.columns;
  if (p >= SURROGATE_BLOCKED_COLUMNS) {
    addWideSurrogateRows(acc, x, y);
    return;
  }
  const { sumX, sumXY, sumXX } = acc;
  for (let r = 0; r < y.length; r++) {
    const yr = y[r] as number;
    const row = r * p;
    acc.sumY += yr;
    acc.sumYY += yr * yr;
    let t = 0;
    for (let i = 0; i < p; i++) {
      const xi = x[row + i] as number;
      if (xi === 0) {
        t += p - i; // one-hot rows are mostly zeros: skip their products
        continue;
      }
      sumX[i]! += xi;
      sumXY[i]! += xi * yr;
      for (let j = i; j < p; j++) sumXX[t++]! += xi * (x[row + j] as number);
    }
  }
  acc.rows += y.length;
}

/**
 * {@link addSurrogateRows} for wide designs: blocks of {@link SURROGATE_BLOCK_ROWS} rows go through the XᵀX kernel
 * ({@link GramBlocks}), which sums every pair of columns over the block and adds the block's sum to the triangle. The
 * same sums as the per-row loop, in another order of addition (each block summed first). Σx and Σxy are summed
 * per block in the same way; a column all zeros in the block (a one-hot indicator, mostly) adds nothing.
 */
function addWideSurrogateRows(acc: SurrogateAccumulator, x: Float64Array, y: Float64Array): void {
  const p = acc.columns;
  const B = SURROGATE_BLOCK_ROWS;
  const gram = gramBlocks(p, B);
  const { panel } = gram;
  gram.load(acc.sumXX);
  for (let r0 = 0; r0 < y.length; r0 += B) {
    const b = Math.min(B, y.length - r0);
    for (let r = 0; r < b; r++) {
      const yr = y[r0 + r] as number;
      acc.sumY += yr;
      acc.sumYY += yr * yr;
      const row = (r0 + r) * p;
      for (let i = 0; i < p; i++) panel[gram.at(i, r)] = x[row + i] as number;
    }
    addBlockSums(acc, gram, y, r0, b);
  }
  gram.store(acc.sumXX);
  acc.rows += y.length;
}

/** Σx and Σxy of the block in the panel (targets y[r0 …]), then its XᵀX through the kernel. */
function addBlockSums(acc: SurrogateAccumulator, gram: GramBlocks, y: Float64Array, r0: number, b: number): void {
  const { panel, p } = gram;
  const { sumX, sumXY } = acc;
  for (let i = 0; i < p; i++) {
    const at = gram.at(i, 0);
    let sx = 0;
    let sxy = 0;
    let any = 0;
    for (let r = 0; r < b; r++) {
      const v = panel[at + 4 * r] as number;
      if (v !== 0) any = 1;
      sx += v;
      sxy += v * (y[r0 + r] as number);
    }
    if (any === 0) continue;
    sumX[i]! += sx;
    sumXY[i]! += sxy;
  }
  gram.addBlock(b);
}

/** Where one feature's values come from, for {@link accumulateWideSurrogate} and {@link surrogateColumns}. */
type FeatureSource =
  | { kind: 'numeric'; at: number; values: Float64Array; mean: number; scale: number }
  | { kind: 'categorical'; at: number; codes: Int32Array; slot: Int32Array };

function featureSources(design: SurrogateDesign, table: Table): FeatureSource[] {
  return design.features.map((f, k) => {
    const at = design.offsets[k] as number;
    const column = requireColumn(table, f.name);
    if (f.kind === 'numeric')
      return { kind: 'numeric', at, values: asNumeric(table, column).values, mean: f.mean, scale: f.scale };
    const cat = asCategorical(column);
    // Table code → indicator offset (−1: the baseline), as in surrogateRows.
    const other = f.indicators.length - 1;
    const slot = Int32Array.from(cat.categories, (c) => {
      if (c === f.baseline) return -1;
      const j = f.indicators.indexOf(c);
      return j >= 0 && j < other ? j : other;
    });
    return { kind: 'categorical', at, codes: cat.codes, slot };
  });
}

/**
 * Marks in `complete` (1 = complete so far) the rows with a missing feature; row k is table row `rows[k]`, or
 * `from + k` without `rows`.
 */
function markIncomplete(
  sources: readonly FeatureSource[],
  complete: Uint8Array,
  n: number,
  from: number,
  rows?: Int32Array,
): void {
  for (const s of sources) {
    if (s.kind === 'numeric') {
      const { values } = s;
      for (let k = 0; k < n; k++) {
        const v = values[rows ? (rows[k] as number) : from + k] as number;
        if (v - v !== 0) complete[k] = 0; // NaN (missing) or ±Infinity
      }
    } else {
      const { codes } = s;
      for (let k = 0; k < n; k++) if (codes[rows ? (rows[k] as number) : from + k] === MISSING_CODE) complete[k] = 0;
    }
  }
}

/**
 * {@link accumulateSurrogate} for wide designs: the design rows are written from the table's columns straight into
 * the kernel's blocks, the complete rows of each chunk of {@link SURROGATE_CHUNK_ROWS} in order, so the sums are
 * those of {@link addSurrogateRows} on {@link surrogateRows}' matrices to the bit, without building the matrices.
 */
function accumulateWideSurrogate(
  acc: SurrogateAccumulator,
  design: SurrogateDesign,
  table: Table,
  score: string,
): SurrogateAccumulator {
  const p = design.columns.length;
  const B = SURROGATE_BLOCK_ROWS;
  const scores = asNumeric(table, requireColumn(table, score)).values;
  const sources = featureSources(design, table);
  const gram = gramBlocks(p, B);
  const { panel } = gram;
  gram.load(acc.sumXX);
  const complete = new Uint8Array(SURROGATE_CHUNK_ROWS);
  const kept = new Int32Array(SURROGATE_CHUNK_ROWS);
  const y = new Float64Array(SURROGATE_CHUNK_ROWS);
  for (let from = 0; from < table.rowCount; from += SURROGATE_CHUNK_ROWS) {
    const n = Math.min(table.rowCount, from + SURROGATE_CHUNK_ROWS) - from;
    complete.fill(1);
    for (let k = 0; k < n; k++)
      if (!Number.isFinite(surrogateTarget(design, scores[from + k] as number))) complete[k] = 0;
    markIncomplete(sources, complete, n, from);
    let m = 0;
    for (let k = 0; k < n; k++) {
      if (!complete[k]) continue;
      kept[m] = from + k;
      y[m++] = surrogateTarget(design, scores[from + k] as number);
    }
    for (let r0 = 0; r0 < m; r0 += B) {
      const b = Math.min(B, m - r0);
      gram.clear();
      for (let r = 0; r < b; r++) {
        const yr = y[r0 + r] as number;
        acc.sumY += yr;
        acc.sumYY += yr * yr;
      }
      for (const s of sources) {
        const at = gram.at(s.at, 0);
        if (s.kind === 'numeric') {
          const { values, mean, scale } = s;
          for (let r = 0; r < b; r++) panel[at + 4 * r] = ((values[kept[r0 + r] as number] as number) - mean) / scale;
        } else {
          const { codes, slot } = s;
          for (let r = 0; r < b; r++) {
            const j = slot[codes[kept[r0 + r] as number] as number] as number;
            if (j >= 0) panel[gram.at(s.at + j, r)] = 1;
          }
        }
      }
      addBlockSums(acc, gram, y, r0, b);
    }
    acc.rows += m;
    acc.skipped += n - m;
  }
  gram.store(acc.sumXX);
  return acc;
}

/**
 * The rows of `rows` (table rows) whose features and score are all present, in the same order: the rows
 * {@link surrogateRows} keeps, without building the matrix.
 */
export function completeSurrogateRows(
  design: SurrogateDesign,
  table: Table,
  score: string,
  rows: Int32Array,
): Int32Array {
  const scores = asNumeric(table, requireColumn(table, score)).values;
  const n = rows.length;
  const complete = new Uint8Array(n).fill(1);
  for (let k = 0; k < n; k++)
    if (!Number.isFinite(surrogateTarget(design, scores[rows[k] as number] as number))) complete[k] = 0;
  markIncomplete(featureSources(design, table), complete, n, 0, rows);
  let m = 0;
  for (let k = 0; k < n; k++) if (complete[k]) m++;
  const out = new Int32Array(m);
  m = 0;
  for (let k = 0; k < n; k++) if (complete[k]) out[m++] = rows[k] as number;
  return out;
}

/**
 * {@link surrogateRows} column-major (design column i's values at x[i·m …], m complete rows) over the table rows
 * `rows` (every row without), read straight from the table's columns: what the permutation importance works on.
 */
export function surrogateColumns(
  design: SurrogateDesign,
  table: Table,
  score: string,
  rows?: Int32Array,
): { x: Float64Array; y: Float64Array } {
  const p = design.columns.length;
  const n = rows ? rows.length : table.rowCount;
  const scores = asNumeric(table, requireColumn(table, score)).values;
  const row = (k: number): number => (rows ? (rows[k] as number) : k);
  const sources = featureSources(design, table);
  const complete = new Uint8Array(n).fill(1);
  const target = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    target[k] = surrogateTarget(design, scores[row(k)] as number);
    if (!Number.isFinite(target[k])) complete[k] = 0;
  }
  // One pass over each column at the rows: its values written and its missing ones marked (rows dropped below).
  const x = new Float64Array(p * n);
  for (const s of sources) {
    if (s.kind === 'numeric') {
      const { values, mean, scale } = s;
      const at = s.at * n;
      for (let k = 0; k < n; k++) {
        const v = values[rows ? (rows[k] as number) : k] as number;
        if (v - v !== 0) complete[k] = 0; // NaN (missing) or ±Infinity
        x[at + k] = (v - mean) / scale;
      }
    } else {
      const { codes, slot } = s;
      for (let k = 0; k < n; k++) {
        const code = codes[row(k)] as number;
        if (code === MISSING_CODE) {
          complete[k] = 0;
          continue;
        }
        const j = slot[code] as number;
        if (j >= 0) x[(s.at + j) * n + k] = 1;
      }
    }
  }
  let m = 0;
  for (let k = 0; k < n; k++) if (complete[k]) m++;
  const y = new Float64Array(m);
  for (let k = 0, t = 0; k < n; k++) if (complete[k]) y[t++] = target[k] as number;
  if (m === n) return { x, y };
  // Compacted in place, column by column: each value moves to a lower index than any still to be read.
  for (let i = 0; i < p; i++) for (let k = 0, t = i * m; k < n; k++) if (complete[k]) x[t++] = x[i * n + k] as number;
  return { x: x.subarray(0, p * m), y };
}

/**
 * A sampled file's two samples at once: the permutation's design at `permutationRows`, as {@link surrogateColumns}
 * gives it, and the complete rows of the fit's draw `fitDraw`, as {@link completeSurrogateRows} gives them (both
 * lists of table rows, ascending). The same arrays to the bit, from fewer passes over the table: one sweep marks
 * each column's missing values at both samples' rows (the column's second read hits the cache the first filled),
 * then the permutation's values are written at its complete rows only. Taken apart, the two functions read every
 * column of a 1,000-column file twice from memory, wrote the permutation's design at all 20,000 drawn rows (160 MB,
 * first-touched) and then compacted it to the ~37% that are complete (decision 0033). `choose` picks the fit's rows
 * from the draw's complete ones: its sample (`fit`: selectRows of the score and feature columns) is then copied in
 * the second sweep. The features named in `noMissing` must have no missing value in `table`: they are not swept for
 * missing values (most columns of a wide file have none, and the report has counted them).
 */
export function surrogateSamples(
  design: SurrogateDesign,
  table: Table,
  score: string,
  permutationRows: Int32Array,
  fitDraw: Int32Array,
  choose?: (fitComplete: Int32Array) => Int32Array,
  noMissing?: ReadonlySet<string>,
): { permutation: { x: Float64Array; y: Float64Array }; fitComplete: Int32Array; fit?: Table } {
  const p = design.columns.length;
  const scores = asNumeric(table, requireColumn(table, score)).values;
  const sources = featureSources(design, table);
  const n = permutationRows.length;
  const completeFit = new Uint8Array(fitDraw.length).fill(1);
  const complete = new Uint8Array(n).fill(1);
  for (let k = 0; k < fitDraw.length; k++)
    if (!Number.isFinite(surrogateTarget(design, scores[fitDraw[k] as number] as number))) completeFit[k] = 0;
  for (let k = 0; k < n; k++)
    if (!Number.isFinite(surrogateTarget(design, scores[permutationRows[k] as number] as number))) complete[k] = 0;
  for (const [f, s] of sources.entries()) {
    // A column known to have no missing value (the report's column statistics counted them) marks nothing.
    if (noMissing?.has((design.features[f] as SurrogateFeature).name)) continue;
    if (s.kind === 'numeric') touchBeforeGather(s.values, fitDraw.length + n);
    markIncomplete([s], completeFit, fitDraw.length, 0, fitDraw);
    markIncomplete([s], complete, n, 0, permutationRows);
  }
  const fitComplete = keptRows(fitDraw, completeFit);
  const kept = keptRows(permutationRows, complete);
  const m = kept.length;
  const y = new Float64Array(m);
  for (let k = 0; k < m; k++) y[k] = surrogateTarget(design, scores[kept[k] as number] as number);
  const x = new Float64Array(p * m);
  const chosen = choose?.(fitComplete);
  const fitColumns = new Map<string, Column>();
  for (const [f, s] of sources.entries()) {
    // The fit's rows of the same column while it is in the cache (selectRows' copy of it, to the bit).
    const name = (design.features[f] as SurrogateFeature).name;
    if (s.kind === 'numeric') touchBeforeGather(s.values, (chosen?.length ?? 0) + m);
    if (chosen) fitColumns.set(name, selectColumn(name, requireColumn(table, name), chosen));
    if (s.kind === 'numeric') {
      const { values, mean, scale } = s;
      const at = s.at * m;
      for (let k = 0; k < m; k++) x[at + k] = ((values[kept[k] as number] as number) - mean) / scale;
    } else {
      const { codes, slot } = s;
      for (let k = 0; k < m; k++) {
        const j = slot[codes[kept[k] as number] as number] as number;
        if (j >= 0) x[(s.at + j) * m + k] = 1;
      }
    }
  }
  if (!chosen) return { permutation: { x, y }, fitComplete };
  if (!fitColumns.has(score)) fitColumns.set(score, selectColumn(score, requireColumn(table, score), chosen));
  // In the table's order of columns, as selectRows of the table narrowed to the score and the features gives them.
  const columns = new Map(
    [...table.columns.keys()].filter((name) => fitColumns.has(name)).map((name) => [name, fitColumns.get(name)!]),
  );
  return { permutation: { x, y }, fitComplete, fit: { source: table.source, rowCount: chosen.length, columns } };
}

/** What {@link touchBeforeGather} reads, kept so that the reads are not optimised away. */
let _touched = 0;

/**
 * Reads one value of every 64-byte line of `values`, in order, before `gathered` values are read from it at sampled
 * rows (ascending, irregular): read in order, the lines come at the speed of streaming (the hardware prefetches
 * ahead), then the gathers find them in the cache. Gathered cold, ~11,000 rows of a 100,000-row column missed the
 * cache at almost every row: ~18 ns a value against ~7 ns with this read first, the read included (decision 0051).
 * Only when the sample is dense enough to pay for reading the whole column (a row gathered a 32nd of the rows or more).
 */
function touchBeforeGather(values: Float64Array, gathered: number): void {
  if (gathered * 32 < values.length) return;
  let sum = 0;
  for (let i = 0; i < values.length; i += 8) sum += values[i] as number;
  _touched += sum;
}

/** `column` at `rows`, as selectRows copies it. */
function selectColumn(name: string, column: Column, rows: Int32Array): Column {
  if (column.kind === 'numeric') {
    const values = new Float64Array(rows.length);
    for (let k = 0; k < rows.length; k++) values[k] = column.values[rows[k] as number] as number;
    return { name, kind: 'numeric', values };
  }
  const codes = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) codes[k] = column.codes[rows[k] as number] as number;
  return { name, kind: 'categorical', categories: column.categories, codes };
}

/** The entries of `rows` whose flag in `complete` is 1, in order. */
function keptRows(rows: Int32Array, complete: Uint8Array): Int32Array {
  let m = 0;
  for (let k = 0; k < rows.length; k++) if (complete[k]) m++;
  const out = new Int32Array(m);
  for (let k = 0, t = 0; k < rows.length; k++) if (complete[k]) out[t++] = rows[k] as number;
  return out;
}

export interface SurrogateFit {
  /** Complete rows the fit is over. */
  readonly n: number;
  readonly intercept: number;
  /** Per design column, on the standardised scale (0 for a column constant over the window). */
  readonly coefficients: number[];
  /**
   * Per feature: the standard deviation over the window of its contribution to the surrogate, √(βₛᵀ Cov(xₛ) βₛ)
   * over its columns S. For a numeric feature that is |βⱼ|·σⱼ with σⱼ the window's σ of the raw feature.
   */
  readonly importances: { feature: string; importance: number }[];
  /** Share of the target's variance the surrogate explains, 1 − SSE/SST (NaN when the target is constant). */
  readonly r2: number;
  /** True when exactly collinear columns needed the ridge (their split of the effect is then arbitrary). */
  readonly ridge: boolean;
}

/** Below this variance a design column is constant over the window: its coefficient is 0. */
const CONSTANT_VARIANCE = 1e-12;
/** A Cholesky pivot of the correlation matrix below this means a column is a linear combination of the others. */
const COLLINEAR_PIVOT = 1e-10;
/** Ridge added to the correlation matrix's diagonal when columns are collinear. */
const RIDGE = 1e-9;

/**
 * Ordinary least squares with an intercept from the accumulated sums: centred normal equations, scaled to a
 * correlation matrix and solved by Cholesky in float64. Equal to numpy's `lstsq` on the rows whenever the design
 * has full rank (1e-9 on the golden vectors). Columns constant over the window get coefficient 0 (lstsq would
 * split the constant with the intercept; their importance is 0 either way); exactly collinear columns get a
 * ridge solution of 1e-9 on the correlation scale. Null with fewer than two complete rows.
 */
export function solveSurrogate(acc: SurrogateAccumulator, design: SurrogateDesign): SurrogateFit | null {
  const p = acc.columns;
  const n = acc.rows;
  if (p !== design.columns.length) {
    throw new VigilError(
      'VIGIL_PROFILE_MISMATCH',
      `surrogate accumulator has ${p} columns, the design ${design.columns.length}`,
    );
  }
  if (n < 2) return null;
  const cov = centredCovariance(acc);
  const c = acc.sumXY.map((v, i) => v - ((acc.sumX[i] as number) * acc.sumY) / n);
  const syy = acc.sumYY - (acc.sumY * acc.sumY) / n;
  const active: number[] = [];
  for (let i = 0; i < p; i++) if ((cov[i * p + i] as number) / n > CONSTANT_VARIANCE) active.push(i);
  const beta = new Array<number>(p).fill(0);
  let ridge = false;
  if (active.length > 0) {
    const k = active.length;
    const d = active.map((i) => 1 / Math.sqrt(cov[i * p + i] as number));
    const r = new Float64Array(k * k);
    const b = new Float64Array(k);
    for (let a = 0; a < k; a++) {
      b[a] = (c[active[a] as number] as number) * (d[a] as number);
      for (let e = 0; e < k; e++)
        r[a * k + e] =
          (cov[(active[a] as number) * p + (active[e] as number)] as number) * (d[a] as number) * (d[e] as number);
    }
    let gamma = choleskySolve(r, b, k, 0);
    if (!gamma) {
      ridge = true;
      gamma = choleskySolve(r, b, k, RIDGE);
      if (!gamma)
        throw new VigilError(
          'VIGIL_INTERNAL',
          'the surrogate normal equations are not positive definite even with a ridge',
        );
    }
    for (let a = 0; a < k; a++) beta[active[a] as number] = (gamma[a] as number) * (d[a] as number);
  }
  let fitted = 0; // βᵀc
  let quad = 0; // βᵀCβ
  for (let i = 0; i < p; i++) {
    fitted += (beta[i] as number) * (c[i] as number);
    for (let j = 0; j < p; j++) quad += (beta[i] as number) * (cov[i * p + j] as number) * (beta[j] as number);
  }
  const sse = Math.max(0, syy - 2 * fitted + quad);
  const intercept = (acc.sumY - beta.reduce((s, v, i) => s + v * (acc.sumX[i] as number), 0)) / n;
  const importances = design.features.map((f, idx) => {
    const from = design.offsets[idx] as number;
    const to = idx + 1 < design.offsets.length ? (design.offsets[idx + 1] as number) : p;
    let v = 0;
    for (let i = from; i < to; i++)
      for (let j = from; j < to; j++) v += (beta[i] as number) * (cov[i * p + j] as number) * (beta[j] as number);
    return { feature: f.name, importance: Math.sqrt(Math.max(0, v) / n) };
  });
  return { n, intercept, coefficients: beta, importances, r2: syy > 0 ? 1 - sse / syy : Number.NaN, ridge };
}

/** Full p × p matrix of Σ(x − x̄)(x − x̄)ᵀ from the packed sums. */
function centredCovariance(acc: SurrogateAccumulator): Float64Array {
  const p = acc.columns;
  const n = acc.rows;
  const cov = new Float64Array(p * p);
  let t = 0;
  for (let i = 0; i < p; i++) {
    for (let j = i; j < p; j++) {
      const v = (acc.sumXX[t++] as number) - ((acc.sumX[i] as number) * (acc.sumX[j] as number)) / n;
      cov[i * p + j] = v;
      cov[j * p + i] = v;
    }
  }
  return cov;
}

/**
 * Solves (A + λI)x = b for symmetric A with unit diagonal; null when a pivot falls below {@link COLLINEAR_PIVOT}. The
 * factorisation runs in WebAssembly (wasm/cholesky.wat, decision 0050), the same L to the bit as
 * {@link choleskySolveInJs}'s; the substitutions are the same TypeScript.
 */
export function choleskySolve(a: Float64Array, b: Float64Array, k: number, lambda: number): Float64Array | null {
  const l = choleskyFactor(a, k, lambda);
  if (l === undefined) return choleskySolveInJs(a, b, k, lambda);
  return l && substitute(l, b, k);
}

/** {@link choleskySolve} all in TypeScript: the reference the WebAssembly factorisation is tested against. */
export function choleskySolveInJs(a: Float64Array, b: Float64Array, k: number, lambda: number): Float64Array | null {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const ri = i * k;
    let j = 0;
    // Four, then two entries of row i left of the diagonal at a time: each load of row i serves every dot product
    // (the factorisation of 1,000 columns is 3.3e8 products), and the four sums are four chains of subtractions
    // the CPU runs side by side, where one sum waits on its last subtraction (decision 0042). Each sum subtracts
    // its terms in the same order as the loop below, the terms of the block's earlier entries (m = j, j + 1, …)
    // once those entries are known, so L is the same to the bit.
    for (; j + 3 < i; j += 4) {
      const r0 = j * k;
      const r1 = r0 + k;
      const r2 = r1 + k;
      const r3 = r2 + k;
      let s0 = (a[ri + j] as number) + 0;
      let s1 = (a[ri + j + 1] as number) + 0;
      let s2 = (a[ri + j + 2] as number) + 0;
      let s3 = (a[ri + j + 3] as number) + 0;
      for (let m = 0; m < j; m++) {
        const x = l[ri + m] as number;
        s0 -= x * (l[r0 + m] as number);
        s1 -= x * (l[r1 + m] as number);
        s2 -= x * (l[r2 + m] as number);
        s3 -= x * (l[r3 + m] as number);
      }
      const l0 = s0 / (l[r0 + j] as number);
      l[ri + j] = l0;
      s1 -= l0 * (l[r1 + j] as number);
      const l1 = s1 / (l[r1 + j + 1] as number);
      l[ri + j + 1] = l1;
      s2 -= l0 * (l[r2 + j] as number);
      s2 -= l1 * (l[r2 + j + 1] as number);
      const l2 = s2 / (l[r2 + j + 2] as number);
      l[ri + j + 2] = l2;
      s3 -= l0 * (l[r3 + j] as number);
      s3 -= l1 * (l[r3 + j + 1] as number);
      s3 -= l2 * (l[r3 + j + 2] as number);
      l[ri + j + 3] = s3 / (l[r3 + j + 3] as number);
    }
    for (; j + 1 < i; j += 2) {
      const rj = j * k;
      const rk = rj + k;
      let s0 = (a[ri + j] as number) + 0;
      let s1 = (a[ri + j + 1] as number) + 0;
      for (let m = 0; m < j; m++) {
        const x = l[ri + m] as number;
        s0 -= x * (l[rj + m] as number);
        s1 -= x * (l[rk + m] as number);
      }
      const lij = s0 / (l[rj + j] as number);
      l[ri + j] = lij;
      s1 -= lij * (l[rk + j] as number);
      l[ri + j + 1] = s1 / (l[rk + j + 1] as number);
    }
    for (; j <= i; j++) {
      let s = (a[i * k + j] as number) + (i === j ? lambda : 0);
      for (let m = 0; m < j; m++) s -= (l[i * k + m] as number) * (l[j * k + m] as number);
      if (i === j) {
        if (!(s > COLLINEAR_PIVOT)) return null;
        l[i * k + i] = Math.sqrt(s);
      } else {
        l[i * k + j] = s / (l[j * k + j] as number);
      }
    }
  }
  return substitute(l, b, k);
}

/** x with LLᵀx = b: forward then back substitution, each sum subtracted in order (L row-major, k × k). */
function substitute(l: Float64Array, b: Float64Array, k: number): Float64Array {
  const z = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i] as number;
    for (let m = 0; m < i; m++) s -= (l[i * k + m] as number) * (z[m] as number);
    z[i] = s / (l[i * k + i] as number);
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = z[i] as number;
    for (let m = i + 1; m < k; m++) s -= (l[m * k + i] as number) * (x[m] as number);
    x[i] = s / (l[i * k + i] as number);
  }
  return x;
}

/**
 * Permutation importance of a fitted surrogate: per feature, the rise in mean squared error of the surrogate's
 * prediction when that feature's columns are shuffled together across rows (one seeded Fisher–Yates shuffle per
 * repeat, averaged over `repeats`). Deterministic for a given seed. The design is column-major (column i's values
 * at xt[i·n …], as {@link surrogateColumns} gives it): a shuffled feature's values are read from one column, not
 * from a row of p values each (at 1,000 columns a row is 8 KB and every permuted read missed the cache). Each row's
 * prediction is the intercept plus its terms in column order.
 */
export function surrogatePermutationImportanceColumns(
  fit: SurrogateFit,
  design: SurrogateDesign,
  xt: Float64Array,
  y: Float64Array,
  random: () => number,
  repeats = 5,
): { feature: string; importance: number }[] {
  return permutationImportance(fit, design, xt, y, random, repeats, true);
}

/**
 * {@link surrogatePermutationImportanceColumns} all in TypeScript: the reference the WebAssembly kernel of numeric
 * features (wasm/permutation.wat, decision 0050) is tested against, to the bit, with the generator left in the same
 * state.
 */
export function surrogatePermutationImportanceColumnsInJs(
  fit: SurrogateFit,
  design: SurrogateDesign,
  xt: Float64Array,
  y: Float64Array,
  random: () => number,
  repeats = 5,
): { feature: string; importance: number }[] {
  return permutationImportance(fit, design, xt, y, random, repeats, false);
}

/** A generator whose state the kernel can take and give back: a {@link SeededRandom}. */
function seededState(random: () => number): SeededRandom | undefined {
  const r = random as Partial<SeededRandom>;
  return typeof r.getState === 'function' && typeof r.setState === 'function' && typeof r.shuffle === 'function'
    ? (random as SeededRandom)
    : undefined;
}

function permutationImportance(
  fit: SurrogateFit,
  design: SurrogateDesign,
  xt: Float64Array,
  y: Float64Array,
  random: () => number,
  repeats: number,
  wasm: boolean,
): { feature: string; importance: number }[] {
  const p = design.columns.length;
  const n = y.length;
  const beta = fit.coefficients;
  const predictions = new Float64Array(n).fill(fit.intercept);
  for (let i = 0; i < p; i++) {
    const b = beta[i] as number;
    const at = i * n;
    for (let r = 0; r < n; r++) predictions[r]! += b * (xt[at + r] as number);
  }
  let base = 0;
  for (let r = 0; r < n; r++) base += ((predictions[r] as number) - (y[r] as number)) ** 2;
  base /= Math.max(1, n);
  const order = new Int32Array(n);
  const second = new Int32Array(n);
  // A seeded generator's own shuffle (the same permutation, its steps inline), else the loop of calls.
  const shuffle =
    (random as Partial<SeededRandom>).shuffle ?? ((o: Int32Array, length: number) => fisherYates(o, length, random));
  const scale = Math.max(1, n);
  // Numeric features' repeats in WebAssembly when the generator's state can go there and back (decision 0050).
  const seeded = wasm && n > 0 && Number.isInteger(repeats) && repeats > 0 ? seededState(random) : undefined;
  const kernel = seeded && permutationKernel();
  const useKernel = kernel !== undefined && kernel.load(predictions, y, repeats);
  return design.features.map((f, idx) => {
    const from = design.offsets[idx] as number;
    const to = idx + 1 < design.offsets.length ? (design.offsets[idx + 1] as number) : p;
    let total = 0;
    let rep = 0;
    if (useKernel && seeded && to - from === 1) {
      seeded.setState(kernel.feature(xt.subarray(from * n, from * n + n), beta[from] as number, seeded.getState()));
      const sums = kernel.sums();
      for (; rep < repeats; rep++) total += (sums[rep] as number) / scale - base;
    } else if (to - from === 1)
      // A numeric feature's repeats two at a time: both shuffles drawn in turn, then both squared errors in one
      // loop, two independent sums (each still over r ascending, so the same to the bit) where one sum's chain
      // of additions was the loop's bound (decision 0042).
      for (; rep + 1 < repeats; rep += 2) {
        shuffle(order, n);
        shuffle(second, n);
        const b = beta[from] as number;
        const at = from * n;
        let mse = 0;
        let mse2 = 0;
        for (let r = 0; r < n; r++) {
          const own = xt[at + r] as number;
          mse +=
            ((predictions[r] as number) + b * ((xt[at + (order[r] as number)] as number) - own) - (y[r] as number)) **
            2;
          mse2 +=
            ((predictions[r] as number) + b * ((xt[at + (second[r] as number)] as number) - own) - (y[r] as number)) **
            2;
        }
        total += mse / scale - base;
        total += mse2 / scale - base;
      }
    for (; rep < repeats; rep++) {
      shuffle(order, n);
      let mse = 0;
      if (to - from === 1) {
        // One design column (a numeric feature): the loop below without its inner loop, the same arithmetic.
        const b = beta[from] as number;
        const at = from * n;
        for (let r = 0; r < n; r++) {
          const s =
            (predictions[r] as number) + b * ((xt[at + (order[r] as number)] as number) - (xt[at + r] as number));
          mse += (s - (y[r] as number)) ** 2;
        }
      } else
        for (let r = 0; r < n; r++) {
          // Swap this feature's part of the prediction for that of the permuted row.
          const q = order[r] as number;
          let s = predictions[r] as number;
          for (let i = from; i < to; i++)
            s += (beta[i] as number) * ((xt[i * n + q] as number) - (xt[i * n + r] as number));
          mse += (s - (y[r] as number)) ** 2;
        }
      total += mse / scale - base;
    }
    return { feature: f.name, importance: n > 0 ? total / repeats : Number.NaN };
  });
}
