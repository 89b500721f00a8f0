import { estimateBand } from '../../src/report/estimate-band';

describe('estimateBand', () => {
  const estimate = (samplingError: number | null) => ({
    value: 0.6,
    samplingError: samplingError as number,
    band: [0.5, 0.7] as [number, number],
  });

  it('keeps a band measured on reference rows', () => {
    expect(estimateBand('estimatedAccuracy', estimate(0.0333))).toEqual({ band: [0.5, 0.7] });
  });

  it('names what the reference lacks when the sampling error is undefined (NaN in the report, null in its JSON)', () => {
    expect(estimateBand('estimatedPrecision', estimate(Number.NaN))).toEqual({
      reason: 'no reference row is predicted positive',
    });
    expect(estimateBand('estimatedRecall', estimate(null))).toEqual({
      reason: 'no reference row is labelled positive',
    });
    expect(estimateBand('estimatedAuc', estimate(Number.POSITIVE_INFINITY))).toEqual({
      reason: 'the reference has one class only',
    });
  });

  it('a sampling error of 0 is no band either: the rows it was measured on all came out alike', () => {
    expect(estimateBand('estimatedF1', estimate(0))).toEqual({
      reason: 'every reference row it counts came out alike',
    });
  });
});
