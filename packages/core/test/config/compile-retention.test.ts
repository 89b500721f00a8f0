import { MINIMAL, parse, problemAt } from './config-test-helpers';

describe('retention', () => {
  it('compiles durations to milliseconds; each limit is optional and absent means no section', () => {
    expect(parse(`retention:\n  deadLetterRaw: 30d\n  predictionIndex: 90d\n${MINIMAL}`).retention).toEqual({
      deadLetterRawMs: 30 * 86_400_000,
      predictionIndexMs: 90 * 86_400_000,
    });
    expect(parse(`retention:\n  predictionIndex: 12h\n${MINIMAL}`).retention).toEqual({
      predictionIndexMs: 12 * 3_600_000,
    });
    expect(parse(MINIMAL).retention).toBeUndefined();
    expect(parse(`retention:\n  reviewQueue: 60d\n${MINIMAL}`).retention).toEqual({ reviewQueueMs: 60 * 86_400_000 });
    expect(parse(`retention:\n  metricRows: 14d\n  metricHourly: 90d\n${MINIMAL}`).retention).toEqual({
      metricRowsMs: 14 * 86_400_000,
      metricHourlyMs: 90 * 86_400_000,
    });
  });

  it('refuses unknown keys, non-durations and zero', () => {
    expect(problemAt(`retention:\n  deadletterRaw: 30d\n${MINIMAL}`, 'retention.deadletterRaw').message).toBe(
      'unknown key (did you mean "deadLetterRaw"?)',
    );
    expect(problemAt(`retention:\n  deadLetterRaw: a month\n${MINIMAL}`, 'retention.deadLetterRaw')).toMatchObject({
      line: 2,
      message: expect.stringContaining('duration'),
    });
    expect(problemAt(`retention:\n  predictionIndex: 0s\n${MINIMAL}`, 'retention.predictionIndex').message).toBe(
      'must be longer than 0',
    );
    expect(problemAt(`retention:\n  metricRows: 0s\n${MINIMAL}`, 'retention.metricRows').message).toBe(
      'must be longer than 0',
    );
    expect(problemAt(`retention:\n  reviewQueue: 0s\n${MINIMAL}`, 'retention.reviewQueue').message).toBe(
      'must be longer than 0',
    );
    expect(problemAt(`retention:\n  metricHourly: 36h\n${MINIMAL}`, 'retention.metricHourly').message).toBe(
      'must be at least 2d (a day is rolled up from its hours)',
    );
  });
});
