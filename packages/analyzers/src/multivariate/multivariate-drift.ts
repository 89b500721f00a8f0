/**
 * The report's multivariate section: the data reconstruction error of the current file against the band of the
 * reference's chunks of the current file's size (NannyML's thresholds), and, when asked for, the domain classifier.
 */
import type { Table } from '@vigil/core';
import type { MultivariateDrift } from '../report/report-types';
import {
  EXPLAINED_VARIANCE,
  MAX_RECONSTRUCTION_FEATURES,
  chunkBand,
  fitDataReconstruction,
  rebuildsExactly,
  meanAndStd,
  moments,
  reconstructionErrors,
} from './data-reconstruction';
import { domainClassifier, type DomainClassifierOptions } from './domain-classifier';

export interface MultivariateOptions {
  /** Train the domain classifier too (`vigil report --domain-classifier`). */
  domainClassifier?: boolean | DomainClassifierOptions;
  /** Why the raw rows are not at hand (a spilled file), if they are not: the section then says so. */
  unavailable?: string;
}

export async function multivariateDrift(
  reference: Table,
  current: Table,
  features: readonly { readonly name: string; readonly kind: 'numeric' | 'categorical' }[],
  options: MultivariateOptions = {},
): Promise<MultivariateDrift> {
  const classifier =
    options.domainClassifier &&
    options.unavailable === undefined &&
    features.length > 0 &&
    reference.rowCount > 1 &&
    current.rowCount > 1
      ? {
          domainClassifier: await domainClassifier(
            reference,
            current,
            features,
            options.domainClassifier === true ? {} : options.domainClassifier,
          ),
        }
      : {};
  const reason =
    options.unavailable ??
    (features.length < 2
      ? 'needs at least two features'
      : features.length > MAX_RECONSTRUCTION_FEATURES
        ? `fitted over at most ${MAX_RECONSTRUCTION_FEATURES} features; this report has ${features.length}`
        : reference.rowCount < 2
          ? 'needs at least two reference rows'
          : current.rowCount === 0
            ? 'the current file has no rows'
            : undefined);
  if (reason !== undefined) return { computed: false, reason, ...classifier };
  const { model, errors } = await fitDataReconstruction(reference, features);
  if (rebuildsExactly(model))
    return {
      computed: false,
      reason: `every principal axis (${model.components} of ${model.inputs.length}) is needed for ${EXPLAINED_VARIANCE * 100}% of the reference's variance, so each row is rebuilt exactly and nothing is left to measure: it needs features that move together`,
      ...classifier,
    };
  const currentErrors = await reconstructionErrors(model, current);
  const m = moments(currentErrors);
  const { mean, std } = meanAndStd(m);
  const band = chunkBand(errors, current.rowCount);
  return {
    computed: true,
    reconstructionError: mean,
    samplingError: m.rows > 1 ? std / Math.sqrt(m.rows) : Number.NaN,
    rows: m.rows,
    referenceReconstructionError: band,
    drifted: mean < band.lower || mean > band.upper,
    components: model.components,
    explainedVariance: model.explainedVariance.reduce((t, v) => t + v, 0),
    features: features.length,
    ...classifier,
  };
}
