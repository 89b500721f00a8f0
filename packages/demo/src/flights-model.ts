/**
 * The demo's model: a logistic regression trained on a deterministic sample of January, scored in chunks (the
 * design matrix of half a million rows would otherwise be hundreds of MB), with the decision threshold chosen so
 * that January's predicted-delay rate equals its actual delay rate.
 */
import type { Table } from '@vigil/core';
import { scoreLogisticModel, trainLogisticModel, type LogisticModel } from '@vigil/analyzers';
import { FLIGHT_FEATURES, flightsTable, type Flights } from './flights-data';

const SCORE_CHUNK = 100_000;

export async function trainFlightsModel(
  flights: Flights,
  rows: Int32Array,
  epochs: number,
  maxCategories: number,
): Promise<LogisticModel> {
  const table = flightsTable(flights, rows, 'January training sample');
  return trainLogisticModel(table, FLIGHT_FEATURES, labelsOf(table), { epochs, maxCategories, learningRate: 0.05 });
}

/** Scores of `rows`, in their order. */
export function scoreFlights(model: LogisticModel, flights: Flights, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let from = 0; from < rows.length; from += SCORE_CHUNK) {
    const chunk = rows.subarray(from, Math.min(rows.length, from + SCORE_CHUNK));
    out.set(scoreLogisticModel(model, flightsTable(flights, chunk, 'flights')), from);
  }
  return out;
}

/** The score above which the share of rows equals the share of positive labels (ties included upwards). */
export function rateMatchingThreshold(
  scores: Float64Array,
  labels: Float64Array,
): { threshold: number; positiveRate: number } {
  let n = 0;
  let positives = 0;
  for (const y of labels) {
    if (y === 0 || y === 1) {
      n++;
      positives += y;
    }
  }
  const positiveRate = n > 0 ? positives / n : 0;
  const sorted = Float64Array.from(scores).sort();
  const index = Math.min(sorted.length - 1, Math.max(0, Math.floor(sorted.length * (1 - positiveRate))));
  return { threshold: sorted[index] ?? 0.5, positiveRate };
}

export function labelsOf(table: Table): Float64Array {
  const label = table.columns.get('label');
  return label?.kind === 'numeric' ? label.values : new Float64Array(table.rowCount).fill(Number.NaN);
}
