export { readTable, readTableBytes } from './files/read-table';
export { parquetDecodedBytes } from './files/parquet-reader';
export { readTables } from './files/read-tables';
export { rowLocation } from './files/row-location';
export { FileEventSource } from './files/file-event-source';
export type { FileEventSourceOptions } from './files/file-event-source';
export type { ReadRequest } from './files/read-tables';
export type { ReadTableOptions, ReadTableResult, SpillOptions } from './files/read-table-options';
export { PredictionBatchBuilder } from './decode/prediction-batch-builder';
export type { BuiltPredictions, PredictionBatchBuilderOptions } from './decode/prediction-batch-builder';
export {
  BATCH_COLUMNS,
  DEFAULT_VERSION,
  MISSING_GROUP,
  RESERVED_COLUMN_PREFIX,
  ATTRIBUTION_COLUMN_PREFIX,
  attributionColumnName,
  groupColumnName,
} from './decode/prediction-batch';
export type { PredictionBatch } from './decode/prediction-batch';
export { MAX_UNKNOWN_FEATURE_NAMES } from './decode/unknown-feature-names';
export { decodeLabel } from './decode/decode-label';
export type { DecodedLabel, LabelEvent } from './decode/decode-label';
export { DECODE_DEFAULTS, compileDecodeOptions } from './decode/decode-options';
export type { CompiledDecodeOptions, DecodeOptions } from './decode/decode-options';
export type { DeadLetter } from './decode/dead-letter';
export type { RawMessage } from './decode/raw-message';
export { parseIsoTimestamp } from './decode/parse-timestamp';
export { KafkaSource } from './kafka/kafka-source';
export type { KafkaConnectionOptions, KafkaSourceOptions } from './kafka/kafka-source';
export type {
  Backpressure,
  BatchHandler,
  OffsetsFor,
  PredictionSource,
  SourceBatch,
  SourceState,
} from './kafka/prediction-source';
export { ParallelSource } from './kafka/prediction-source';
export { readTopicSince } from './kafka/read-since';
export type { ReadSinceOptions, ReadSinceResult } from './kafka/read-since';
export { PRODUCE_COMPRESSIONS, ensureTopic, produceFile, produceMessages } from './kafka/produce-file';
export { missingTopics, requireConsumedTopics } from './kafka/require-topics';
export type { RequiredTopic } from './kafka/require-topics';
export type { OutgoingMessage, ProduceCompression, ProduceFileOptions, ProduceFileResult } from './kafka/produce-file';
export { DeadLetterPublisher, deadLetterKey, deadLetterRecord } from './kafka/dead-letter-publisher';
export type { DeadLetterPublisherOptions, DeadLetterRecord } from './kafka/dead-letter-publisher';
