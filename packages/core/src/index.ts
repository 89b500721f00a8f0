export { ERROR_CODES, VigilError, isVigilError } from './errors';
export type { VigilErrorCode, VigilErrorOptions } from './errors';
export { createLogger, redact, silentLogger } from './logger';
export type { LogFields, LogLevel, Logger } from './logger';
export { MISSING_CODE, categoryAt, selectRows, withColumns } from './table';
export type { CategoricalColumn, Column, FeatureKind, NumericColumn, Table } from './table';
export { parseDuration } from './duration';
export type { ModelDefinition } from './model-definition';
