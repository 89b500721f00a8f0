import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/*
 * kafkajs 2.2.4 decodes each fetched record (src/protocol/recordBatch/record/v0/decoder.js) with 64-bit `Long`
 * arithmetic: the timestamp delta read as a `Long` byte by byte, then the batch's first timestamp and first offset
 * parsed from their decimal text, added to, and printed back, for every record. With 100 models that was ~4 % of the
 * daemon's CPU and a sixth of the bytes it allocated (docs/benchmarks.md, "The delta counted where it is used").
 *
 * `fastRecordDecoder` gives the same record with plain numbers while every value stays a safe integer (an offset
 * reaches 2^53 after ~2,800 years at 100,000 messages a second, a millisecond time in ~285,000 years), and hands
 * every other record — a header, a varint longer than the fast path reads, a length past the record's bytes, a sum
 * beyond 2^53 — to kafkajs's own decoder, from its first byte. A property test (record-decoder.test.ts) holds the two
 * equal on any record.
 *
 * kafkajs loads its record decoders at the first fetch, so the one in its module cache is replaced before that
 * (`installFastRecordDecoder`, from `createKafka`). Only the version it was written against is touched; another one
 * keeps its own decoder.
 */

/** What the record decoder reads of kafkajs's `Decoder` (src/protocol/decoder.js). */
export interface KafkaRecordDecoder {
  buffer: Buffer;
  offset: number;
}

/** What a record batch hands each of its records (src/protocol/recordBatch/v0/decoder.js, `recordContext`). */
export interface KafkaRecordContext {
  firstOffset: string;
  firstTimestamp: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
  maxTimestamp?: string;
}

export interface KafkaRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, unknown>;
  isControlRecord: boolean;
  batchContext: KafkaRecordContext;
}

export type RecordDecoderFunction = (decoder: KafkaRecordDecoder, context?: KafkaRecordContext) => KafkaRecord;

/** The kafkajs version whose record layout and decoder this file mirrors. */
export const FAST_RECORD_KAFKAJS_VERSION = '2.2.4';

/** kafkajs's TimestampTypes.LOG_APPEND_TIME. */
const LOG_APPEND_TIME = 1;

/** The decoded record, or undefined for kafkajs's own decoder to take it from the start. */
function decodeFast(decoder: KafkaRecordDecoder, context: KafkaRecordContext): KafkaRecord | undefined {
  const b = decoder.buffer;
  const end = b.length;
  let o = decoder.offset;
  if (o >= end) return undefined;
  const attributes = b.readInt8(o++);

  // Timestamp delta: a zigzag varlong. Up to 7 bytes (49 bits) it is exact in a double.
  let raw = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (i === 7 || o >= end) return undefined;
    const byte = b[o++]!;
    raw += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) break;
  }
  const timestampDelta = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;

  // Offset delta, then the key's, the value's and the headers' lengths: zigzag varints, up to 4 bytes (28 bits), where
  // kafkajs's 32-bit arithmetic is exact too. Read by module-level helpers over `at`, not closures over `o`: those
  // cost a context and two closures per record.
  at = o;
  const offsetDelta = readVarint(b, end);
  if (offsetDelta === NO_VARINT) return undefined;
  const key = readBytes(b, end);
  if (key === undefined) return undefined;
  const value = readBytes(b, end);
  if (value === undefined) return undefined;
  const headerCount = readVarint(b, end);
  // No header (0, or -1: kafkajs reads both as none). A record with headers is kafkajs's to decode.
  if (headerCount !== 0 && headerCount !== -1) return undefined;
  o = at;

  const { firstOffset, firstTimestamp, magicByte, isControlBatch = false, timestampType, maxTimestamp } = context;
  let timestamp: string;
  if (timestampType === LOG_APPEND_TIME && maxTimestamp) timestamp = maxTimestamp;
  else {
    const sum = safeSum(firstTimestamp, timestampDelta);
    if (sum === undefined) return undefined;
    timestamp = sum;
  }
  const offset = safeSum(firstOffset, offsetDelta);
  if (offset === undefined) return undefined;
  decoder.offset = o;
  return {
    magicByte,
    attributes, // Record level attributes are presently unused
    timestamp,
    offset,
    key,
    value,
    headers: {},
    isControlRecord: isControlBatch,
    batchContext: context,
  };
}

/** Where {@link readVarint} and {@link readBytes} read next (one record is decoded at a time, synchronously). */
let at = 0;

/** What {@link readVarint} gives for a varint it does not read: a 28-bit zigzag value is never -2^31. */
const NO_VARINT = -0x80000000;

/** The zigzag varint at `b[at]` (up to 4 bytes), `at` moved past it; NO_VARINT when longer or cut. */
function readVarint(b: Buffer, end: number): number {
  let value = 0;
  let shift = 0;
  for (let i = 0; ; i++) {
    if (i === 4 || at >= end) return NO_VARINT;
    const byte = b[at++]!;
    value += (byte & 0x7f) << shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  return (value >>> 1) ^ -(value & 1);
}

/** The length-prefixed bytes at `b[at]` (a view), null for length -1, undefined when the record cannot give them. */
function readBytes(b: Buffer, end: number): Buffer | null | undefined {
  const length = readVarint(b, end);
  if (length === NO_VARINT || length < -1 || at + length > end) return undefined;
  if (length === -1) return null;
  const out = b.slice(at, at + length);
  at += length;
  return out;
}

/** `base` (a 64-bit integer's decimal text) + `delta` as decimal text, when every step is a safe integer. */
function safeSum(base: string, delta: number): string | undefined {
  const first = numberOf(base);
  if (!Number.isSafeInteger(first)) return undefined;
  const sum = first + delta;
  return Number.isSafeInteger(sum) ? String(sum) : undefined;
}

/** A record decoder equal to `original` (kafkajs's own) on every record, without its `Long`s where they are not needed. */
export function fastRecordDecoder(original: RecordDecoderFunction): RecordDecoderFunction {
  return (decoder, context = {} as KafkaRecordContext) => {
    const start = decoder.offset;
    const fast = decodeFast(decoder, context);
    if (fast !== undefined) return fast;
    decoder.offset = start;
    return original(decoder, context);
  };
}

const RECORD_DECODER = 'src/protocol/recordBatch/record/v0/decoder.js';
const RECORD_BATCH_DECODER = 'src/protocol/recordBatch/v0/decoder.js';

let installed: boolean | undefined;

/**
 * Puts {@link fastRecordDecoder} in place of kafkajs's record decoder in Node's module cache, once; true when kafkajs
 * will use it. False (and nothing changed) for another kafkajs version, or when its record batch decoder was loaded
 * already (it holds the decoder it loaded).
 */
export function installFastRecordDecoder(): boolean {
  if (installed !== undefined) return installed;
  installed = false;
  const requireHere = createRequire(__filename);
  const root = dirname(requireHere.resolve('kafkajs/package.json'));
  const { version } = requireHere('kafkajs/package.json') as { version: string };
  if (version !== FAST_RECORD_KAFKAJS_VERSION) return installed;
  const batchPath = join(root, RECORD_BATCH_DECODER);
  if (requireHere.cache[batchPath] !== undefined) return installed;
  const recordPath = join(root, RECORD_DECODER);
  const original = requireHere(recordPath) as RecordDecoderFunction;
  const cached = requireHere.cache[recordPath];
  if (cached === undefined) return installed;
  cached.exports = fastRecordDecoder(original);
  installed = true;
  return installed;
}

/**
 * `Number(text)`, remembering the last two texts: a batch's records all add to the same first offset and first
 * timestamp, which were parsed again for each record.
 */
function numberOf(text: string): number {
  if (text === lastText0) return lastNumber0;
  if (text === lastText1) return lastNumber1;
  lastText1 = lastText0;
  lastNumber1 = lastNumber0;
  lastText0 = text;
  lastNumber0 = Number(text);
  return lastNumber0;
}
let lastText0 = '';
let lastNumber0 = Number('');
let lastText1 = '';
let lastNumber1 = Number('');
