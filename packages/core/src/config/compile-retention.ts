import { type ConfigReader } from './config-reader';
import { type RetentionConfig } from './vigil-config';

/**
 * `retention`: how long personal data may stay (durations such as `30d`). Each limit is optional; absent, the data
 * is kept as without the section (dead letters whole until deleted by hand, prediction-index rows until their
 * label TTL, metric rows of every window and hourly roll-ups forever, review items' feature values forever).
 */
const DAY_MS = 86_400_000;

export function compileRetention(value: unknown, r: ConfigReader): RetentionConfig | undefined {
  const section = r.object(value, 'retention', [
    'deadLetterRaw',
    'predictionIndex',
    'metricRows',
    'metricHourly',
    'reviewQueue',
  ]);
  if (!section) return undefined;
  const deadLetterRawMs = r.duration(section.deadLetterRaw, 'retention.deadLetterRaw', { positive: true });
  const predictionIndexMs = r.duration(section.predictionIndex, 'retention.predictionIndex', { positive: true });
  const reviewQueueMs = r.duration(section.reviewQueue, 'retention.reviewQueue', { positive: true });
  const metricRowsMs = r.duration(section.metricRows, 'retention.metricRows', { positive: true });
  let metricHourlyMs = r.duration(section.metricHourly, 'retention.metricHourly', { positive: true });
  // A day is rolled up from its hours: they must outlive it.
  if (metricHourlyMs !== undefined && metricHourlyMs < 2 * DAY_MS) {
    r.problems.add('retention.metricHourly', 'must be at least 2d (a day is rolled up from its hours)');
    metricHourlyMs = undefined;
  }
  return {
    ...(deadLetterRawMs === undefined ? {} : { deadLetterRawMs }),
    ...(predictionIndexMs === undefined ? {} : { predictionIndexMs }),
    ...(metricRowsMs === undefined ? {} : { metricRowsMs }),
    ...(metricHourlyMs === undefined ? {} : { metricHourlyMs }),
    ...(reviewQueueMs === undefined ? {} : { reviewQueueMs }),
  };
}
