/**
 * A linear surrogate of the model (docs/explanations.md#without-logged-attributions-the-linear-surrogate): ordinary least squares of the score's logit
 * (binary) or the score itself (regression) on the features standardised by the reference profile, for teams that
 * log features and scores but no attributions. Only its sufficient statistics are kept (n, Σx, Σy, Σy², Xᵀy and
 * the upper triangle of XᵀX), so buckets merge by addition, survive restarts as JSON, and a window is solved from
 * the sum of its buckets. The solve is a float64 Cholesky in TypeScript, not tfjs (docs/decisions/0014).
 */
import { MISSING_CODE, VigilError, type Table } from '@vigil/core';
import type { AnalysisSpec } from '../profile/analysis-spec';
import { asCategorical, asNumeric, requireColumn, type ReferenceProfile } from '../profile/reference-profile';

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
      const usable = Number.isFinite(f.std) && f.std > 0;
      out.push({
        name: f.name,
        kind: 'numeric',
        mean: Number.isFinite(f.mean) ? f.mean : 0,
        scale: usable ? f.std : 1,
      });
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
    if (Number.isNaN(y[i])) complete[i] = 0;
  }
  design.features.forEach((f, k) => {
    const at = design.offsets[k] as number;
    const column = requireColumn(table, f.name);
    if (f.kind === 'numeric') {
      const values = asNumeric(table, column).values.subarray(from, to);
      for (let i = 0; i < n; i++) {
        const v = values[i] as number;
        if (v !== v) complete[i] = 0;
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
 * {@link addSurrogateRows} for wide designs: a block of rows is copied column-major, then every pair of columns is
 * one dot product over the block added to the triangle (two rows of the triangle at a time, so each value of the
 * other column is loaded once for both). The same sums, in another order of addition (each block summed first).
 * A column all zeros in the block (a one-hot indicator, mostly) is skipped, as the per-row loop skips zeros.
 */
function addWideSurrogateRows(acc: SurrogateAccumulator, x: Float64Array, y: Float64Array): void {
  const p = acc.columns;
  const { sumX, sumXY, sumXX } = acc;
  const B = SURROGATE_BLOCK_ROWS;
  const cols = new Float64Array(p * B);
  const nonzero = new Uint8Array(p);
  for (let r0 = 0; r0 < y.length; r0 += B) {
    const b = Math.min(B, y.length - r0);
    for (let r = 0; r < b; r++) {
      const yr = y[r0 + r] as number;
      acc.sumY += yr;
      acc.sumYY += yr * yr;
      const row = (r0 + r) * p;
      for (let i = 0; i < p; i++) cols[i * B + r] = x[row + i] as number;
    }
    for (let i = 0; i < p; i++) {
      const ci = i * B;
      let sx = 0;
      let sxy = 0;
      let any = 0;
      for (let r = 0; r < b; r++) {
        const v = cols[ci + r] as number;
        if (v !== 0) any = 1;
        sx += v;
        sxy += v * (y[r0 + r] as number);
      }
      nonzero[i] = any;
      if (any === 0) continue;
      sumX[i]! += sx;
      sumXY[i]! += sxy;
    }
    let t = 0; // start of triangle row i
    for (let i = 0; i < p; i += 2) {
      const ci = i * B;
      const pair = i + 1 < p && nonzero[i + 1] === 1;
      const ck = ci + B;
      let u = t + 1; // (i, i+1) …
      let v = t + (p - i); // (i+1, i+1) …
      const useI = nonzero[i] === 1;
      if (useI) {
        let s = 0;
        for (let r = 0; r < b; r++) s += (cols[ci + r] as number) * (cols[ci + r] as number);
        sumXX[t]! += s;
      }
      if (pair) {
        let s = 0;
        for (let r = 0; r < b; r++) s += (cols[ck + r] as number) * (cols[ck + r] as number);
        sumXX[v]! += s;
      }
      v++;
      for (let j = i + 1; j < p; j++, u++) {
        // Rows i and i+1 against columns j and j+1 at once: four sums from four loads a row instead of two sums
        // from three. Each sum still runs over the block's rows in order, so every figure is the same to the bit.
        if (useI && pair && j > i + 1 && j + 1 < p && nonzero[j] === 1 && nonzero[j + 1] === 1) {
          const cj = j * B;
          const cl = cj + B;
          let s00 = 0;
          let s01 = 0;
          let s10 = 0;
          let s11 = 0;
          for (let r = 0; r < b; r++) {
            const xi = cols[ci + r] as number;
            const xk = cols[ck + r] as number;
            const xj = cols[cj + r] as number;
            const xl = cols[cl + r] as number;
            s00 += xi * xj;
            s01 += xi * xl;
            s10 += xk * xj;
            s11 += xk * xl;
          }
          sumXX[u]! += s00;
          sumXX[u + 1]! += s01;
          sumXX[v]! += s10;
          sumXX[v + 1]! += s11;
          u++;
          v += 2;
          j++;
          continue;
        }
        if (nonzero[j] === 0) {
          if (j > i + 1) v++;
          continue;
        }
        const cj = j * B;
        if (useI && pair && j > i + 1) {
          let s0 = 0;
          let s1 = 0;
          for (let r = 0; r < b; r++) {
            const c = cols[cj + r] as number;
            s0 += (cols[ci + r] as number) * c;
            s1 += (cols[ck + r] as number) * c;
          }
          sumXX[u]! += s0;
          sumXX[v++]! += s1;
          continue;
        }
        if (useI) {
          let s0 = 0;
          for (let r = 0; r < b; r++) s0 += (cols[ci + r] as number) * (cols[cj + r] as number);
          sumXX[u]! += s0;
        }
        if (pair && j > i + 1) {
          let s1 = 0;
          for (let r = 0; r < b; r++) s1 += (cols[ck + r] as number) * (cols[cj + r] as number);
          sumXX[v]! += s1;
        }
        if (j > i + 1) v++;
      }
      // Past rows i and i+1 of the triangle.
      t += p - i + (i + 1 < p ? p - i - 1 : 0);
    }
  }
  acc.rows += y.length;
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

/** Solves (A + λI)x = b for symmetric A with unit diagonal; null when a pivot falls below {@link COLLINEAR_PIVOT}. */
export function choleskySolve(a: Float64Array, b: Float64Array, k: number, lambda: number): Float64Array | null {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const ri = i * k;
    let j = 0;
    // Two entries of row i left of the diagonal at a time: each load of row i serves both dot products (the
    // factorisation of 1,000 columns is 3.3e8 products). Each sum subtracts its terms in the same order as the
    // loop below, the last term of the second (m = j) once the first entry is known, so L is the same to the bit.
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
 * Permutation importance of a fitted surrogate on raw design rows: per feature, the rise in mean squared error of
 * the surrogate's prediction when that feature's columns are shuffled together across rows (one seeded
 * Fisher–Yates shuffle per repeat, averaged over `repeats`). Deterministic for a given seed.
 */
export function surrogatePermutationImportance(
  fit: SurrogateFit,
  design: SurrogateDesign,
  x: Float64Array,
  y: Float64Array,
  random: () => number,
  repeats = 5,
): { feature: string; importance: number }[] {
  const p = design.columns.length;
  const n = y.length;
  const beta = fit.coefficients;
  const predictions = new Float64Array(n);
  let base = 0;
  for (let r = 0; r < n; r++) {
    let s = fit.intercept;
    for (let i = 0; i < p; i++) s += (beta[i] as number) * (x[r * p + i] as number);
    predictions[r] = s;
    base += (s - (y[r] as number)) ** 2;
  }
  base /= Math.max(1, n);
  // Column-major, so a shuffled feature's values are read from one column, not from a row of p values each: at
  // 1,000 columns a row is 8 KB and every permuted read missed the cache. The same arithmetic.
  const xt = new Float64Array(n * p);
  for (let r = 0; r < n; r++) for (let i = 0; i < p; i++) xt[i * n + r] = x[r * p + i] as number;
  const order = new Int32Array(n);
  return design.features.map((f, idx) => {
    const from = design.offsets[idx] as number;
    const to = idx + 1 < design.offsets.length ? (design.offsets[idx + 1] as number) : p;
    let total = 0;
    for (let rep = 0; rep < repeats; rep++) {
      for (let r = 0; r < n; r++) order[r] = r;
      for (let r = n - 1; r > 0; r--) {
        const j = Math.floor(random() * (r + 1));
        const t = order[r] as number;
        order[r] = order[j] as number;
        order[j] = t;
      }
      let mse = 0;
      for (let r = 0; r < n; r++) {
        // Swap this feature's part of the prediction for that of the permuted row.
        const q = order[r] as number;
        let s = predictions[r] as number;
        for (let i = from; i < to; i++)
          s += (beta[i] as number) * ((xt[i * n + q] as number) - (xt[i * n + r] as number));
        mse += (s - (y[r] as number)) ** 2;
      }
      total += mse / Math.max(1, n) - base;
    }
    return { feature: f.name, importance: n > 0 ? total / repeats : Number.NaN };
  });
}
