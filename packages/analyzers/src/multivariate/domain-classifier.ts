/**
 * The domain classifier (docs/report.md, "Domain classifier"): a logistic regression (`trainLogisticModel`, tfjs)
 * learns to tell current rows (1) from reference rows (0), and its ROC AUC on held-out rows, averaged over k
 * stratified folds, says how different the two files are: 0.5 when they cannot be told apart, towards 1 as they
 * separate. The folds and the sample are drawn from a seeded generator, so a report is the same on every run.
 *
 * A linear model sees what moves a feature's location or a category's frequency; a change only in how features
 * move together (a correlation that flips) leaves it at 0.5, which is what the reconstruction error is for.
 */
import { seededRandom, type CategoricalColumn, type Column, type Table } from '@vigil/core';
import { trainLogisticModel, scoreLogisticModel } from '../model/logistic-model';
import { asCategorical, asNumeric, requireColumn } from '../profile/reference-profile';
import type { DomainClassifier } from '../report/report-types';
import { rocAuc } from '../stats/classification';

export interface DomainClassifierOptions {
  /** @defaultValue 5 */
  folds?: number;
  /** @defaultValue 14 */
  seed?: number;
  /** Rows taken from each file at most (a seeded sample beyond), bounding the cost of training k models. @defaultValue 10000 */
  maxRowsPerFile?: number;
  /** @defaultValue 200 */
  epochs?: number;
}

export async function domainClassifier(
  reference: Table,
  current: Table,
  features: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical' }[],
  options: DomainClassifierOptions = {},
): Promise<DomainClassifier> {
  const folds = options.folds ?? 5;
  const seed = options.seed ?? 14;
  const cap = options.maxRowsPerFile ?? 10_000;
  const random = seededRandom(seed);
  const refRows = sample(reference.rowCount, cap, random);
  const curRows = sample(current.rowCount, cap, random);
  const table = stack(reference, refRows, current, curRows, features);
  const n = refRows.length + curRows.length;
  const labels = new Float64Array(n);
  labels.fill(1, refRows.length);
  // Stratified folds: each class shuffled on its own and dealt round-robin, so every fold holds both files.
  const fold = new Int32Array(n);
  for (const [start, count] of [
    [0, refRows.length],
    [refRows.length, curRows.length],
  ] as const) {
    const order = shuffled(count, random);
    order.forEach((k, position) => (fold[start + k] = position % folds));
  }
  const foldAuc: number[] = [];
  for (let f = 0; f < folds; f++) {
    const train = Float64Array.from(labels, (y, i) => (fold[i] === f ? Number.NaN : y));
    const model = await trainLogisticModel(table, features, train, { epochs: options.epochs ?? 200 });
    const scores = scoreLogisticModel(model, table);
    const held = [...fold.keys()].filter((i) => fold[i] === f);
    foldAuc.push(
      rocAuc(
        Float64Array.from(held, (i) => scores[i] as number),
        Float64Array.from(held, (i) => labels[i] as number),
      ),
    );
  }
  return {
    auc: foldAuc.reduce((t, v) => t + v, 0) / folds,
    foldAuc,
    folds,
    seed,
    rows: { reference: refRows.length, current: curRows.length },
    model: 'logistic-regression',
  };
}

/** `count` row numbers of `rows` in order: all of them, or a seeded sample of `cap`. */
function sample(rows: number, cap: number, random: () => number): number[] {
  if (rows <= cap) return Array.from({ length: rows }, (_, i) => i);
  return shuffled(rows, random)
    .slice(0, cap)
    .sort((a, b) => a - b);
}

function shuffled(count: number, random: () => number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** The chosen reference rows, then the chosen current rows, as one table of the features (categories merged). */
function stack(
  reference: Table,
  refRows: readonly number[],
  current: Table,
  curRows: readonly number[],
  features: readonly { name: string; kind: string }[],
): Table {
  const columns = new Map<string, Column>();
  for (const f of features) {
    const a = requireColumn(reference, f.name);
    const b = requireColumn(current, f.name);
    if (f.kind === 'numeric') {
      const x = asNumeric(reference, a).values;
      const y = asNumeric(current, b).values;
      const values = new Float64Array(refRows.length + curRows.length);
      refRows.forEach((r, i) => (values[i] = x[r] as number));
      curRows.forEach((r, i) => (values[refRows.length + i] = y[r] as number));
      columns.set(f.name, { name: f.name, kind: 'numeric', values });
    } else {
      const categories: string[] = [];
      const index = new Map<string, number>();
      const remap = (c: CategoricalColumn): number[] =>
        c.categories.map((name) => {
          let at = index.get(name);
          if (at === undefined) index.set(name, (at = categories.push(name) - 1));
          return at;
        });
      const x = asCategorical(a);
      const y = asCategorical(b);
      const mx = remap(x);
      const my = remap(y);
      const codes = new Int32Array(refRows.length + curRows.length);
      refRows.forEach((r, i) => (codes[i] = (x.codes[r] as number) < 0 ? -1 : (mx[x.codes[r] as number] as number)));
      curRows.forEach(
        (r, i) => (codes[refRows.length + i] = (y.codes[r] as number) < 0 ? -1 : (my[y.codes[r] as number] as number)),
      );
      columns.set(f.name, { name: f.name, kind: 'categorical', codes, categories });
    }
  }
  return { source: `${reference.source} + ${current.source}`, rowCount: refRows.length + curRows.length, columns };
}
