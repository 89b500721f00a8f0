import { minimumBucketRetentionMs } from '@vigil/core';
import { MINIMAL, parse, problemAt, problemsOf, withModel } from './config-test-helpers';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

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

  it('buckets: auto is the label TTL (or a shorter predictionIndex) plus the longest window and its lateness', () => {
    // Defaults: 30d label TTL + 1h window + 10m lateness.
    expect(parse(`retention:\n  buckets: auto\n${MINIMAL}`).retention).toEqual({
      bucketsMs: 30 * DAY + HOUR + 10 * MINUTE,
    });
    expect(parse(`retention:\n  buckets: auto\n  predictionIndex: 7d\n${MINIMAL}`).retention).toEqual({
      predictionIndexMs: 7 * DAY,
      bucketsMs: 7 * DAY + HOUR + 10 * MINUTE,
    });
    // A longer predictionIndex does not lengthen it: the label TTL deletes the index rows first.
    expect(parse(`retention:\n  buckets: auto\n  predictionIndex: 90d\n${MINIMAL}`).retention?.bucketsMs).toBe(
      30 * DAY + HOUR + 10 * MINUTE,
    );
    const wide = withModel('window: { size: 1d, slide: 1h, allowedLateness: 2h }', 'retention: { buckets: auto }');
    expect(parse(wide).retention?.bucketsMs).toBe(30 * DAY + 26 * HOUR);
    expect(parse(`retention:\n  buckets: 90d\n${MINIMAL}`).retention).toEqual({ bucketsMs: 90 * DAY });
    // A limit that is exactly the minimum is accepted.
    expect(parse(`retention:\n  buckets: 43270m\n${MINIMAL}`).retention?.bucketsMs).toBe(43_270 * MINUTE);
  });

  it('minimumBucketRetentionMs names the model whose window sets it', () => {
    const window = (sizeMs: number, allowedLatenessMs: number) => ({
      sizeMs,
      slideMs: sizeMs,
      allowedLatenessMs,
      idleTimeoutMs: 0,
    });
    expect(
      minimumBucketRetentionMs([
        { id: 'a', window: window(HOUR, 0) },
        { id: 'b', window: window(DAY, HOUR) },
        { id: 'c', window: window(2 * HOUR, 0) },
      ]),
    ).toEqual({ ms: 30 * DAY + 25 * HOUR, model: 'b' });
    expect(minimumBucketRetentionMs([], 2 * DAY)).toEqual({ ms: 2 * DAY });
    // A review TTL longer than the label horizon: verdicts re-analyse that model's windows until it ends.
    expect(
      minimumBucketRetentionMs([
        { id: 'a', window: window(DAY, HOUR) },
        { id: 'r', window: window(HOUR, 0), review: { ttlMs: 40 * DAY } },
      ]),
    ).toEqual({ ms: 40 * DAY + HOUR, model: 'r', review: true });
    expect(minimumBucketRetentionMs([{ id: 'r', window: window(HOUR, 0), review: { ttlMs: 7 * DAY } }])).toEqual({
      ms: 30 * DAY + HOUR,
      model: 'r',
    });
  });

  it('metricHourly: refuses less than a day longer than metricRows, naming both and the minimum', () => {
    expect(
      problemAt(`retention:\n  metricRows: 7d\n  metricHourly: 3d\n${MINIMAL}`, 'retention.metricHourly'),
    ).toMatchObject({
      line: 3,
      message:
        'is 3d with metricRows 7d: must be at least 8d (metricRows + 1d), or the hours between the two are missing from the dashboards',
    });
    expect(
      problemAt(`retention:\n  metricRows: 36h\n  metricHourly: 59h\n${MINIMAL}`, 'retention.metricHourly').message,
    ).toContain('must be at least 60h (metricRows + 1d)');
    // Exactly a day longer is the documented minimum, and accepted.
    expect(parse(`retention:\n  metricRows: 7d\n  metricHourly: 8d\n${MINIMAL}`).retention).toEqual({
      metricRowsMs: 7 * 86_400_000,
      metricHourlyMs: 8 * 86_400_000,
    });
  });

  it('buckets: refuses a limit shorter than re-analysis needs, with every other problem of the file', () => {
    expect(problemAt(`retention:\n  buckets: 30d\n${MINIMAL}`, 'retention.buckets')).toMatchObject({
      line: 2,
      message:
        'must be at least 30d 70m (30d1h10m) (the 30d label TTL plus the longest window and its allowedLateness, model m), or auto: a window may be analysed again until then',
    });
    expect(problemAt(`retention:\n  buckets: 7d\n  predictionIndex: 7d\n${MINIMAL}`, 'retention.buckets').message).toBe(
      'must be at least 7d 70m (7d1h10m) (retention.predictionIndex plus the longest window and its allowedLateness, model m), or auto: a window may be analysed again until then',
    );
    // A minute short of the minimum.
    expect(problemAt(`retention:\n  buckets: 43269m\n${MINIMAL}`, 'retention.buckets').message).toContain(
      'must be at least 30d 70m (30d1h10m)',
    );
    // The figure in parentheses is the minimum itself, as a duration the file accepts.
    expect(parse(`retention:\n  buckets: 30d1h10m\n${MINIMAL}`).retention?.bucketsMs).toBe(43_270 * MINUTE);
    expect(
      problemAt(
        withModel('review: { capacityPerHour: 10, audit: { rate: 0.01 }, ttl: 60d }', 'retention: { buckets: 45d }'),
        'retention.buckets',
      ).message,
    ).toBe(
      'must be at least 60d 70m (60d1h10m) (the review.ttl of model m plus its window and allowedLateness), or auto: a window may be analysed again until then',
    );
    expect(problemAt(`retention:\n  buckets: 0s\n${MINIMAL}`, 'retention.buckets').message).toBe(
      'must be longer than 0',
    );
    expect(problemAt(`retention:\n  buckets: soon\n${MINIMAL}`, 'retention.buckets').message).toContain('duration');
    const all = problemsOf(`retention:\n  buckets: 1d\n  metricHourly: 1d\n  deadLetterRaw: 0s\n${MINIMAL}`);
    expect(all.map((p) => p.path).sort()).toEqual([
      'retention.buckets',
      'retention.deadLetterRaw',
      'retention.metricHourly',
    ]);
  });
});
