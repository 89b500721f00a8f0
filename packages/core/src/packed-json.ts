/**
 * JSON values in a compact binary form, for bucket accumulators (decision 0055). An accumulator is a few thousand
 * numbers, most of them small counts, under a few dozen distinct keys; as JSON text that is ~19 KB a bucket at ~40
 * events (stored as ~6 KB with lz4). Here each key is written once, a small count is one byte, an array of counts
 * carries no tag per element, and a fraction is its 8 bytes: ~5 KB, ~3 KB once Postgres's lz4 has it.
 *
 * `unpackJson(packJson(v))` is `JSON.parse(JSON.stringify(v))` for every value JSON.stringify accepts without a
 * `toJSON` or replacer: key order kept, `undefined` and functions left out of objects and null in arrays, NaN and
 * ±Infinity null, -0 as 0, strings of any UTF-16 (lone surrogates included). Not MessagePack (keys repeated in every
 * object, 9 bytes a fraction) nor a schema of the accumulator (its optional parts change with the model's
 * configuration, and the store never looks inside); why hand-written is in the decision.
 *
 * Layout: a version byte (1); the number of keys and each key (a string, below); then the value. A value is a tag
 * byte and its body:
 *
 * | tag | value | body |
 * |---|---|---|
 * | 0, 1, 2 | null, false, true | none |
 * | 3 | integer 0 ≤ n ≤ 2^53 − 1 | n as a varint |
 * | 4 | integer −(2^53 − 1) ≤ n < 0 | −n as a varint |
 * | 5 | any other number | float64, little-endian |
 * | 6 | string, well-formed | varint byte length, UTF-8 |
 * | 7 | string with a lone surrogate | varint length, UTF-16 code units little-endian |
 * | 8 | array | varint length, each element a value |
 * | 9 | array of integers 0 ≤ n ≤ 2^53 − 1 | varint length, each a varint |
 * | 10 | object | varint number of entries, each a varint key index and a value |
 *
 * A varint is LEB128: seven bits a byte, least significant first, the high bit set on every byte but the last.
 */

import { VigilError } from './errors';

const FORMAT = 1;
const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const UINT = 3;
const NEGINT = 4;
const FLOAT = 5;
const UTF8 = 6;
const UTF16 = 7;
const ARRAY = 8;
const UINT_ARRAY = 9;
const OBJECT = 10;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

class Writer {
  bytes: Uint8Array;
  view: DataView;
  at = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.at + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  byte(b: number): void {
    this.reserve(1);
    this.bytes[this.at++] = b;
  }

  /** `n` a safe non-negative integer. */
  varint(n: number): void {
    this.reserve(8);
    this.varintReserved(n);
  }

  /** {@link varint} with room for its 8 bytes already reserved. */
  varintReserved(n: number): void {
    const bytes = this.bytes;
    if (n < 0x80) {
      bytes[this.at++] = n;
      return;
    }
    while (n >= 0x80) {
      // Past 2^31 the bit operators would wrap: the low seven bits by remainder, the rest by division.
      bytes[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    bytes[this.at++] = n;
  }

  float(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }

  string(s: string): void {
    if (LONE_SURROGATE.test(s)) {
      this.byte(UTF16);
      this.varint(s.length);
      this.reserve(s.length * 2);
      for (let i = 0; i < s.length; i++) {
        this.view.setUint16(this.at, s.charCodeAt(i), true);
        this.at += 2;
      }
      return;
    }
    this.byte(UTF8);
    // At most three bytes a UTF-16 code unit: a short string's length fits one varint byte, written after the text.
    if (s.length * 3 < 0x80) {
      this.reserve(1 + s.length * 3);
      const written = encodeInto(s, this.bytes, this.at + 1);
      this.bytes[this.at] = written;
      this.at += 1 + written;
      return;
    }
    const text = Buffer.from(s, 'utf8');
    this.varint(text.length);
    this.reserve(text.length);
    this.bytes.set(text, this.at);
    this.at += text.length;
  }
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one: what UTF-8 cannot carry. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const utf8 = new TextEncoder();
function encodeInto(s: string, bytes: Uint8Array, at: number): number {
  return utf8.encodeInto(s, bytes.subarray(at)).written;
}

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_SAFE;

/** What JSON.stringify leaves out of an object, and writes as null in an array. */
const skipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

const scratch = new Writer(1 << 16);

/** `value` in the packed form (see the module's comment). */
export function packJson(value: unknown): Uint8Array {
  const keys = new Map<string, number>();
  // The body in a scratch buffer kept between calls (grown to the largest value packed), then copied out once.
  const body = scratch;
  body.at = 0;
  write(body, value, keys);
  const head = new Writer(256);
  head.byte(FORMAT);
  head.varint(keys.size);
  // A key is a string value: its tag (UTF-8 or UTF-16) and its body.
  for (const key of keys.keys()) head.string(key);
  const out = new Uint8Array(head.at + body.at);
  out.set(head.bytes.subarray(0, head.at));
  out.set(body.bytes.subarray(0, body.at), head.at);
  return out;
}

function write(w: Writer, v: unknown, keys: Map<string, number>): void {
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v) && Math.abs(v) <= MAX_SAFE) {
        if (v >= 0) {
          w.byte(UINT);
          w.varint(v);
        } else {
          w.byte(NEGINT);
          w.varint(-v);
        }
      } else if (Number.isFinite(v)) {
        w.byte(FLOAT);
        w.float(v);
      } else w.byte(NULL);
      return;
    case 'string':
      w.string(v);
      return;
    case 'boolean':
      w.byte(v ? TRUE : FALSE);
      return;
    case 'object':
      break;
    default:
      // undefined, a function or a symbol at the top: JSON.stringify gives undefined, which is no JSON text.
      throw new VigilError('VIGIL_INTERNAL', `packJson: not a JSON value (${typeof v})`);
  }
  if (v === null) {
    w.byte(NULL);
    return;
  }
  if (Array.isArray(v)) {
    const list = v as unknown[];
    let counts = list.length > 0;
    for (let i = 0; i < list.length && counts; i++) counts = isUint(list[i]);
    if (counts) {
      w.byte(UINT_ARRAY);
      w.varint(list.length);
      // Room for the widest varints at once: no check an element.
      w.reserve(list.length * 8);
      for (let i = 0; i < list.length; i++) w.varintReserved(list[i] as number);
      return;
    }
    w.byte(ARRAY);
    w.varint(list.length);
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (skipped(item)) w.byte(NULL);
      else write(w, item, keys);
    }
    return;
  }
  const object = v as Record<string, unknown>;
  const names = Object.keys(object);
  let entries = 0;
  for (const name of names) if (!skipped(object[name])) entries++;
  w.byte(OBJECT);
  w.varint(entries);
  for (const name of names) {
    const item = object[name];
    if (skipped(item)) continue;
    let index = keys.get(name);
    if (index === undefined) keys.set(name, (index = keys.size));
    w.varint(index);
    write(w, item, keys);
  }
}

class Reader {
  at = 0;
  readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  byte(): number {
    if (this.at >= this.bytes.length) throw corrupt('it ends inside a value');
    return this.bytes[this.at++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 56) throw corrupt('a varint is longer than a safe integer');
    }
    if (n > MAX_SAFE) throw corrupt('a varint is larger than a safe integer');
    return n;
  }

  need(n: number): void {
    if (this.at + n > this.bytes.length) throw corrupt('it ends inside a value');
  }

  string(tag: number): string {
    const length = this.varint();
    if (tag === UTF8) {
      this.need(length);
      const s = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, length).toString('utf8');
      this.at += length;
      return s;
    }
    this.need(length * 2);
    let s = '';
    for (let i = 0; i < length; i++) {
      s += String.fromCharCode(this.view.getUint16(this.at, true));
      this.at += 2;
    }
    return s;
  }
}

function corrupt(why: string): VigilError {
  return new VigilError('VIGIL_INTERNAL', `not a packed JSON value: ${why}`);
}

/** The value `bytes` packs (see {@link packJson}). */
export function unpackJson(bytes: Uint8Array): unknown {
  const r = new Reader(bytes);
  const format = r.byte();
  if (format !== FORMAT) throw corrupt(`format ${format}, not ${FORMAT}`);
  const keyCount = r.varint();
  const keys: string[] = [];
  for (let i = 0; i < keyCount; i++) {
    const tag = r.byte();
    if (tag !== UTF8 && tag !== UTF16) throw corrupt(`key ${i} is not a string (tag ${tag})`);
    keys.push(r.string(tag));
  }
  const value = read(r, keys);
  if (r.at !== bytes.length) throw corrupt('bytes follow the value');
  return value;
}

function read(r: Reader, keys: readonly string[]): unknown {
  const tag = r.byte();
  switch (tag) {
    case NULL:
      return null;
    case FALSE:
      return false;
    case TRUE:
      return true;
    case UINT:
      return r.varint();
    case NEGINT:
      return -r.varint();
    case FLOAT: {
      r.need(8);
      const v = r.view.getFloat64(r.at, true);
      r.at += 8;
      return v;
    }
    case UTF8:
    case UTF16:
      return r.string(tag);
    case ARRAY: {
      const length = r.varint();
      const list: unknown[] = [];
      for (let i = 0; i < length; i++) list.push(read(r, keys));
      return list;
    }
    case UINT_ARRAY: {
      const length = r.varint();
      const list: number[] = [];
      for (let i = 0; i < length; i++) list.push(r.varint());
      return list;
    }
    case OBJECT: {
      const entries = r.varint();
      const object: Record<string, unknown> = {};
      for (let i = 0; i < entries; i++) {
        const index = r.varint();
        if (index >= keys.length) throw corrupt(`key ${index} of ${keys.length}`);
        const key = keys[index]!;
        const item = read(r, keys);
        // As JSON.parse: an own property, even one named __proto__ (an assignment would set the prototype).
        if (key === '__proto__')
          Object.defineProperty(object, key, { value: item, enumerable: true, writable: true, configurable: true });
        else object[key] = item;
      }
      return object;
    }
    default:
      throw corrupt(`tag ${tag} at byte ${r.at - 1}`);
  }
}
