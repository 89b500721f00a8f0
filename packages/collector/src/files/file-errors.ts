import { VigilError, unknownColumnError } from '@vigil/core';

const MAX_QUOTED_VALUE = 60;

/** `VIGIL_BAD_VALUE` for a value that a column of numbers cannot hold; `where` is `path:line` or `path: row N`. */
export function badValueError(where: string, column: string, value: string): VigilError {
  const shown = value.length > MAX_QUOTED_VALUE ? `${value.slice(0, MAX_QUOTED_VALUE)}…` : value;
  return new VigilError('VIGIL_BAD_VALUE', `${where}: column "${column}": ${JSON.stringify(shown)} is not a number`, {
    details: { where, column, value: shown },
  });
}

export function formatError(source: string, message: string, line?: number): VigilError {
  const where = line === undefined ? source : `${source}:${line}`;
  return new VigilError('VIGIL_FILE_FORMAT', `${where}: ${message}`, {
    details: line === undefined ? { file: source } : { file: source, line },
  });
}

export function emptyFileError(source: string, what: string): VigilError {
  return new VigilError('VIGIL_FILE_EMPTY', `${source}: ${what}`, { details: { file: source } });
}

/**
 * Throws `VIGIL_UNKNOWN_COLUMN` unless every wanted column is available; `line` is the header's line in a file
 * that has one (CSV, TSV), so the error points where an editor shows the names.
 */
export function requireColumns(
  source: string,
  available: readonly string[],
  wanted: readonly string[] | undefined,
  line?: number,
): void {
  if (wanted === undefined) return;
  const have = new Set(available);
  const missing = wanted.filter((name) => !have.has(name));
  if (missing.length === 0) return;
  throw unknownColumnError(line === undefined ? source : `${source}:${line}`, missing, available, {
    details: { file: source, ...(line === undefined ? {} : { line }) },
  });
}
