import type { Column, FeatureKind } from '@vigil/core';
import { MISSING_CODE } from '@vigil/core';
import { ByteDictionary } from './byte-dictionary';

/**
 * Accumulates one column of a file into the typed arrays of a `Table`. A column whose kind was not given starts
 * numeric and turns categorical at its first non-numeric value; the reader then supplies the text of the rows
 * already read, since only the reader knows how to get it back exactly (a CSV reader re-reads its bytes).
 */
export class ColumnBuilder {
  readonly name: string;
  /** The kind the caller gave, or undefined when it is being inferred. */
  readonly given: FeatureKind | undefined;
  private currentKind: FeatureKind;
  private count = 0;
  private values: Float64Array;
  private codes: Int32Array;
  private dictionary: ByteDictionary | undefined;
  /** Rows whose number came from a boolean, so that turning categorical gives back "true"/"false". */
  private booleanRows: Uint8Array | undefined;

  constructor(name: string, given: FeatureKind | undefined, capacity: number) {
    this.name = name;
    this.given = given;
    this.currentKind = given ?? 'numeric';
    const size = Math.max(16, Math.ceil(capacity));
    if (this.currentKind === 'numeric') {
      this.values = sharedFloat64(size);
      this.codes = new Int32Array(0);
    } else {
      this.values = new Float64Array(0);
      this.codes = new Int32Array(size);
      this.dictionary = new ByteDictionary();
    }
  }

  get kind(): FeatureKind {
    return this.currentKind;
  }

  get length(): number {
    return this.count;
  }

  pushNumber(value: number): void {
    if (this.count === this.values.length) this.values = growFloat64(this.values);
    this.values[this.count++] = value;
  }

  /** Adds `count` numbers from `source[from…]`; the column must be numeric. */
  pushNumbers(source: Float64Array, from: number, count: number): void {
    while (this.count + count > this.values.length) this.values = growFloat64(this.values);
    const values = this.values;
    const at = this.count;
    for (let j = 0; j < count; j++) values[at + j] = source[from + j]!;
    this.count += count;
  }

  /** Booleans read as 1/0 in a numeric column, and as "true"/"false" in a categorical one. */
  pushBoolean(value: boolean): void {
    if (this.currentKind === 'categorical') {
      this.pushString(value ? 'true' : 'false');
      return;
    }
    if (this.booleanRows === undefined || this.booleanRows.length < this.values.length) {
      const marks = new Uint8Array(this.values.length);
      if (this.booleanRows !== undefined) marks.set(this.booleanRows);
      this.booleanRows = marks;
    }
    this.booleanRows[this.count] = 1;
    this.pushNumber(value ? 1 : 0);
  }

  pushMissing(): void {
    if (this.currentKind === 'numeric') this.pushNumber(Number.NaN);
    else this.pushCode(MISSING_CODE);
  }

  /** Pads with missing values up to `rows` rows (NDJSON lines that lack the key). */
  padTo(rows: number): void {
    while (this.count < rows) this.pushMissing();
  }

  /** Adds the category spelled by the UTF-8 `bytes[start, end)`; the column must be categorical. */
  pushBytes(bytes: Uint8Array, start: number, end: number): void {
    this.pushCode(this.dictionary!.codeOfBytes(bytes, start, end));
  }

  /** Adds a category; the column must be categorical. */
  pushString(value: string): void {
    this.pushCode(this.dictionary!.codeOfString(value));
  }

  /**
   * Makes the column `rows` rows long, all missing, for readers that then fill rows in any order (Parquet); with
   * `missing` false a numeric column's rows are left as they are, for a reader that writes every one of them.
   */
  reserve(rows: number, missing = true): void {
    if (this.currentKind === 'numeric') {
      if (this.values.length < rows) this.values = sharedFloat64(rows);
      if (missing) this.values.fill(Number.NaN, 0, rows);
    } else {
      if (this.codes.length < rows) this.codes = new Int32Array(rows);
      this.codes.fill(MISSING_CODE, 0, rows);
    }
    this.count = rows;
  }

  /** The rows of a numeric column made with {@link reserve}, to be filled in place (a Parquet page decoder). */
  reservedValues(): Float64Array {
    return this.values.subarray(0, this.count);
  }

  /** Sets a row of a numeric column made with {@link reserve}. */
  setNumber(row: number, value: number): void {
    this.values[row] = value;
  }

  /** Sets a row of a categorical column made with {@link reserve}. */
  setString(row: number, value: string): void {
    this.codes[row] = this.dictionary!.codeOfString(value);
  }

  /**
   * Turns a numeric column being inferred into a categorical one. `textAt(row)` gives the original text of a
   * non-missing row read so far; without it numbers are formatted with `String()`.
   */
  toCategorical(textAt?: (row: number) => string): void {
    if (this.currentKind === 'categorical') return;
    const dictionary = new ByteDictionary();
    const codes = new Int32Array(Math.max(16, this.values.length));
    for (let row = 0; row < this.count; row++) {
      const value = this.values[row]!;
      if (Number.isNaN(value)) codes[row] = MISSING_CODE;
      else if (textAt !== undefined) codes[row] = dictionary.codeOfString(textAt(row));
      else if (this.booleanRows?.[row] === 1) codes[row] = dictionary.codeOfString(value === 1 ? 'true' : 'false');
      else codes[row] = dictionary.codeOfString(String(value));
    }
    this.currentKind = 'categorical';
    this.dictionary = dictionary;
    this.codes = codes;
    this.values = new Float64Array(0);
    this.booleanRows = undefined;
  }

  /** The finished column of exactly `length` rows. */
  build(): Column {
    if (this.currentKind === 'numeric') {
      return { name: this.name, kind: 'numeric', values: trimFloat64(this.values, this.count) };
    }
    return {
      name: this.name,
      kind: 'categorical',
      codes: trim(this.codes, this.count),
      categories: this.dictionary!.categories,
    };
  }

  private pushCode(code: number): void {
    if (this.count === this.codes.length) this.codes = growInt32(this.codes);
    this.codes[this.count++] = code;
  }
}

/**
 * Numeric columns live on shared memory: the analysis hands them to worker threads, which then read the same
 * memory instead of a structured-clone copy of every column (that copy doubled a 1M-row report's peak RSS).
 */
function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
}

/** {@link trim} for numeric columns, keeping them on shared memory. */
function trimFloat64(array: Float64Array, length: number): Float64Array {
  if (array.length - length <= length / 8) return array.subarray(0, length);
  const out = sharedFloat64(length);
  out.set(array.subarray(0, length));
  return out;
}

function growFloat64(array: Float64Array): Float64Array {
  const grown = sharedFloat64(Math.ceil(array.length * 1.5) + 16);
  grown.set(array);
  return grown;
}

function growInt32(array: Int32Array): Int32Array {
  const grown = new Int32Array(Math.ceil(array.length * 1.5) + 16);
  grown.set(array);
  return grown;
}

/** A view when the spare capacity is small, else a copy, so an overestimate does not pin much memory. */
function trim<T extends Float64Array | Int32Array>(array: T, length: number): T {
  if (array.length === length) return array;
  if (array.length - length <= length / 8) return array.subarray(0, length) as T;
  return array.slice(0, length) as T;
}
