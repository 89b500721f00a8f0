/**
 * A hand-written decoder for the data pages most numeric Parquet columns are made of (format v1 pages, PLAIN or
 * dictionary-coded DOUBLE, FLOAT, INT32 or INT64, flat and required or optional): levels and dictionary indices into
 * reused Int32Arrays and values straight into the column's Float64Array. hyparquet's page decoder makes a JS array
 * of the definition levels and another of the indices per page (`new Array(n)`, holey), which was most of the CPU
 * of reading a 1,000-column file; see decision 0019.
 */
import type { ParquetPageKernel } from './parquet-page-kernel';

/** Physical types this decoder takes. */
export type TypedNumber = 'DOUBLE' | 'FLOAT' | 'INT32' | 'INT64';

const TWO_32 = 4294967296;

/**
 * `count` values of a PLAIN-encoded `type` from `bytes[pos, …)` as numbers, written to the start of `into` when it is
 * given (it must hold `count`; the page's values then go straight to their column, or to a reused dictionary) and
 * to a new array otherwise. An INT64 is hi·2³² + lo, both exact, so the one rounding of the sum gives what
 * `Number(bigint)` gives.
 */
export function readPlainNumbers(
  bytes: Uint8Array,
  pos: number,
  type: TypedNumber,
  count: number,
  into?: Float64Array,
): Float64Array {
  const width = type === 'DOUBLE' || type === 'INT64' ? 8 : 4;
  if (pos + count * width > bytes.length) throw new Error(`a PLAIN page holds fewer than ${count} ${type} values`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + pos, count * width);
  const out = into === undefined ? new Float64Array(count) : into.subarray(0, count);
  if (type === 'DOUBLE') {
    if ((bytes.byteOffset + pos) % 8 === 0) out.set(new Float64Array(bytes.buffer, bytes.byteOffset + pos, count));
    else for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
  } else if (type === 'FLOAT') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (type === 'INT32') {
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
  } else {
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 8 + 4, true) * TWO_32 + view.getUint32(i * 8, true);
  }
  return out;
}

/** The position after the header {@link runHeader} read last (module state, so that no object is made per run). */
let afterRunHeader = 0;

/**
 * The ULEB128 header of the run at `bytes[pos]` (odd: bit-packed groups, even: an RLE run), its end in
 * {@link afterRunHeader}; `i` of `count` values decoded so far, for the error when the data ends first.
 */
function runHeader(bytes: Uint8Array, pos: number, end: number, i: number, count: number): number {
  if (pos >= end) throw new Error(`RLE data ends after ${i} of ${count} values`);
  let header = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = bytes[pos++]!;
    header += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80 && pos < end);
  afterRunHeader = pos;
  return header;
}

/**
 * Decodes `count` values of the RLE / bit-packed hybrid encoding (bit width 0–24) from `bytes[pos, end)` into
 * `out`; returns the position after the last run read. Values past `count` in the last bit-packed run are padding.
 */
export function readRleHybrid(
  bytes: Uint8Array,
  pos: number,
  end: number,
  bitWidth: number,
  out: Int32Array,
  count: number,
): number {
  if (bitWidth > 24) throw new Error(`bit width ${bitWidth} is over the 24 this decoder takes`);
  const mask = (1 << bitWidth) - 1;
  const valueBytes = (bitWidth + 7) >> 3;
  let i = 0;
  while (i < count) {
    const header = runHeader(bytes, pos, end, i, count);
    pos = afterRunHeader;
    if (header % 2 === 1) {
      const values = Math.floor(header / 2) * 8;
      const runEnd = pos + (values / 8) * bitWidth;
      if (runEnd > end) throw new Error('a bit-packed run runs past the end of its data');
      const stop = Math.min(count, i + values);
      let buffer = 0;
      let bits = 0;
      let p = pos;
      // LSB first: at most 23 bits are held before a byte is added, so the buffer stays within 31 bits.
      for (; i < stop; i++) {
        while (bits < bitWidth) {
          buffer |= bytes[p++]! << bits;
          bits += 8;
        }
        out[i] = buffer & mask;
        buffer >>>= bitWidth;
        bits -= bitWidth;
      }
      pos = runEnd;
    } else {
      const run = Math.floor(header / 2);
      let value = 0;
      for (let b = 0; b < valueBytes; b++) value |= bytes[pos++]! << (b * 8);
      const stop = Math.min(count, i + run);
      out.fill(value, i, stop);
      i = stop;
    }
  }
  return pos;
}

/**
 * {@link readRleHybrid} of a page's dictionary indices fused with the look-up: `count` indices from `bytes[pos,
 * end)` (bit width 1–24) become `out[row + i] = dictionary[index]`, with no array of indices between. Returns the
 * largest index read, for the caller to check against the dictionary's size (a larger one has written NaN).
 *
 * Why: on a 1,000-column file of doubles nearly every page is dictionary-coded with no nulls, and writing the
 * indices out only to read them back was a third of the page's decoding. A bit-packed index is read from the
 * little-endian 32-bit word at its byte (one `DataView` load, no branch per value, at most 24 + 7 bits), or from one
 * or two bytes when the width is 8 or 16 (whole bytes: no shift, no mask); near the end of the bytes, where the word
 * would pass them, from single bytes (a byte past the end reads undefined, which shifts as 0). Four byte loads a
 * value, as this did first, took about twice the CPU on runs of 14- to 16-bit indices (decision 0038).
 */
export function gatherRleHybrid(
  bytes: Uint8Array,
  pos: number,
  end: number,
  bitWidth: number,
  dictionary: Float64Array,
  out: Float64Array,
  row: number,
  count: number,
): number {
  if (bitWidth > 24) throw new Error(`bit width ${bitWidth} is over the 24 this decoder takes`);
  const mask = (1 << bitWidth) - 1;
  const valueBytes = (bitWidth + 7) >> 3;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let largest = 0;
  let i = 0;
  while (i < count) {
    const header = runHeader(bytes, pos, end, i, count);
    pos = afterRunHeader;
    if (header % 2 === 1) {
      const values = Math.floor(header / 2) * 8;
      const runEnd = pos + (values / 8) * bitWidth;
      if (runEnd > end) throw new Error('a bit-packed run runs past the end of its data');
      const stop = Math.min(count, i + values);
      let o = row + i;
      if (bitWidth === 16) {
        for (let at = pos; i < stop; i++, o++, at += 2) {
          const index = bytes[at]! | (bytes[at + 1]! << 8);
          largest = index > largest ? index : largest;
          out[o] = dictionary[index]!;
        }
      } else if (bitWidth === 8) {
        for (let at = pos; i < stop; i++, o++, at++) {
          const index = bytes[at]!;
          largest = index > largest ? index : largest;
          out[o] = dictionary[index]!;
        }
      } else {
        // Bit offset of value i within the run. The values whose 32-bit word lies inside the bytes first; the word
        // may pass runEnd (the page's next bytes), but the mask keeps only the value's own bits.
        const inside = Math.floor(((bytes.length - 4 - pos) * 8) / bitWidth) + 1;
        const words = Math.min(stop, i + Math.max(0, inside));
        let bit = 0;
        for (; i < words; i++, o++, bit += bitWidth) {
          const index = (view.getInt32(pos + (bit >>> 3), true) >>> (bit & 7)) & mask;
          largest = index > largest ? index : largest;
          out[o] = dictionary[index]!;
        }
        for (; i < stop; i++, o++, bit += bitWidth) {
          const at = pos + (bit >>> 3);
          const word = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
          const index = (word >>> (bit & 7)) & mask;
          largest = index > largest ? index : largest;
          out[o] = dictionary[index]!;
        }
      }
      pos = runEnd;
    } else {
      const run = Math.floor(header / 2);
      let index = 0;
      for (let b = 0; b < valueBytes; b++) index |= bytes[pos++]! << (b * 8);
      if (index > largest) largest = index;
      const stop = Math.min(count, i + run);
      out.fill(dictionary[index] ?? Number.NaN, row + i, row + stop);
      i = stop;
    }
  }
  return largest;
}

/**
 * How many of `count` definition levels of bit width 1 in `bytes[pos, end)` are 1, from the runs themselves: an
 * optional column with no null in the page (pyarrow writes every column optional) is one RLE run of 1s, so its
 * levels need not be decoded into an array and summed. Throws as {@link readRleHybrid} does on short data.
 */
export function countDefined(bytes: Uint8Array, pos: number, end: number, count: number): number {
  let i = 0;
  let defined = 0;
  while (i < count) {
    const header = runHeader(bytes, pos, end, i, count);
    pos = afterRunHeader;
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      if (pos + groups > end) throw new Error('a bit-packed run runs past the end of its data');
      const stop = Math.min(count, i + groups * 8);
      for (let k = 0; i < stop; i++, k++) defined += (bytes[pos + (k >> 3)]! >> (k & 7)) & 1;
      pos += groups;
    } else {
      const run = Math.floor(header / 2);
      const value = bytes[pos++]! & 1;
      const stop = Math.min(count, i + run);
      defined += value * (stop - i);
      i = stop;
    }
  }
  return defined;
}

/** Bits needed for values up to `max`. */
export function bitWidthOf(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/** Reused per thread: a page's definition levels and dictionary indices. */
let levels = new Int32Array(0);
let indices = new Int32Array(0);

function scratch(current: Int32Array, count: number): Int32Array {
  return current.length >= count ? current : new Int32Array(Math.max(count, current.length * 2));
}

/** The `count` definition levels (bit width 1) of a v1 page, at `page[4, levelsEnd)`, in this thread's scratch. */
function definitionLevels(page: Uint8Array, levelsEnd: number, count: number): Int32Array {
  levels = scratch(levels, count);
  readRleHybrid(page, 4, levelsEnd, 1, levels, count);
  return levels;
}

/**
 * Decodes an uncompressed v1 data page of `count` rows (definition levels when `maxDefinition` is 1, then PLAIN
 * values or dictionary indices) into `out[row, row + count)`, NaN for null. Returns false, with nothing written,
 * for an encoding it does not take. `kernel`, when given, takes a dictionary-coded page first (the page must be the
 * one it decompressed last and `dictionary` its dictionary; parquet-page-kernel.ts); what it declines is decoded
 * here.
 */
export function decodeTypedPage(
  page: Uint8Array,
  encoding: string,
  type: TypedNumber,
  maxDefinition: number,
  count: number,
  dictionary: Float64Array | undefined,
  out: Float64Array,
  row: number,
  kernel?: ParquetPageKernel,
): boolean {
  const dictionaryCoded = encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY';
  if (!dictionaryCoded && encoding !== 'PLAIN') return false;
  if (dictionaryCoded && dictionary === undefined)
    throw new Error('a dictionary-coded page comes before its dictionary');
  if (maxDefinition > 1) return false;
  if (row + count > out.length) throw new Error(`a page runs past the column chunk's ${out.length} rows`);
  let pos = 0;
  let present = count;
  if (maxDefinition === 1) {
    if (page.length < 4) throw new Error('a data page is too short for its definition levels');
    const length = page[0]! | (page[1]! << 8) | (page[2]! << 16) | (page[3]! << 24);
    present = countDefined(page, 4, 4 + length, count);
    // What follows the levels starts where their declared length says (duckdb writes an empty block).
    pos = 4 + length;
  }
  const levelsEnd = pos;
  if (!dictionaryCoded) {
    if (present === count) {
      readPlainNumbers(page, pos, type, present, out.subarray(row, row + count));
      return true;
    }
    const defined = definitionLevels(page, levelsEnd, count);
    const values = readPlainNumbers(page, pos, type, present);
    for (let i = 0, k = 0; i < count; i++) out[row + i] = defined[i] === 1 ? values[k++]! : Number.NaN;
    return true;
  }
  const dict = dictionary!;
  const width = present === 0 ? 0 : page[pos++]!;
  if (width > 0) {
    if (present === count) {
      const largest =
        kernel?.gather(page, pos, width, out, row, count) ??
        gatherRleHybrid(page, pos, page.length, width, dict, out, row, count);
      if (largest >= dict.length) throw new Error(`dictionary index ${largest} past its ${dict.length} values`);
      return true;
    }
    if (kernel?.gatherDefined(page, levelsEnd, pos, width, dict.length, out, row, count, present)) return true;
  }
  // The levels of a page with nulls are decoded only here, where the JavaScript reads them.
  const defined = present < count ? definitionLevels(page, levelsEnd, count) : undefined;
  indices = scratch(indices, present);
  if (width === 0) indices.fill(0, 0, present);
  else readRleHybrid(page, pos, page.length, width, indices, present);
  const size = dict.length;
  let bad = -1;
  // An index past the dictionary reads undefined (NaN in the column): noted in the loop, thrown after it.
  if (defined === undefined)
    for (let i = 0; i < count; i++) {
      const index = indices[i]!;
      if (index >= size) bad = index;
      out[row + i] = dict[index]!;
    }
  else
    for (let i = 0, k = 0; i < count; i++) {
      if (defined[i] !== 1) {
        out[row + i] = Number.NaN;
        continue;
      }
      const index = indices[k++]!;
      if (index >= size) bad = index;
      out[row + i] = dict[index]!;
    }
  if (bad >= 0) throw new Error(`dictionary index ${bad} past its ${size} values`);
  return true;
}
