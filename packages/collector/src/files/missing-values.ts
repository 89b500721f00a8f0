/**
 * The texts that mean "no value" in a CSV or TSV cell, and in a string read into a numeric column from NDJSON or
 * Parquet: the empty string, `NA`, `NaN`, `null` and `?` (the UCI repository's convention, used by the Adult
 * data set). They are matched exactly, after the optional whitespace that may follow a delimiter, whether the cell
 * was quoted or not. Strings kept as categories in NDJSON and Parquet are taken verbatim, since those formats have
 * a real null.
 */
export const MISSING_TOKENS: readonly string[] = ['', 'NA', 'NaN', 'null', '?'];

const MISSING_SET = new Set(MISSING_TOKENS);

export function isMissingText(text: string): boolean {
  return MISSING_SET.has(text);
}

/** {@link isMissingText} on `bytes[start, end)`, without creating a string. */
export function isMissingBytes(bytes: Uint8Array, start: number, end: number): boolean {
  switch (end - start) {
    case 0:
      return true;
    case 1:
      return bytes[start] === 0x3f; // ?
    case 2:
      return bytes[start] === 0x4e && bytes[start + 1] === 0x41; // NA
    case 3:
      return bytes[start] === 0x4e && bytes[start + 1] === 0x61 && bytes[start + 2] === 0x4e; // NaN
    case 4:
      return (
        bytes[start] === 0x6e && bytes[start + 1] === 0x75 && bytes[start + 2] === 0x6c && bytes[start + 3] === 0x6c
      ); // null
    default:
      return false;
  }
}
