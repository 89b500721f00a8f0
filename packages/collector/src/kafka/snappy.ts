/*
 * Snappy as Kafka producers send it (Kafka's codec 2). librdkafka (kcat, confluent-kafka-*) and kafkajs-snappy
 * write one raw Snappy block (https://github.com/google/snappy/blob/main/format_description.txt); the Java client
 * writes snappy-java's "xerial" stream: a 16-byte header (magic \x82SNAPPY\0, version, compatible version), then
 * chunks of a 4-byte big-endian length and a raw block. Both are read here. A raw block is decoded by hysnappy
 * (a Snappy decoder in C compiled to WebAssembly, what hyparquet reads Parquet's Snappy pages with): as strict as
 * the decoder Vigil had (it fails the same corrupt inputs) and about 3 times faster
 * (docs/decisions/0010-kafka-codecs-and-what-stays-hand-written.md).
 * Its declared length is checked here first, since hysnappy grows its memory to whatever a header says.
 */

import { snappyUncompressor } from 'hysnappy';
import { GrowableBytes } from './lz4-frame';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_LENGTH = 16;
/**
 * A WebAssembly instance keeps the memory it grew to, so one instance serves blocks up to this size (a Kafka
 * batch is at most a few MiB) and a larger block gets an instance of its own, dropped after it.
 */
const SHARED_INSTANCE_BYTES = 16 << 20;

/** Thrown for input that is not valid Snappy; the message says why. */
export class SnappyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnappyFormatError';
  }
}

/** A raw Snappy block, or a xerial stream of them. */
export function snappyDecompressKafka(input: Uint8Array): Buffer {
  if (!isXerial(input)) return snappyUncompress(input);
  const chunks: Buffer[] = [];
  let pos = XERIAL_HEADER_LENGTH;
  while (pos < input.length) {
    if (pos + 4 > input.length)
      throw new SnappyFormatError(`xerial snappy stream ends inside a chunk length at byte ${pos}`);
    const size = ((input[pos]! << 24) | (input[pos + 1]! << 16) | (input[pos + 2]! << 8) | input[pos + 3]!) >>> 0;
    pos += 4;
    if (pos + size > input.length)
      throw new SnappyFormatError(
        `xerial snappy chunk of ${size} bytes at byte ${pos} runs past the end (${input.length} bytes)`,
      );
    chunks.push(snappyUncompress(input.subarray(pos, pos + size)));
    pos += size;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function isXerial(input: Uint8Array): boolean {
  if (input.length < XERIAL_HEADER_LENGTH) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (input[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

let shared: ((input: Uint8Array, outputLength: number) => Uint8Array) | undefined;

/** One raw Snappy block. */
export function snappyUncompress(src: Uint8Array): Buffer {
  let s = 0;
  let expected = 0;
  for (let shift = 0; ; shift += 7) {
    if (s >= src.length || shift > 28) throw new SnappyFormatError('snappy block has no valid uncompressed length');
    const b = src[s++]!;
    expected += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (expected > 2 ** 31) throw new SnappyFormatError(`snappy uncompressed length ${expected} is implausible`);
  // A Snappy element of n input bytes yields at most 64 output bytes per tag byte: a bound against lying headers.
  if (expected > src.length * 64 + 64)
    throw new SnappyFormatError(`snappy uncompressed length ${expected} cannot come from ${src.length} bytes`);
  const uncompress =
    src.length + expected > SHARED_INSTANCE_BYTES ? snappyUncompressor() : (shared ??= snappyUncompressor());
  let output: Uint8Array;
  try {
    output = uncompress(src, expected);
  } catch (error) {
    // hysnappy's reasons: "invalid snappy length header", "missing eof marker" (the block does not end where its
    // length says), "premature end of input".
    throw new SnappyFormatError(
      `snappy block of ${src.length} bytes (${expected} declared) is corrupt: ${(error as Error).message}`,
    );
  }
  return Buffer.from(output.buffer, output.byteOffset, output.byteLength);
}

/** One raw Snappy block (what librdkafka sends, and what every Kafka consumer reads). Greedy 4-byte hash matching. */
export function snappyCompress(src: Uint8Array): Buffer {
  const n = src.length;
  const out = new GrowableBytes(32 + n + Math.ceil(n / 6));
  const dst = out.bytes;
  let d = 0;
  for (let v = n; ; v = Math.floor(v / 128)) {
    if (v < 0x80) {
      dst[d++] = v;
      break;
    }
    dst[d++] = (v & 0x7f) | 0x80;
  }
  const table = new Int32Array(1 << 14).fill(-1);
  let anchor = 0;
  const literal = (end: number): void => {
    let length = end - anchor;
    while (length > 0) {
      const chunk = Math.min(length, 65536);
      const code = chunk - 1;
      if (code < 60) dst[d++] = code << 2;
      else if (code < 256) {
        dst[d++] = 60 << 2;
        dst[d++] = code;
      } else {
        dst[d++] = 61 << 2;
        dst[d++] = code & 0xff;
        dst[d++] = code >> 8;
      }
      dst.set(src.subarray(anchor, anchor + chunk), d);
      d += chunk;
      anchor += chunk;
      length -= chunk;
    }
  };
  const copy = (offset: number, length: number): void => {
    while (length > 0) {
      // Copies of 4..64 bytes; never leave a remainder under 4.
      let chunk = Math.min(length, 64);
      if (length - chunk > 0 && length - chunk < 4) chunk = length - 4;
      if (chunk < 12 && offset < 2048) {
        dst[d++] = 1 | ((chunk - 4) << 2) | ((offset >> 8) << 5);
        dst[d++] = offset & 0xff;
      } else {
        dst[d++] = 2 | ((chunk - 1) << 2);
        dst[d++] = offset & 0xff;
        dst[d++] = offset >> 8;
      }
      length -= chunk;
    }
  };
  for (let i = 0; i + 4 <= n;) {
    const word = (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
    const h = Math.imul(word, 0x1e35a7bd) >>> 18;
    const candidate = table[h]!;
    table[h] = i;
    if (
      candidate >= 0 &&
      i - candidate <= 0xffff &&
      src[candidate] === src[i] &&
      src[candidate + 1] === src[i + 1] &&
      src[candidate + 2] === src[i + 2] &&
      src[candidate + 3] === src[i + 3]
    ) {
      let length = 4;
      while (i + length < n && src[candidate + length] === src[i + length]) length++;
      literal(i);
      copy(i - candidate, length);
      i += length;
      anchor = i;
    } else {
      i++;
    }
  }
  literal(n);
  return Buffer.from(dst.subarray(0, d));
}
