import { MIGRATION_0001_INIT } from './0001-init';
import { MIGRATION_0002_STREAM } from './0002-stream';
import { MIGRATION_0003_ALERTS } from './0003-alerts';
import { MIGRATION_0004_PREDICTION_INDEX_MS } from './0004-prediction-index-ms';
import { MIGRATION_0005_BUCKET_JSON } from './0005-bucket-json';
import { MIGRATION_0006_RANGE_PROFILES } from './0006-range-profiles';
import { MIGRATION_0007_INGEST_KEYS_C_COLLATION } from './0007-ingest-keys-c-collation';
import { MIGRATION_0008_VERSION_PROFILES } from './0008-version-profiles';
import { MIGRATION_0009_PARTITION_WATERMARKS } from './0009-partition-watermarks';
import { MIGRATION_0010_REVIEW_LIFECYCLE } from './0010-review-lifecycle';
import { MIGRATION_0011_ALERT_GROUPS } from './0011-alert-groups';
import { MIGRATION_0012_COMPACT_METRIC_STORAGE } from './0012-compact-metric-storage';
import { MIGRATION_0013_METRIC_ROLLUPS } from './0013-metric-rollups';
import { MIGRATION_0014_REVIEW_QUEUE } from './0014-review-queue';
import { MIGRATION_0015_METRIC_MODEL_DAILY } from './0015-metric-model-daily';
import { MIGRATION_0016_PARTITION_METRIC_WINDOWS } from './0016-partition-metric-windows';
import { MIGRATION_0017_BUCKET_LZ4 } from './0017-bucket-lz4';
import { MIGRATION_0018_REVIEW_CAPACITY_RESERVES } from './0018-review-capacity-reserves';
import { MIGRATION_0019_REVIEW_ATTRIBUTIONS } from './0019-review-attributions';
import { MIGRATION_0020_SHARED_METRIC_HISTOGRAMS } from './0020-shared-metric-histograms';
import { MIGRATION_0021_PREDICTION_INDEX_HOUR_KEY } from './0021-prediction-index-hour-key';
import { MIGRATION_0022_BUCKET_START_INDEX } from './0022-bucket-start-index';
import { MIGRATION_0023_METRIC_VALUES_ARRAYS } from './0023-metric-values-arrays';
import { MIGRATION_0024_PREDICTION_INDEX_COMPACT_ROWS } from './0024-prediction-index-compact-rows';
import { MIGRATION_0025_METRIC_POINTS } from './0025-metric-points';
import { MIGRATION_0027_METRIC_WINDOW_FLEET_SUMMARY } from './0027-metric-window-fleet-summary';
import { MIGRATION_0028_METRIC_DETAILS_WITHOUT_COPIES } from './0028-metric-details-without-copies';
import { MIGRATION_0029_REFERENCE_FITS } from './0029-reference-fits';
import { MIGRATION_0030_BUCKET_REVISION } from './0030-bucket-revision';
import { MIGRATION_0031_PREDICTION_INDEX_SLIM_ROWS } from './0031-prediction-index-slim-rows';
import { MIGRATION_0032_BUCKET_PACKED } from './0032-bucket-packed';
import { MIGRATION_0033_METRIC_GROUP_INTERVALS_REBUILT } from './0033-metric-group-intervals-rebuilt';

export interface Migration {
  /** Applied in ascending order; never reused. */
  id: number;
  name: string;
  sql: string;
}

/**
 * Every migration, in order. The SQL lives in .ts modules so `tsc` ships it in dist/ with no copy step.
 * Append only: editing a released migration is refused at start (its checksum no longer matches).
 */
export const MIGRATIONS: readonly Migration[] = [
  { id: 1, name: 'init', sql: MIGRATION_0001_INIT },
  { id: 2, name: 'stream', sql: MIGRATION_0002_STREAM },
  { id: 3, name: 'alerts', sql: MIGRATION_0003_ALERTS },
  { id: 4, name: 'prediction-index-ms', sql: MIGRATION_0004_PREDICTION_INDEX_MS },
  { id: 5, name: 'bucket-json', sql: MIGRATION_0005_BUCKET_JSON },
  { id: 6, name: 'range-profiles', sql: MIGRATION_0006_RANGE_PROFILES },
  { id: 7, name: 'ingest-keys-c-collation', sql: MIGRATION_0007_INGEST_KEYS_C_COLLATION },
  { id: 8, name: 'version-profiles', sql: MIGRATION_0008_VERSION_PROFILES },
  { id: 9, name: 'partition-watermarks', sql: MIGRATION_0009_PARTITION_WATERMARKS },
  { id: 10, name: 'review-lifecycle', sql: MIGRATION_0010_REVIEW_LIFECYCLE },
  { id: 11, name: 'alert-groups', sql: MIGRATION_0011_ALERT_GROUPS },
  { id: 12, name: 'compact-metric-storage', sql: MIGRATION_0012_COMPACT_METRIC_STORAGE },
  { id: 13, name: 'metric-rollups', sql: MIGRATION_0013_METRIC_ROLLUPS },
  { id: 14, name: 'review-queue', sql: MIGRATION_0014_REVIEW_QUEUE },
  { id: 15, name: 'metric-model-daily', sql: MIGRATION_0015_METRIC_MODEL_DAILY },
  { id: 16, name: 'partition-metric-windows', sql: MIGRATION_0016_PARTITION_METRIC_WINDOWS },
  { id: 17, name: 'bucket-lz4', sql: MIGRATION_0017_BUCKET_LZ4 },
  { id: 18, name: 'review-capacity-reserves', sql: MIGRATION_0018_REVIEW_CAPACITY_RESERVES },
  { id: 19, name: 'review-attributions', sql: MIGRATION_0019_REVIEW_ATTRIBUTIONS },
  { id: 20, name: 'shared-metric-histograms', sql: MIGRATION_0020_SHARED_METRIC_HISTOGRAMS },
  { id: 21, name: 'prediction-index-hour-key', sql: MIGRATION_0021_PREDICTION_INDEX_HOUR_KEY },
  { id: 22, name: 'bucket-start-index', sql: MIGRATION_0022_BUCKET_START_INDEX },
  { id: 23, name: 'metric-values-arrays', sql: MIGRATION_0023_METRIC_VALUES_ARRAYS },
  { id: 24, name: 'prediction-index-compact-rows', sql: MIGRATION_0024_PREDICTION_INDEX_COMPACT_ROWS },
  { id: 25, name: 'metric-points', sql: MIGRATION_0025_METRIC_POINTS },
  { id: 27, name: 'metric-window-fleet-summary', sql: MIGRATION_0027_METRIC_WINDOW_FLEET_SUMMARY },
  { id: 28, name: 'metric-details-without-copies', sql: MIGRATION_0028_METRIC_DETAILS_WITHOUT_COPIES },
  { id: 29, name: 'reference-fits', sql: MIGRATION_0029_REFERENCE_FITS },
  { id: 30, name: 'bucket-revision', sql: MIGRATION_0030_BUCKET_REVISION },
  { id: 31, name: 'prediction-index-slim-rows', sql: MIGRATION_0031_PREDICTION_INDEX_SLIM_ROWS },
  { id: 32, name: 'bucket-packed', sql: MIGRATION_0032_BUCKET_PACKED },
  { id: 33, name: 'metric-group-intervals-rebuilt', sql: MIGRATION_0033_METRIC_GROUP_INTERVALS_REBUILT },
];
