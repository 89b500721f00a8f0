import { type ConfigReader } from './config-reader';
import { type RetentionConfig } from './vigil-config';

/**
 * `retention`: how long personal data may stay (durations such as `30d`). Each limit is optional; absent, the data
 * is kept as without the section (dead letters whole until deleted by hand, prediction-index rows until their
 * label TTL).
 */
export function compileRetention(value: unknown, r: ConfigReader): RetentionConfig | undefined {
  const section = r.object(value, 'retention', ['deadLetterRaw', 'predictionIndex']);
  if (!section) return undefined;
  const deadLetterRawMs = r.duration(section.deadLetterRaw, 'retention.deadLetterRaw', { positive: true });
  const predictionIndexMs = r.duration(section.predictionIndex, 'retention.predictionIndex', { positive: true });
  return { ...(deadLetterRawMs === undefined ? {} : { deadLetterRawMs }), ...(predictionIndexMs === undefined ? {} : { predictionIndexMs }) };
}
