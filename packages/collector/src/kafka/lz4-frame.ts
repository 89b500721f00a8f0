/*
 * The LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) as Kafka uses it: record
 * batches compressed with Kafka's codec 3 hold one LZ4 frame (librdkafka: liblz4's LZ4F; the Java client: its own
 * KafkaLZ4BlockOutputStream; both write independent 64 KiB blocks without checksums, but linked blocks and every
 * checksum are read too). Written here rather than taken from lz4js, which cannot read linked blocks and passes
 * nearly every corrupt batch as other bytes, or lz4-napi, a native binary per platform whose errors do not say
 * where (docs/decisions/0010-kafka-codecs-and-what-stays-hand-written.md, bench/codecs.mjs): a corrupt batch must
 * fail, not decode to something else. Decoding is strict: every length is checked against the input, every offset against the output,
 * and the header, block and content checksums are verified when the frame has them.
 */

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };
const UNCOMPRESSED_BIT = 0x80000000;
/** The spec's minimum match, and its rule that the last 5 bytes of a block are literals and no match starts in the last 12. */
const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;

/** Thrown for input that is not a valid LZ4 frame; the message says where and why. */
export class Lz4FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Lz4FormatError';
  }
}

/** Decompresses one or more concatenated LZ4 frames (skippable frames are skipped). */
export function lz4DecompressFrames(input: Uint8Array): Buffer {
  const out = new GrowableBytes(Math.max(256, input.length * 4));
  let pos = 0;
  let frames = 0;
  while (pos < input.length) {
    need(input, pos, 4, 'a frame magic number');
    const magic = readU32(input, pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(input, pos + 4, 4, 'a skippable frame size');
      const size = readU32(input, pos + 4);
      need(input, pos + 8, size, 'a skippable frame');
      pos += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC)
      throw new Lz4FormatError(`not an LZ4 frame: magic number 0x${magic.toString(16)} at byte ${pos}`);
    pos = decodeFrame(input, pos + 4, out);
    frames++;
  }
  if (frames === 0) throw new Lz4FormatError('no LZ4 frame in the input');
  return out.result();
}

function decodeFrame(input: Uint8Array, start: number, out: GrowableBytes): number {
  let pos = start;
  need(input, pos, 3, 'a frame descriptor');
  const flags = input[pos]!;
  const bd = input[pos + 1]!;
  if (flags >> 6 !== 1) throw new Lz4FormatError(`unsupported LZ4 frame version ${flags >> 6}`);
  if ((flags & 0x02) !== 0 || (bd & 0x8f) !== 0) throw new Lz4FormatError('LZ4 frame descriptor has reserved bits set');
  const blockChecksums = (flags & 0x10) !== 0;
  const hasContentSize = (flags & 0x08) !== 0;
  const independentBlocks = (flags & 0x20) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const hasDictionary = (flags & 0x01) !== 0;
  const blockMax = BLOCK_MAX_SIZES[(bd >> 4) & 0x07];
  if (blockMax === undefined) throw new Lz4FormatError(`invalid LZ4 block maximum size code ${(bd >> 4) & 0x07}`);
  const descriptorLength = 2 + (hasContentSize ? 8 : 0) + (hasDictionary ? 4 : 0);
  need(input, pos, descriptorLength + 1, 'a frame descriptor');
  let contentSize: number | undefined;
  if (hasContentSize) {
    const size = Number(readU32(input, pos + 2)) + readU32(input, pos + 6) * 2 ** 32;
    if (size > 2 ** 31) throw new Lz4FormatError(`LZ4 frame content size ${size} is implausible`);
    contentSize = size;
  }
  if (hasDictionary) throw new Lz4FormatError('LZ4 frame needs a dictionary (Kafka never sends one)');
  const headerChecksum = input[pos + descriptorLength]!;
  // Kafka's first LZ4 message format (magic 0, before 0.10) hashed the magic number too; accept that as well.
  if (
    headerChecksum !== ((xxhash32(input, pos, descriptorLength) >>> 8) & 0xff) &&
    headerChecksum !== ((xxhash32(input, pos - 4, descriptorLength + 4) >>> 8) & 0xff)
  ) {
    throw new Lz4FormatError('LZ4 frame header checksum mismatch');
  }
  pos += descriptorLength + 1;

  const contentStart = out.length;
  for (;;) {
    need(input, pos, 4, 'a block size');
    const word = readU32(input, pos);
    pos += 4;
    if (word === 0) break;
    const stored = (word & UNCOMPRESSED_BIT) !== 0;
    const size = (word & ~UNCOMPRESSED_BIT) >>> 0;
    if (size > blockMax) throw new Lz4FormatError(`LZ4 block of ${size} bytes exceeds the frame's maximum ${blockMax}`);
    need(input, pos, size + (blockChecksums ? 4 : 0), 'a block');
    if (blockChecksums && readU32(input, pos + size) !== xxhash32(input, pos, size))
      throw new Lz4FormatError(`LZ4 block checksum mismatch at byte ${pos}`);
    if (stored) out.append(input, pos, size);
    // A match reaches back into earlier blocks only when the frame links them, and never into an earlier frame.
    else
      decodeBlock(
        input,
        pos,
        pos + size,
        out,
        blockMax,
        independentBlocks ? 'block' : 'frame',
        independentBlocks ? out.length : contentStart,
      );
    pos += size + (blockChecksums ? 4 : 0);
  }
  const produced = out.length - contentStart;
  if (contentSize !== undefined && produced !== contentSize)
    throw new Lz4FormatError(`LZ4 frame decoded to ${produced} bytes, its header says ${contentSize}`);
  if (contentChecksum) {
    need(input, pos, 4, 'the content checksum');
    if (readU32(input, pos) !== xxhash32(out.bytes, contentStart, produced))
      throw new Lz4FormatError('LZ4 frame content checksum mismatch');
    pos += 4;
  }
  return pos;
}

/**
 * One compressed block appended to `out`; its matches may reach back to `floor` in the output: the start of the
 * block when the frame's blocks are independent (Kafka's producers), of the frame when they are linked.
 */
function decodeBlock(
  src: Uint8Array,
  start: number,
  end: number,
  out: GrowableBytes,
  blockMax: number,
  scope: 'block' | 'frame',
  floor: number,
): void {
  const blockStart = out.length;
  out.reserve(blockMax);
  const dst = out.bytes;
  let d = out.length;
  let s = start;
  for (;;) {
    if (s >= end) throw new Lz4FormatError('LZ4 block ends without its last literals');
    const token = src[s++]!;
    let literals = token >> 4;
    if (literals === 15) {
      for (;;) {
        if (s >= end) throw new Lz4FormatError('LZ4 literal length runs past the block');
        const b = src[s++]!;
        literals += b;
        if (b !== 255) break;
      }
    }
    if (s + literals > end) throw new Lz4FormatError('LZ4 literals run past the block');
    if (d - blockStart + literals > blockMax)
      throw new Lz4FormatError('LZ4 block decodes to more than its maximum size');
    if (literals < 32) {
      for (const stop = s + literals; s < stop;) dst[d++] = src[s++]!;
    } else {
      dst.set(src.subarray(s, s + literals), d);
      s += literals;
      d += literals;
    }
    if (s === end) break;
    if (s + 2 > end) throw new Lz4FormatError('LZ4 match offset runs past the block');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    let length = token & 0x0f;
    if (length === 15) {
      for (;;) {
        if (s >= end) throw new Lz4FormatError('LZ4 match length runs past the block');
        const b = src[s++]!;
        length += b;
        if (b !== 255) break;
      }
    }
    length += MIN_MATCH;
    if (offset === 0 || offset > d - floor)
      throw new Lz4FormatError(
        `LZ4 match offset ${offset} points before the start of the ${scope}${scope === 'block' ? " (the frame's blocks are independent)" : ''}`,
      );
    if (d - blockStart + length > blockMax) throw new Lz4FormatError('LZ4 block decodes to more than its maximum size');
    let from = d - offset;
    if (offset >= length && length >= 32) {
      dst.copyWithin(d, from, from + length);
      d += length;
    } else {
      // Byte by byte: short copies, and overlapping ones (a run repeats the bytes just written).
      for (const stop = d + length; d < stop;) dst[d++] = dst[from++]!;
    }
  }
  out.length = d;
}

/**
 * One LZ4 frame as the Java client writes them: independent 64 KiB blocks, no checksums. Greedy matching with a
 * 4-byte hash, no search effort: a fair ratio on JSON events, and fast.
 */
export function lz4CompressFrame(input: Uint8Array): Buffer {
  const blockMax = BLOCK_MAX_SIZES[4]!;
  const out = new GrowableBytes(input.length + 64);
  const header = Uint8Array.of(0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0);
  header[6] = (xxhash32(header, 4, 2) >>> 8) & 0xff;
  out.append(header, 0, header.length);
  const table = new Int32Array(1 << 14);
  for (let start = 0; start < input.length; start += blockMax) {
    const block = input.subarray(start, Math.min(input.length, start + blockMax));
    const sizeAt = out.length;
    out.reserve(4 + block.length + (block.length >> 8) + 16);
    out.length += 4;
    const size = compressBlock(block, out, table);
    if (size >= block.length) {
      out.length = sizeAt + 4;
      out.append(block, 0, block.length);
      writeU32(out.bytes, sizeAt, (block.length | UNCOMPRESSED_BIT) >>> 0);
    } else {
      writeU32(out.bytes, sizeAt, size);
    }
  }
  out.reserve(4);
  writeU32(out.bytes, out.length, 0);
  out.length += 4;
  return out.result();
}

/** Appends `src` as one LZ4 block; returns its size. `out` has room for the worst case. */
function compressBlock(src: Uint8Array, out: GrowableBytes, table: Int32Array): number {
  const dst = out.bytes;
  const begin = out.length;
  let d = begin;
  const n = src.length;
  table.fill(-1);
  let anchor = 0;
  const emit = (literalEnd: number, offset: number, matchLength: number): void => {
    const literals = literalEnd - anchor;
    const matchCode = matchLength - MIN_MATCH;
    dst[d++] = (Math.min(literals, 15) << 4) | (offset === 0 ? 0 : Math.min(matchCode, 15));
    if (literals >= 15) d = writeLength(dst, d, literals - 15);
    dst.set(src.subarray(anchor, literalEnd), d);
    d += literals;
    if (offset === 0) return;
    dst[d++] = offset & 0xff;
    dst[d++] = offset >> 8;
    if (matchCode >= 15) d = writeLength(dst, d, matchCode - 15);
  };
  for (let i = 0; i + MF_LIMIT <= n;) {
    const word = readU32(src, i);
    const h = Math.imul(word, 2654435761) >>> 18;
    const candidate = table[h]!;
    table[h] = i;
    if (candidate >= 0 && i - candidate <= 0xffff && readU32(src, candidate) === word) {
      let length = MIN_MATCH;
      while (i + length < n - LAST_LITERALS && src[candidate + length] === src[i + length]) length++;
      emit(i, i - candidate, length);
      i += length;
      anchor = i;
    } else {
      i++;
    }
  }
  emit(n, 0, 0);
  out.length = d;
  return d - begin;
}

function writeLength(dst: Uint8Array, at: number, rest: number): number {
  let d = at;
  while (rest >= 255) {
    dst[d++] = 255;
    rest -= 255;
  }
  dst[d++] = rest;
  return d;
}

/** xxHash32 of `length` bytes of `data` from `start`, seed 0 (the checksum of LZ4 frames). */
export function xxhash32(data: Uint8Array, start: number, length: number): number {
  const P1 = 2654435761;
  const P2 = 2246822519;
  const P3 = 3266489917;
  const P4 = 668265263;
  const P5 = 374761393;
  const end = start + length;
  let i = start;
  let h: number;
  if (length >= 16) {
    let v1 = (P1 + P2) | 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = -P1 | 0;
    const round = (v: number, lane: number): number => Math.imul(rotl(v + Math.imul(lane, P2), 13), P1);
    for (const limit = end - 16; i <= limit; i += 16) {
      v1 = round(v1, readU32(data, i));
      v2 = round(v2, readU32(data, i + 4));
      v3 = round(v3, readU32(data, i + 8));
      v4 = round(v4, readU32(data, i + 12));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
  } else {
    h = P5;
  }
  h = (h + length) | 0;
  for (; i + 4 <= end; i += 4) h = Math.imul(rotl(h + Math.imul(readU32(data, i), P3), 17), P4);
  for (; i < end; i++) h = Math.imul(rotl(h + Math.imul(data[i]!, P5), 11), P1);
  h = Math.imul(h ^ (h >>> 15), P2);
  h = Math.imul(h ^ (h >>> 13), P3);
  return (h ^ (h >>> 16)) >>> 0;
}

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

function readU32(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

function writeU32(data: Uint8Array, at: number, value: number): void {
  data[at] = value & 0xff;
  data[at + 1] = (value >>> 8) & 0xff;
  data[at + 2] = (value >>> 16) & 0xff;
  data[at + 3] = (value >>> 24) & 0xff;
}

function need(input: Uint8Array, at: number, count: number, what: string): void {
  if (at + count > input.length)
    throw new Lz4FormatError(`LZ4 input ends inside ${what} (needs ${count} bytes at ${at}, has ${input.length})`);
}

/** An output buffer that doubles as it fills. */
export class GrowableBytes {
  bytes: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafe(capacity);
  }

  reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.length + extra, this.bytes.length * 2));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  append(src: Uint8Array, start: number, count: number): void {
    this.reserve(count);
    this.bytes.set(src.subarray(start, start + count), this.length);
    this.length += count;
  }

  /** The bytes written, as a Buffer of its own size. */
  result(): Buffer {
    return this.length === this.bytes.length ? this.bytes : Buffer.from(this.bytes.subarray(0, this.length));
  }
}
