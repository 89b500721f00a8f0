import { formatMs } from './compile-model';
import { type ConfigReader } from './config-reader';
import { type ModelConfig, type RetentionConfig } from './vigil-config';

/**
 * `retention`: how long personal data may stay (durations such as `30d`). Each limit is optional; absent, the data
 * is kept as without the section (dead letters whole until deleted by hand, prediction-index rows until their
 * label TTL, metric rows of every window and hourly roll-ups forever, review items' feature values forever, buckets
 * forever).
 */
const DAY_MS = 86_400_000;

/** How long the label join remembers a prediction: from the later of its event time and its arrival. */
export const LABEL_TTL_MS = 30 * DAY_MS;

/**
 * The shortest `retention.buckets` that never deletes a bucket a window may still be analysed from: a label joins a
 * prediction for up to the label TTL (or `retention.predictionIndex`, if shorter) after its event time, give or take
 * the lateness it arrived with, and the earliest window holding that prediction's bucket starts a window size
 * before it. A reviewed model's windows are analysed again by a verdict until its review items' `ttl` (counted from
 * the window's first analysis, after its lateness), so that replaces the label horizon when longer. The model that
 * needs the longest sets it; `review` says whether its review TTL did.
 */
export function minimumBucketRetentionMs(
  models: readonly (Pick<ModelConfig, 'id' | 'window'> & { readonly review?: { readonly ttlMs: number } })[],
  predictionIndexMs?: number,
): { ms: number; model?: string; review?: true } {
  const labels = Math.min(LABEL_TTL_MS, predictionIndexMs ?? Infinity);
  let out: { ms: number; model?: string; review?: true } = { ms: labels };
  for (const m of models) {
    const review = (m.review?.ttlMs ?? 0) > labels;
    const ms = (review ? m.review!.ttlMs : labels) + m.window.sizeMs + m.window.allowedLatenessMs;
    if (ms > out.ms || out.model === undefined) out = { ms, model: m.id, ...(review ? { review: true as const } : {}) };
  }
  return out;
}

export function compileRetention(
  value: unknown,
  r: ConfigReader,
  models: Parameters<typeof minimumBucketRetentionMs>[0],
): RetentionConfig | undefined {
  const section = r.object(value, 'retention', [
    'deadLetterRaw',
    'predictionIndex',
    'metricRows',
    'metricHourly',
    'reviewQueue',
    'buckets',
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
  // Dashboards read hourly roll-ups from the first whole day none of whose hours were deleted up to the windows'
  // first hour (docs/storage.md "Reading across the seams"): with less than a day between the limits, hours go missing.
  if (metricHourlyMs !== undefined && metricRowsMs !== undefined && metricHourlyMs < metricRowsMs + DAY_MS) {
    r.problems.add(
      'retention.metricHourly',
      `is ${formatMs(metricHourlyMs)} with metricRows ${formatMs(metricRowsMs)}: must be at least ${formatMs(metricRowsMs + DAY_MS)} (metricRows + 1d), or the hours between the two are missing from the dashboards`,
    );
    metricHourlyMs = undefined;
  }
  const bucketsMs = compileBuckets(section.buckets, r, models, predictionIndexMs);
  return {
    ...(deadLetterRawMs === undefined ? {} : { deadLetterRawMs }),
    ...(predictionIndexMs === undefined ? {} : { predictionIndexMs }),
    ...(metricRowsMs === undefined ? {} : { metricRowsMs }),
    ...(metricHourlyMs === undefined ? {} : { metricHourlyMs }),
    ...(reviewQueueMs === undefined ? {} : { reviewQueueMs }),
    ...(bucketsMs === undefined ? {} : { bucketsMs }),
  };
}

/** `buckets`: `auto` (the minimum) or a duration no shorter than it, so re-analysis always finds every bucket. */
function compileBuckets(
  value: unknown,
  r: ConfigReader,
  models: Parameters<typeof minimumBucketRetentionMs>[0],
  predictionIndexMs: number | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const minimum = minimumBucketRetentionMs(models, predictionIndexMs);
  if (value === 'auto') return minimum.ms;
  const ms = r.duration(value, 'retention.buckets', { positive: true });
  if (ms === undefined) return undefined;
  if (ms < minimum.ms) {
    const labels =
      predictionIndexMs !== undefined && predictionIndexMs < LABEL_TTL_MS
        ? 'retention.predictionIndex'
        : 'the 30d label TTL';
    const why = minimum.review
      ? `the review.ttl of model ${minimum.model} plus its window and allowedLateness`
      : `${labels} plus the longest window and its allowedLateness${minimum.model === undefined ? '' : `, model ${minimum.model}`}`;
    r.problems.add(
      'retention.buckets',
      `must be at least ${formatDaysAndRest(minimum.ms)} (${why}), or auto: a window may be analysed again until then`,
    );
    return undefined;
  }
  return ms;
}

/**
 * A limit as days plus the rest in its largest exact unit, then in parts: 43,270 minutes are "30d 70m (30d1h10m)",
 * which reads as the label TTL plus window and lateness, and the part in parentheses is a valid duration to paste.
 */
export function formatDaysAndRest(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const rest = ms - days * DAY_MS;
  if (days === 0 || rest === 0) return formatMs(ms);
  const parts: string[] = [];
  let left = ms;
  for (const [unit, size] of [
    ['d', DAY_MS],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(left / size);
    if (n > 0) parts.push(`${n}${unit}`);
    left -= n * size;
  }
  const compound = parts.join('');
  const plain = `${days}d ${formatMs(rest)}`;
  return plain.replace(' ', '') === compound ? plain : `${plain} (${compound})`;
}
