import type { EstimatedBinaryPerformance, Report } from '@vigil/analyzers';
import { summarizeReport } from '../../src/cli/summarize-report';
import { ESTIMATE_MIN_REFERENCE_ROWS, fewReferenceRows } from '../../src/report/estimate-band';
import { renderReportHtml } from '../../src/report/render-html';
import { fullReport } from './report-fixtures';

/** fullReport with its current labels gone: performance estimated (CBPE) from `referenceRows` labelled reference rows. */
function estimatedReport(referenceRows: number): Report {
  const e = (value: number) => ({
    value,
    samplingError: 0.0098,
    band: [value - 0.0294, value + 0.0294] as [number, number],
  });
  const performance: EstimatedBinaryPerformance = {
    estimatedAccuracy: e(0.863),
    estimatedPrecision: e(0.81),
    estimatedRecall: e(0.7),
    estimatedF1: e(0.75),
    estimatedAuc: e(0.9),
    rows: 1500,
    calibration: 'isotonic',
    referenceRows,
  };
  return { ...fullReport(), calibration: undefined, performance };
}

const context = { inputs: { reference: 'ref.csv', current: 'cur.csv' }, version: '0.0.0', commandLine: 'vigil report' };

describe('estimated performance from a small labelled reference', () => {
  it(`warns under ${ESTIMATE_MIN_REFERENCE_ROWS} labelled reference rows, not from there on`, () => {
    expect(fewReferenceRows({ referenceRows: 12 })).toBe(
      'estimated from 12 labelled reference rows (fewer than 100): the band counts the sampling error of the current rows only, not that of an estimate calibrated on so few rows',
    );
    expect(fewReferenceRows({ referenceRows: 99 })).toContain('99 labelled reference rows');
    expect(fewReferenceRows({ referenceRows: 100 })).toBeUndefined();
  });

  it('the HTML card says so, names the reference rows and defines the band', () => {
    const few = renderReportHtml(estimatedReport(12), context);
    expect(few).toContain('with 12 labelled reference rows');
    expect(few).toMatch(
      /<p class="warning">Estimated from 12 labelled reference rows \(fewer than 100\): the band counts/,
    );
    expect(few).toContain('The band is the estimate ± 3 sampling errors of a current sample of this size');
    const enough = renderReportHtml(estimatedReport(1000), context);
    expect(enough).not.toContain('labelled reference rows (fewer than');
    expect(enough).toContain('The band is the estimate ± 3 sampling errors');
  });

  it("the console labels each estimate's band", () => {
    const line = summarizeReport(estimatedReport(1000))
      .split('\n')
      .find((l) => l.startsWith('Estimated performance'))!;
    expect(line).toContain('accuracy 0.863 (band 0.834–0.892), precision 0.810 (band 0.781–0.839)');
  });
});
