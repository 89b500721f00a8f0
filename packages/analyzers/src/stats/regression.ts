/**
 * Error metrics of a regression model over the rows that have both a prediction and a label (neither NaN).
 */
import { assertSameLength } from './classification';

/**
 * With e = prediction − label over the n labelled rows: mae = mean |e| (scikit-learn `mean_absolute_error`),
 * rmse = √(mean e²) (the square root of `mean_squared_error`), bias = mean e (positive when the model
 * over-predicts). NaN metrics with n = 0 when no row is labelled.
 */
export function regressionMetrics(
  predictions: Float64Array,
  labels: Float64Array,
): { mae: number; rmse: number; bias: number; n: number } {
  assertSameLength(predictions, labels, 'regressionMetrics');
  let sumAbsolute = 0;
  let sumSquared = 0;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    const prediction = predictions[i]!;
    if (Number.isNaN(label) || Number.isNaN(prediction)) continue;
    const error = prediction - label;
    sumAbsolute += Math.abs(error);
    sumSquared += error * error;
    sum += error;
    n++;
  }
  if (n === 0) return { mae: Number.NaN, rmse: Number.NaN, bias: Number.NaN, n };
  return { mae: sumAbsolute / n, rmse: Math.sqrt(sumSquared / n), bias: sum / n, n };
}
