/**
 * A small logistic-regression model trained with tfjs: the model `vigil demo` monitors and the fairness tests
 * score the Adult data with. Numeric inputs are standardised (missing → the mean), categorical inputs one-hot
 * encoded over their most frequent categories. Training is full-batch Adam on the mean log loss with an L2 penalty.
 */
import { VigilError, type Table } from '@vigil/core';
import { asCategorical, asNumeric, requireColumn } from '../profile/reference-profile';
import type * as Tf from '@tensorflow/tfjs-core';
import { initCompute } from '../compute/compute-backend';

type Encoded =
  | { name: string; kind: 'numeric'; mean: number; std: number }
  | { name: string; kind: 'categorical'; categories: string[] };

export interface LogisticModel {
  inputs: Encoded[];
  weights: number[];
  bias: number;
}

export interface TrainOptions {
  /** @defaultValue 300 */
  epochs?: number;
  /** @defaultValue 0.05 */
  learningRate?: number;
  /** @defaultValue 1e-4 */
  l2?: number;
  /** Most frequent categories kept per categorical input. @defaultValue 30 */
  maxCategories?: number;
}

export async function trainLogisticModel(
  table: Table,
  inputs: readonly { name: string; kind: 'numeric' | 'categorical' }[],
  labels: Float64Array,
  options: TrainOptions = {},
): Promise<LogisticModel> {
  const { tf } = await initCompute();
  const encoded = inputs.map((input): Encoded => {
    const column = requireColumn(table, input.name);
    if (input.kind === 'numeric') {
      const values = asNumeric(table, column).values;
      let n = 0;
      let sum = 0;
      for (const v of values) {
        if (v !== v) continue;
        n++;
        sum += v;
      }
      const mean = n > 0 ? sum / n : 0;
      let ss = 0;
      for (const v of values) if (v === v) ss += (v - mean) ** 2;
      return { name: input.name, kind: 'numeric', mean, std: n > 1 ? Math.sqrt(ss / n) || 1 : 1 };
    }
    const col = asCategorical(column);
    const counts = new Array<number>(col.categories.length).fill(0);
    for (const c of col.codes) if (c >= 0) counts[c]!++;
    const top = col.categories
      .map((name, i) => [name, counts[i] as number] as const)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, options.maxCategories ?? 30)
      .map(([name]) => name);
    return { name: input.name, kind: 'categorical', categories: top };
  });
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === 0 || labels[i] === 1) rows.push(i);
  if (rows.length === 0) throw new VigilError('VIGIL_BAD_VALUE', `${table.source}: no labelled rows to train on`);
  const x = design(encoded, table, rows);
  const width = x.length / rows.length;
  const y = Float32Array.from(rows, (i) => labels[i] as number);

  const l2 = options.l2 ?? 1e-4;
  const rate = options.learningRate ?? 0.05;
  const n = rows.length;
  const xs = tf.tensor2d(x, [n, width]);
  const xt = tf.transpose(xs);
  const ys = tf.tensor2d(y, [n, 1]);
  // Parameters θ = [w; b] with the closed-form gradient of the mean log loss, Xᵀ(σ(Xw + b) − y)/n (+ 2λw), and
  // Adam's update written out: tfjs-core's CommonJS bundle registers no autodiff gradients, and none are needed.
  let w: Tf.Tensor = tf.zeros([width, 1]);
  let b: Tf.Tensor = tf.scalar(0);
  let mw: Tf.Tensor = tf.zerosLike(w);
  let vw: Tf.Tensor = tf.zerosLike(w);
  let mb: Tf.Tensor = tf.scalar(0);
  let vb: Tf.Tensor = tf.scalar(0);
  const [beta1, beta2, eps] = [0.9, 0.999, 1e-8];
  for (let t = 1; t <= (options.epochs ?? 300); t++) {
    const next = tf.tidy(() => {
      const residual = tf.sub(tf.sigmoid(tf.add(tf.matMul(xs, w), b)), ys);
      const gw = tf.add(tf.div(tf.matMul(xt, residual), n), tf.mul(2 * l2, w));
      const gb = tf.mean(residual);
      const step = (m: Tf.Tensor, v: Tf.Tensor, g: Tf.Tensor) => {
        const m2 = tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, g));
        const v2 = tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(g)));
        const update = tf.div(tf.mul(rate / (1 - beta1 ** t), m2), tf.add(tf.sqrt(tf.div(v2, 1 - beta2 ** t)), eps));
        return { m2, v2, update };
      };
      const sw = step(mw, vw, gw);
      const sb = step(mb, vb, gb);
      return { w: tf.sub(w, sw.update), b: tf.sub(b, sb.update), mw: sw.m2, vw: sw.v2, mb: sb.m2, vb: sb.v2 };
    });
    tf.dispose([w, b, mw, vw, mb, vb]);
    ({ w, b, mw, vw, mb, vb } = next);
  }
  const weights = Array.from(await w.data());
  const bias = (await b.data())[0] as number;
  tf.dispose([w, b, mw, vw, mb, vb, xs, xt, ys]);
  return { inputs: encoded, weights, bias };
}

/** Predicted probabilities for every row of `table`, computed in float64 from the trained weights. */
export function scoreLogisticModel(model: LogisticModel, table: Table): Float64Array {
  const rows = Array.from({ length: table.rowCount }, (_, i) => i);
  const x = design(model.inputs, table, rows);
  const width = model.weights.length;
  const out = new Float64Array(table.rowCount);
  for (let r = 0; r < table.rowCount; r++) {
    let z = model.bias;
    for (let j = 0; j < width; j++) z += (x[r * width + j] as number) * (model.weights[j] as number);
    out[r] = 1 / (1 + Math.exp(-z));
  }
  return out;
}

function design(inputs: readonly Encoded[], table: Table, rows: readonly number[]): Float32Array {
  const width = inputs.reduce((w, e) => w + (e.kind === 'numeric' ? 1 : e.categories.length), 0);
  const x = new Float32Array(rows.length * width);
  let offset = 0;
  for (const e of inputs) {
    const column = requireColumn(table, e.name);
    if (e.kind === 'numeric') {
      const values = asNumeric(table, column).values;
      rows.forEach((row, r) => {
        const v = values[row] as number;
        x[r * width + offset] = v === v ? (v - e.mean) / e.std : 0;
      });
      offset += 1;
    } else {
      const col = asCategorical(column);
      const position = new Map(e.categories.map((c, i) => [c, i]));
      const local = col.categories.map((c) => position.get(c) ?? -1);
      rows.forEach((row, r) => {
        const code = col.codes[row] as number;
        const at = code >= 0 ? (local[code] as number) : -1;
        if (at >= 0) x[r * width + offset + at] = 1;
      });
      offset += e.categories.length;
    }
  }
  return x;
}
