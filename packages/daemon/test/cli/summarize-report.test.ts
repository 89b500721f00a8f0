import { summarizeReport } from '../../src/cli/summarize-report';
import { fullReport } from '../report/report-fixtures';

describe('summarizeReport: the explanations line', () => {
  it('says when the surrogate was fitted on a sample of a wide and long file, with the rows fitted', () => {
    const report = fullReport();
    const line = (r: typeof report): string =>
      summarizeReport(r)
        .split('\n')
        .find((l) => l.startsWith('Explanations'))!;
    expect(line(report)).toMatch(/^Explanations \(linear surrogate, R² /);
    const x = report.explanations!;
    const sampled = {
      ...report,
      explanations: {
        ...x,
        surrogate: {
          ...x.surrogate!,
          rows: { reference: 4000, current: 3998 },
          fitSample: { seed: 15, completeRows: 4000 },
        },
      },
    };
    expect(line(sampled)).toMatch(/^Explanations \(linear surrogate on a sample of 4000 and 3998 rows, R² /);
  });
});
