/**
 * Multivariate drift by data reconstruction (docs/metrics.md, "Reconstruction error"), NannyML's
 * DataReconstructionDriftCalculator: the reference's features are imputed (numeric → mean, categorical → most
 * frequent), categoricals count-encoded (a category becomes its share of the reference; one the reference never
 * saw becomes 0), every column standardised, and a PCA keeps the fewest principal axes that explain more than 65%
 * of the variance. A row's reconstruction error is the Euclidean distance between its standardised vector and its
 * projection onto those axes: rows whose features move together as in the reference lie near the plane, and a
 * change in how they move together (a correlation that flips) pushes them off it even when every marginal
 * distribution stays the same, which univariate drift cannot see.
 *
 * tfjs computes the covariance of the reference (the n × d part of the fit) and the report's batch projection, in
 * float32 (docs/decisions/0012). The eigen-decomposition of the small d × d covariance is a float64 Jacobi
 * iteration: tfjs has no eigen solver. The per-event projection at ingest is float64, because accumulating a bucket
 * is synchronous and its runs are a few rows: a bucket's run in one call of a WebAssembly kernel
 * (`reconstructionErrorsOfRows`, docs/decisions/0048), one event from its raw values in a JS loop over the d × k axes
 * (`reconstructionError`).
 */
import { selectRows, VigilError, type Table } from '@vigil/core';
import { initCompute } from '../compute/compute-backend';
import { referenceEdges } from '../profile/binning';
import { asCategorical, asNumeric, requireColumn } from '../profile/reference-profile';
import { sortFinite } from '../sort/sort-finite';
import { KERNEL_ROWS, reconstructionKernel } from './reconstruction-kernel';

/** NannyML's default `n_components`: keep the principal axes that explain more than this share of the variance. */
export const EXPLAINED_VARIANCE = 0.65;
/** Bins of the reference's reconstruction errors (quantiles), the fixed histogram streaming windows count into. */
export const ERROR_BINS = 20;
/** Reference chunks' mean ± this many standard deviations is the band (NannyML's StandardDeviationThreshold). */
export const BAND_SIGMAS = 3;
/**
 * Features a reconstruction is fitted over at most: the fit costs n·d² (covariance) and d³ per Jacobi sweep, so a
 * wide file (a thousand columns) would spend minutes on a section meant to be a glance.
 */
export const MAX_RECONSTRUCTION_FEATURES = 200;
/** Rows per tfjs batch: bounds the float32 tensors of a fit or projection whatever the file's size. */
const BATCH_ROWS = 65_536;

export type ReconstructionInput =
  | {
      readonly name: string;
      readonly kind: 'numeric';
      readonly fill: number;
      readonly mean: number;
      readonly scale: number;
    }
  | {
      readonly name: string;
      readonly kind: 'categorical';
      readonly categories: readonly string[];
      /** Each category's share of the reference rows, after imputation (NannyML's CountEncoder, normalize=True). */
      readonly shares: readonly number[];
      /** The most frequent category, which a missing value becomes; null when the reference has no value at all. */
      readonly fill: string | null;
      readonly mean: number;
      readonly scale: number;
    };

/**
 * Whether the fit kept every principal axis (features that hardly move together, such as two independent ones): each
 * row is then rebuilt exactly, its error is rounding noise (~1e-8), and a verdict on it would be chance, not drift.
 * Neither `vigil report` nor a streaming window judges it then.
 */
export function rebuildsExactly(model: DataReconstruction): boolean {
  return model.components >= model.inputs.length;
}

/** The fitted transform, stored in the reference profile (JSON). */
export interface DataReconstruction {
  readonly inputs: readonly ReconstructionInput[];
  /** Principal axes, row-major: axis j is `axes[j·d … j·d + d − 1]` (unit length, d = inputs.length). */
  readonly axes: readonly number[];
  readonly components: number;
  /** Share of the variance each kept axis explains. */
  readonly explainedVariance: readonly number[];
  /** The reference rows' own reconstruction errors: what a window's mean error is compared with. */
  readonly reference: ErrorMoments & {
    /** Interior edges of the fixed error histogram (reference quantiles, `referenceEdges`). */
    readonly edges: readonly number[];
    readonly counts: readonly number[];
  };
}

/** Additive moments of reconstruction errors: a window's or a chunk's. */
export interface ErrorMoments {
  readonly rows: number;
  readonly sum: number;
  readonly sumSquares: number;
}

/**
 * Fits the transform on the reference rows. Also returns each reference row's error, in row order (the report cuts
 * them into chunks for its band).
 */
export async function fitDataReconstruction(
  raw: Table,
  features: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical' }[],
): Promise<{ model: DataReconstruction; errors: Float64Array }> {
  // Fitted on the rows in a canonical order (sorted by their values), so the floating-point sums, and so the fitted
  // transform, do not depend on the order of a file or of the events a reference range was read from.
  const order = canonicalOrder(raw, features);
  const table = selectRows(
    { ...raw, columns: new Map(features.map((f) => [f.name, requireColumn(raw, f.name)])) },
    order,
  );
  const n = raw.rowCount;
  if (features.length < 2)
    throw new VigilError(
      'VIGIL_BAD_VALUE',
      `${table.source}: data reconstruction needs at least two features, not ${features.length}`,
    );
  if (n < 2)
    throw new VigilError('VIGIL_BAD_VALUE', `${table.source}: data reconstruction needs at least two reference rows`);
  const inputs = features.map((f) =>
    f.kind === 'numeric' ? fitNumericInput(table, f.name) : fitCategoricalInput(table, f.name),
  );
  const d = inputs.length;
  const { tf } = await initCompute();
  // The covariance of the standardised (mean-zero) columns, XᵀX / n: the one n × d pass of the fit, a batch of rows
  // at a time so that the float32 copy of the file stays bounded.
  let covariance = tf.zeros([d, d]);
  for (let start = 0; start < n; start += BATCH_ROWS) {
    const rows = Math.min(BATCH_ROWS, n - start);
    const x = standardised(inputs, table, start, start + rows);
    const next = tf.tidy(() => {
      const xs = tf.tensor2d(x, [rows, d]);
      return tf.add(covariance, tf.div(tf.matMul(xs, xs, true, false), n));
    });
    covariance.dispose();
    covariance = next;
  }
  const c = Float64Array.from(await covariance.data());
  covariance.dispose();
  for (let i = 0; i < d; i++)
    for (let j = 0; j < i; j++) c[i * d + j] = c[j * d + i] = ((c[i * d + j] as number) + (c[j * d + i] as number)) / 2;
  const { values, vectors } = symmetricEigen(c, d);
  const byVariance = Array.from({ length: d }, (_, i) => i).sort(
    (a, b) => (values[b] as number) - (values[a] as number),
  );
  const total = byVariance.reduce((t, i) => t + Math.max(values[i] as number, 0), 0);
  // scikit-learn's rule for a fractional n_components: the fewest axes whose cumulative ratio exceeds it.
  let components = 0;
  let cumulative = 0;
  const explainedVariance: number[] = [];
  while (components < d && (components === 0 || cumulative <= EXPLAINED_VARIANCE)) {
    const ratio = total > 0 ? Math.max(values[byVariance[components] as number] as number, 0) / total : 0;
    explainedVariance.push(ratio);
    cumulative += ratio;
    components++;
  }
  const axes: number[] = [];
  for (let j = 0; j < components; j++)
    for (let i = 0; i < d; i++) axes.push(vectors[i * d + (byVariance[j] as number)] as number);
  const partial = { inputs, axes, components, explainedVariance };
  const canonical = await projectErrors(partial, table);
  const sorted = sortFinite(canonical);
  const edges = referenceEdges(sorted, ERROR_BINS);
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const e of canonical) counts[binOf(edges, e)]!++;
  const errors = new Float64Array(n);
  order.forEach((row, i) => (errors[row] = canonical[i] as number));
  return { model: { ...partial, reference: { ...moments(canonical), edges, counts } }, errors };
}

/** Row numbers sorted by the rows' feature values (numbers ascending, then categories by name; missing last). */
function canonicalOrder(
  table: Table,
  features: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical' }[],
): Int32Array {
  const keys = features.map((f): ((a: number, b: number) => number) => {
    const column = requireColumn(table, f.name);
    if (f.kind === 'numeric') {
      const v = asNumeric(table, column).values;
      return (a, b) => {
        const x = v[a] as number;
        const y = v[b] as number;
        return x === y || (x !== x && y !== y) ? 0 : x !== x ? 1 : y !== y ? -1 : x < y ? -1 : 1;
      };
    }
    const c = asCategorical(column);
    // Ranks of the categories by name, so the order does not depend on the dictionary's order.
    const names = c.categories
      .map((name, code) => [name, code] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const rank = new Int32Array(c.categories.length);
    names.forEach(([, code], r) => (rank[code] = r));
    const missing = c.categories.length;
    const at = (row: number): number =>
      (c.codes[row] as number) < 0 ? missing : (rank[c.codes[row] as number] as number);
    return (a, b) => at(a) - at(b);
  });
  const rows = Array.from({ length: table.rowCount }, (_, i) => i);
  rows.sort((a, b) => {
    for (const key of keys) {
      const k = key(a, b);
      if (k !== 0) return k;
    }
    return 0;
  });
  return Int32Array.from(rows);
}

/** Each row's reconstruction error, projected with tfjs in batches (float32). */
export async function reconstructionErrors(model: DataReconstruction, table: Table): Promise<Float64Array> {
  return projectErrors(model, table);
}

/**
 * One event's reconstruction error in float64, from its raw feature values (numbers, strings, or null/undefined
 * for missing) in `model.inputs` order: the projection done at ingest.
 */
export function reconstructionError(
  model: DataReconstruction,
  values: readonly (number | string | null | undefined)[],
  scratch?: Float64Array,
): number {
  const d = model.inputs.length;
  const z = scratch ?? new Float64Array(d);
  model.inputs.forEach((input, i) => {
    const v = values[i];
    z[i] =
      input.kind === 'numeric'
        ? encodeNumber(input, typeof v === 'number' ? v : Number.NaN)
        : encodeCategory(input, v === null || v === undefined ? null : String(v));
  });
  return residualNorm(model, z, 0);
}

/** An input's column as {@link reconstructionErrorsOfRows} standardises it: numeric, or categorical by code. */
type StandardisedColumn =
  | { readonly values: Float64Array; readonly fill: number; readonly mean: number; readonly scale: number }
  | { readonly codes: Int32Array; readonly encoded: Float64Array; readonly missing: number };

/**
 * The errors of rows `start … end − 1` of `table` (ingest: a bucket's run of rows). The rows are standardised column
 * by column straight into the WebAssembly kernel's memory, one row-major block of up to {@link KERNEL_ROWS} rows (a
 * typed loop per column instead of a reader closure per cell), and the kernel projects the whole block in one call
 * (wasm/reconstruction.wat, docs/decisions/0048): f64x2 sums that add the same products in the same order as
 * {@link projectedResidual}, itself the same operations in the same order as {@link residualNorm}, so the same doubles.
 */
export function reconstructionErrorsOfRows(
  model: DataReconstruction,
  table: Table,
  start = 0,
  end = table.rowCount,
): Float64Array {
  const d = model.inputs.length;
  const n = Math.max(end - start, 0);
  const out = new Float64Array(n);
  if (n === 0) return out;
  // Each input as a typed loop's parts: a numeric column and its encoding, or a categorical one's codes and each
  // code's encoded value.
  const columns = model.inputs.map((input): StandardisedColumn => {
    const column = requireColumn(table, input.name);
    if (input.kind === 'numeric') {
      const { fill, mean, scale } = input;
      return { values: asNumeric(table, column).values, fill, mean, scale };
    }
    const col = asCategorical(column);
    const position = new Map(input.categories.map((c, at) => [c, at]));
    const encoded = Float64Array.from(col.categories, (c) => encodeCategory(input, c, position));
    return { codes: col.codes, encoded, missing: encodeCategory(input, null, position) };
  });
  const kernel = reconstructionKernel();
  kernel.load(axesArray(model), d, model.components);
  const z = kernel.rows;
  for (let from = start; from < start + n; from += KERNEL_ROWS) {
    const rows = Math.min(KERNEL_ROWS, start + n - from);
    columns.forEach((c, i) => {
      if ('values' in c) {
        const { values, fill, mean, scale } = c;
        for (let r = 0; r < rows; r++) {
          const v = values[from + r] as number;
          // encodeNumber, written out.
          z[r * d + i] = ((v === v ? v : fill) - mean) / scale;
        }
      } else {
        const { codes, encoded, missing } = c;
        for (let r = 0; r < rows; r++) {
          const code = codes[from + r] as number;
          z[r * d + i] = code < 0 ? missing : (encoded[code] as number);
        }
      }
    });
    out.set(kernel.errors(rows), from - start);
  }
  return out;
}

/**
 * {@link residualNorm} of `z[offset … offset + d − 1]` with typed axes, four sums at a time: each sum still adds
 * the same products in the same order (so the same doubles), but four independent sums keep the FPU busy where one
 * chain of dependent additions waited on each (bench: 0.63 → 0.34 µs a row for 20 inputs and 13 axes). Ingest ran
 * it per row until the WebAssembly kernel (reconstruction-kernel.ts) took over; it stays as the kernel's reference,
 * which the kernel's tests hold it to bit for bit.
 */
export function projectedResidual(
  axes: Float64Array,
  d: number,
  k: number,
  z: Float64Array,
  offset: number,
  p: Float64Array,
): number {
  let j = 0;
  for (; j + 4 <= k; j += 4) {
    const r0 = j * d;
    const r1 = r0 + d;
    const r2 = r1 + d;
    const r3 = r2 + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < d; i++) {
      const x = z[offset + i] as number;
      s0 += (axes[r0 + i] as number) * x;
      s1 += (axes[r1 + i] as number) * x;
      s2 += (axes[r2 + i] as number) * x;
      s3 += (axes[r3 + i] as number) * x;
    }
    p[j] = s0;
    p[j + 1] = s1;
    p[j + 2] = s2;
    p[j + 3] = s3;
  }
  for (; j < k; j++) {
    const r0 = j * d;
    let s = 0;
    for (let i = 0; i < d; i++) s += (axes[r0 + i] as number) * (z[offset + i] as number);
    p[j] = s;
  }
  let projected = 0;
  let i = 0;
  for (; i + 4 <= d; i += 4) {
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let c = 0; c < k; c++) {
      const pc = p[c] as number;
      const at = c * d + i;
      b0 += (axes[at] as number) * pc;
      b1 += (axes[at + 1] as number) * pc;
      b2 += (axes[at + 2] as number) * pc;
      b3 += (axes[at + 3] as number) * pc;
    }
    const e0 = (z[offset + i] as number) - b0;
    const e1 = (z[offset + i + 1] as number) - b1;
    const e2 = (z[offset + i + 2] as number) - b2;
    const e3 = (z[offset + i + 3] as number) - b3;
    projected += e0 * e0;
    projected += e1 * e1;
    projected += e2 * e2;
    projected += e3 * e3;
  }
  for (; i < d; i++) {
    let back = 0;
    for (let c = 0; c < k; c++) back += (axes[c * d + i] as number) * (p[c] as number);
    const e = (z[offset + i] as number) - back;
    projected += e * e;
  }
  return Math.sqrt(projected);
}

/** A model's axes as a Float64Array, made once per (immutable, loaded) model. */
const typedAxes = new WeakMap<DataReconstruction, Float64Array>();

function axesArray(model: DataReconstruction): Float64Array {
  let axes = typedAxes.get(model);
  if (axes === undefined || axes.length !== model.axes.length) {
    axes = Float64Array.from(model.axes);
    typedAxes.set(model, axes);
  }
  return axes;
}

export function moments(errors: ArrayLike<number>, start = 0, end = errors.length): ErrorMoments {
  let rows = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = start; i < end; i++) {
    const e = errors[i] as number;
    if (e !== e) continue;
    rows++;
    sum += e;
    sumSquares += e * e;
  }
  return { rows, sum, sumSquares };
}

/** Mean and sample standard deviation (ddof 1, as NannyML's sampling error) of additive moments. */
export function meanAndStd(m: ErrorMoments): { mean: number; std: number } {
  const mean = m.rows > 0 ? m.sum / m.rows : Number.NaN;
  const variance = m.rows > 1 ? Math.max(m.sumSquares - m.rows * mean * mean, 0) / (m.rows - 1) : Number.NaN;
  return { mean, std: Math.sqrt(variance) };
}

export interface ReconstructionBand {
  /** Mean of the reference chunks' (or rows') errors. */
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
  /** Rows per reference chunk: the current data's rows. */
  readonly chunkSize: number;
  /**
   * `chunks`: mean ± 3σ of the means of the reference's whole chunks of `chunkSize` rows, as NannyML's thresholds
   * (needs two chunks or more). `sampling`: the reference rows' mean ± 3σ/√chunkSize, the same band under
   * independent rows, for a reference shorter than two chunks and for streaming windows (which keep no raw rows).
   */
  readonly method: 'chunks' | 'sampling';
  readonly chunks: number;
}

/** The band of reference chunks of `chunkSize` rows, from the reference rows' errors in row order. */
export function chunkBand(errors: Float64Array, chunkSize: number): ReconstructionBand {
  const chunks = chunkSize > 0 ? Math.floor(errors.length / chunkSize) : 0;
  if (chunks < 2) return samplingBand(moments(errors), chunkSize);
  const means: number[] = [];
  for (let c = 0; c < chunks; c++) {
    const m = moments(errors, c * chunkSize, (c + 1) * chunkSize);
    means.push(m.sum / m.rows);
  }
  const mean = means.reduce((t, v) => t + v, 0) / chunks;
  // np.nanstd: population standard deviation of the chunk values.
  const std = Math.sqrt(means.reduce((t, v) => t + (v - mean) ** 2, 0) / chunks);
  return {
    mean,
    lower: Math.max(mean - BAND_SIGMAS * std, 0),
    upper: mean + BAND_SIGMAS * std,
    chunkSize,
    method: 'chunks',
    chunks,
  };
}

/** mean ± 3σ/√n from the reference rows' moments: the band of an n-row window without the reference's raw rows. */
export function samplingBand(reference: ErrorMoments, chunkSize: number): ReconstructionBand {
  const { mean, std } = meanAndStd(reference);
  const half = chunkSize > 0 ? (BAND_SIGMAS * std) / Math.sqrt(chunkSize) : Number.NaN;
  return { mean, lower: Math.max(mean - half, 0), upper: mean + half, chunkSize, method: 'sampling', chunks: 0 };
}

/** The histogram bin of an error (`binIndex` of the reference edges). */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function fitNumericInput(table: Table, name: string): ReconstructionInput {
  const values = asNumeric(table, requireColumn(table, name)).values;
  let present = 0;
  let sum = 0;
  for (const v of values) {
    if (v !== v) continue;
    present++;
    sum += v;
  }
  const fill = present > 0 ? sum / present : 0;
  // StandardScaler after SimpleImputer(mean): missing rows count, at the mean, so they add nothing to the squares.
  let ss = 0;
  for (const v of values) if (v === v) ss += (v - fill) ** 2;
  return { name, kind: 'numeric', fill, mean: fill, scale: scaleOf(Math.sqrt(ss / values.length), fill) };
}

function fitCategoricalInput(table: Table, name: string): ReconstructionInput {
  const column = asCategorical(requireColumn(table, name));
  const counts = new Array<number>(column.categories.length).fill(0);
  let missing = 0;
  for (const c of column.codes) {
    if (c < 0) missing++;
    else counts[c]!++;
  }
  const present = column.categories.map((c, i) => [c, counts[i] as number] as const).filter(([, k]) => k > 0);
  present.sort(([a, m], [b, k]) => k - m || (a < b ? -1 : a > b ? 1 : 0));
  // SimpleImputer(most_frequent): ties go to the smallest value, as scipy's mode does.
  const top =
    present.length > 0
      ? present
          .filter(([, k]) => k === present[0]![1])
          .map(([c]) => c)
          .sort()[0]!
      : null;
  const n = column.codes.length;
  const categories = present.map(([c]) => c);
  const shares = present.map(([c, k]) => (k + (c === top ? missing : 0)) / n);
  let mean = 0;
  for (let i = 0; i < shares.length; i++) mean += (shares[i] as number) * (shares[i] as number);
  let ss = 0;
  for (let i = 0; i < shares.length; i++) ss += (shares[i] as number) * n * ((shares[i] as number) - mean) ** 2;
  return { name, kind: 'categorical', categories, shares, fill: top, mean, scale: scaleOf(Math.sqrt(ss / n), mean) };
}

/** StandardScaler leaves a constant column unscaled (its `_handle_zeros_in_scale`: a scale that small becomes 1). */
function scaleOf(std: number, mean: number): number {
  return std < 10 * Number.EPSILON * Math.max(Math.abs(mean), 1) ? 1 : std;
}

function encodeNumber(input: Extract<ReconstructionInput, { kind: 'numeric' }>, v: number): number {
  return ((v === v ? v : input.fill) - input.mean) / input.scale;
}

function encodeCategory(
  input: Extract<ReconstructionInput, { kind: 'categorical' }>,
  value: string | null,
  position?: ReadonlyMap<string, number>,
): number {
  const at = (position ?? new Map(input.categories.map((c, i) => [c, i]))).get(value ?? input.fill ?? '');
  const share = at === undefined ? 0 : (input.shares[at] as number);
  return (share - input.mean) / input.scale;
}

function columnReader(input: ReconstructionInput, table: Table): (row: number) => number {
  const column = requireColumn(table, input.name);
  if (input.kind === 'numeric') {
    const values = asNumeric(table, column).values;
    return (row) => encodeNumber(input, values[row] as number);
  }
  const col = asCategorical(column);
  const position = new Map(input.categories.map((c, i) => [c, i]));
  const encoded = col.categories.map((c) => encodeCategory(input, c, position));
  const missing = encodeCategory(input, null, position);
  return (row) => {
    const code = col.codes[row] as number;
    return code < 0 ? missing : (encoded[code] as number);
  };
}

/** The standardised rows `start … end − 1` of `table`, row-major float32 (what tfjs takes). */
function standardised(inputs: readonly ReconstructionInput[], table: Table, start: number, end: number): Float32Array {
  const d = inputs.length;
  const x = new Float32Array((end - start) * d);
  inputs.forEach((input, i) => {
    const read = columnReader(input, table);
    for (let r = start; r < end; r++) x[(r - start) * d + i] = read(r);
  });
  return x;
}

function residualNorm(
  model: Pick<DataReconstruction, 'axes' | 'components' | 'inputs'>,
  z: Float64Array,
  offset: number,
  p = new Float64Array(model.components),
): number {
  const d = model.inputs.length;
  const axes = model.axes;
  let projected = 0;
  // ‖z − VᵀVz‖ written out per coordinate: the difference form keeps small errors exact where ‖z‖² − ‖Vz‖² would cancel.
  for (let j = 0; j < model.components; j++) {
    let s = 0;
    for (let i = 0; i < d; i++) s += (axes[j * d + i] as number) * (z[offset + i] as number);
    p[j] = s;
  }
  for (let i = 0; i < d; i++) {
    let back = 0;
    for (let j = 0; j < model.components; j++) back += (axes[j * d + i] as number) * (p[j] as number);
    const r = (z[offset + i] as number) - back;
    projected += r * r;
  }
  return Math.sqrt(projected);
}

async function projectErrors(
  model: Pick<DataReconstruction, 'axes' | 'components' | 'inputs'>,
  table: Table,
): Promise<Float64Array> {
  const { tf } = await initCompute();
  const n = table.rowCount;
  const d = model.inputs.length;
  const k = model.components;
  const out = new Float64Array(n);
  const axes = tf.tensor2d(Float32Array.from(model.axes), [k, d]);
  try {
    for (let start = 0; start < n; start += BATCH_ROWS) {
      const rows = Math.min(BATCH_ROWS, n - start);
      const norms = tf.tidy(() => {
        const z = tf.tensor2d(standardised(model.inputs, table, start, start + rows), [rows, d]);
        const back = tf.matMul(tf.matMul(z, axes, false, true), axes);
        return tf.sqrt(tf.sum(tf.square(tf.sub(z, back)), 1));
      });
      out.set(await norms.data(), start);
      norms.dispose();
    }
  } finally {
    axes.dispose();
  }
  return out;
}

/**
 * Eigenvalues and eigenvectors of a symmetric d × d matrix (row-major) by cyclic Jacobi rotations, in float64.
 * `vectors` is row-major with eigenvector j in column j.
 */
export function symmetricEigen(matrix: Float64Array, d: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let scale = 0;
  for (const x of a) scale += x * x;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += (a[p * d + q] as number) ** 2;
    if (off <= 1e-30 * scale || off === 0) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q] as number;
        if (apq === 0) continue;
        const theta = ((a[q * d + q] as number) - (a[p * d + p] as number)) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p] as number;
          const akq = a[k * d + q] as number;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k] as number;
          const aqk = a[q * d + k] as number;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p] as number;
          const vkq = v[k * d + q] as number;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => a[i * d + i] as number), vectors: v };
}
