import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isVigilError } from '@vigil/core';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { KAFKA_CODECS, registerCompressionCodecs } from '../../src/kafka/codecs';
import { lz4DecompressFrames, xxhash32 } from '../../src/kafka/lz4-frame';
import { snappyUncompress } from '../../src/kafka/snappy';

/*
 * The codecs on bytes other programs wrote (fixtures/compression/make_fixtures.py says how each was made): the
 * compressed records of one batch as librdkafka (kcat) and the Java client produced them, and the lz4 and zstd
 * command-line tools' frames. Plus round trips of our compressors and what corrupt input does.
 */

const FIXTURES = join(__dirname, 'fixtures/compression');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const EVENTS = fixture('events.ndjson');
const LINES = EVENTS.toString('utf8').trimEnd().split('\n');
const codecs = [
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

/** The values of the records of a v2 record batch's (decompressed) records section. */
function recordValues(records: Buffer): string[] {
  let pos = 0;
  const varint = (): number => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = records[pos++];
      if (b === undefined) throw new Error('records end inside a varint');
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    return Number((value >> 1n) ^ -(value & 1n));
  };
  const bytes = (): Buffer | null => {
    const length = varint();
    if (length < 0) return null;
    pos += length;
    return records.subarray(pos - length, pos);
  };
  const values: string[] = [];
  while (pos < records.length) {
    const end = varint() + pos;
    pos += 1; // attributes
    varint(); // timestamp delta
    expect(varint()).toBe(values.length); // offset delta
    bytes(); // key
    values.push(bytes()!.toString('utf8'));
    for (let headers = varint(); headers > 0; headers--) {
      bytes();
      bytes();
    }
    expect(pos).toBe(end);
  }
  return values;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('Kafka compression codecs', () => {
  test.each(
    codecs.flatMap(([name, type]) => ['kcat', 'java'].map((producer) => [`${producer}-${name}`, type] as const)),
  )('%s: the batch a real producer compressed decompresses to its 500 records', async (name, type) => {
    const compressed = fixture(`${name}.bin`);
    const records = await KAFKA_CODECS[type].decompress(compressed);
    expect(Buffer.isBuffer(records)).toBe(true);
    expect(recordValues(records)).toEqual(LINES);
  });

  test('the record parser itself: kcat-gzip through zlib gives the same 500 records', () => {
    expect(recordValues(gunzipSync(fixture('kcat-gzip.bin')))).toEqual(LINES);
  });

  test('what the producers sent is the format each codec expects', () => {
    // librdkafka: a raw Snappy block; Java: the xerial stream; both LZ4 producers: a frame of 64 KiB blocks.
    expect(fixture('kcat-snappy.bin').subarray(0, 8).equals(Buffer.from('\x82SNAPPY\0', 'latin1'))).toBe(false);
    expect(fixture('java-snappy.bin').subarray(0, 8).equals(Buffer.from('\x82SNAPPY\0', 'latin1'))).toBe(true);
    for (const name of ['kcat-lz4.bin', 'java-lz4.bin']) expect(fixture(name).readUInt32LE(0)).toBe(0x184d2204);
    // Both write independent blocks; cli-linked-checksums.lz4 has linked ones (matches reaching into the block before).
    for (const name of ['kcat-lz4.bin', 'java-lz4.bin']) expect(fixture(name)[4]! & 0x20).toBe(0x20);
    expect(fixture('cli-linked-checksums.lz4')[4]! & 0x20).toBe(0);
  });

  test.each(['cli-default.lz4', 'cli-linked-checksums.lz4', 'cli-no-checksum.lz4'])(
    'lz4 tool frame %s decompresses to the file',
    async (name) => {
      expect((await KAFKA_CODECS[CompressionTypes.LZ4].decompress(fixture(name))).equals(EVENTS)).toBe(true);
    },
  );

  test.each(['cli-default.zst', 'cli-no-check.zst'])('zstd tool frame %s decompresses to the file', async (name) => {
    expect((await KAFKA_CODECS[CompressionTypes.ZSTD].decompress(fixture(name))).equals(EVENTS)).toBe(true);
  });

  test('concatenated LZ4 frames and skippable frames', () => {
    const skippable = Buffer.concat([Buffer.from([0x5a, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from('abc')]);
    const input = Buffer.concat([
      skippable,
      fixture('cli-default.lz4'),
      skippable,
      fixture('cli-linked-checksums.lz4'),
    ]);
    expect(lz4DecompressFrames(input).equals(Buffer.concat([EVENTS, EVENTS]))).toBe(true);
  });

  test('xxHash32 matches the reference vectors', () => {
    const bytes = (s: string) => Buffer.from(s, 'latin1');
    expect(xxhash32(bytes(''), 0, 0)).toBe(0x02cc5d05);
    expect(xxhash32(bytes('a'), 0, 1)).toBe(0x550d7456);
    expect(xxhash32(bytes('abc'), 0, 3)).toBe(0x32d153ff);
    expect(xxhash32(bytes('Nobody inspects the spammish repetition'), 0, 39)).toBe(0xe2293b2f);
  });

  const samples: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from('x')],
    ['events (80 KB of JSON)', EVENTS],
    ['random (incompressible)', randomBytes(200_000)],
    ['1 MB of zeros', Buffer.alloc(1 << 20)],
    ['a 3-byte period across blocks', Buffer.from('abc'.repeat(70_000))],
    ...[65_535, 65_536, 65_537, 131_085].map(
      (n) => [`${n} bytes of mixed data`, Buffer.concat([EVENTS, randomBytes(n)]).subarray(0, n)] as [string, Buffer],
    ),
  ];

  test.each(samples)('LZ4 and Snappy compress then decompress %s unchanged', async (_name, input) => {
    for (const type of [CompressionTypes.LZ4, CompressionTypes.Snappy] as const) {
      const codec = KAFKA_CODECS[type];
      const compressed = await codec.compress({ buffer: input });
      expect((await codec.decompress(compressed)).equals(input)).toBe(true);
    }
  });

  test('the compressors compress: events to under a third', async () => {
    for (const type of [CompressionTypes.LZ4, CompressionTypes.Snappy] as const) {
      const compressed = await KAFKA_CODECS[type].compress({ buffer: EVENTS });
      expect(compressed.length).toBeLessThan(EVENTS.length / 3);
    }
  });

  test('ZSTD cannot compress, and says so', async () => {
    const error = await rejection(KAFKA_CODECS[CompressionTypes.ZSTD].compress({ buffer: EVENTS }));
    expect(isVigilError(error, 'VIGIL_USAGE')).toBe(true);
    expect((error as Error).message).toMatch(/ZSTD cannot compress/);
  });

  test.each(
    codecs.flatMap(([name, type]) => ['kcat', 'java'].map((producer) => [`${producer}-${name}`, type] as const)),
  )(
    '%s truncated anywhere: a VIGIL_KAFKA_UNAVAILABLE error naming the codec, never other bytes',
    async (name, type) => {
      const compressed = fixture(`${name}.bin`);
      const whole = await KAFKA_CODECS[type].decompress(compressed);
      const codecName = {
        [CompressionTypes.Snappy]: 'Snappy',
        [CompressionTypes.LZ4]: 'LZ4',
        [CompressionTypes.ZSTD]: 'ZSTD',
      }[type];
      for (let cut = 0; cut < compressed.length; cut += Math.max(1, Math.floor(compressed.length / 300))) {
        const outcome = await KAFKA_CODECS[type].decompress(compressed.subarray(0, cut)).then(
          (output) => output,
          (error: unknown) => error,
        );
        if (Buffer.isBuffer(outcome)) {
          // Only a xerial stream cut between two chunks ends cleanly; it yields a prefix, which the record decoder rejects.
          expect(name).toBe('java-snappy');
          expect(whole.subarray(0, outcome.length).equals(outcome)).toBe(true);
          expect(outcome.length).toBeLessThan(whole.length);
          continue;
        }
        expect(isVigilError(outcome, 'VIGIL_KAFKA_UNAVAILABLE')).toBe(true);
        expect((outcome as Error).message).toMatch(
          new RegExp(`^kafka: a record batch compressed with ${codecName} \\(${cut} bytes\\) does not decompress: .+`),
        );
      }
    },
  );

  test('corrupt bytes: each codec fails with its error or returns bytes, never anything else, and never hangs', async () => {
    for (const [name, type] of codecs) {
      for (const producer of ['kcat', 'java']) {
        const compressed = fixture(`${producer}-${name}.bin`);
        let failures = 0;
        for (let i = 0; i < 150; i++) {
          const corrupt = Buffer.from(compressed);
          for (let flips = 1 + (i % 3); flips > 0; flips--) {
            const at = (i * 7919 + flips * 104_729) % corrupt.length;
            corrupt[at] = corrupt[at]! ^ (1 << (i % 8));
          }
          const outcome = await KAFKA_CODECS[type].decompress(corrupt).then(
            (output) => output,
            (error: unknown) => error,
          );
          if (Buffer.isBuffer(outcome)) continue;
          expect(isVigilError(outcome, 'VIGIL_KAFKA_UNAVAILABLE')).toBe(true);
          failures++;
        }
        // Kafka's own guard is the batch's CRC-32C, which kafkajs does not check; without a frame checksum (these
        // producers write none) a flipped literal decodes to other bytes, which the record decoder or JSON then meets.
        expect(failures).toBeGreaterThanOrEqual(30);
      }
    }
  });

  test('an LZ4 match may reach into the block before only when the frame links its blocks', () => {
    // Block 1 stored ("abcdabcd"), block 2 a 4-byte match 8 back (into block 1) and the last literals "efghi".
    const frame = (flags: number) => {
      const descriptor = Buffer.from([flags, 0x40]);
      const header = Buffer.concat([
        Buffer.from([0x04, 0x22, 0x4d, 0x18]),
        descriptor,
        Buffer.from([(xxhash32(descriptor, 0, 2) >>> 8) & 0xff]),
      ]);
      const stored = Buffer.concat([Buffer.from([8, 0, 0, 0x80]), Buffer.from('abcdabcd')]);
      const block = Buffer.from([0x00, 0x08, 0x00, 0x50, ...Buffer.from('efghi')]);
      return Buffer.concat([header, stored, Buffer.from([block.length, 0, 0, 0]), block, Buffer.alloc(4)]);
    };
    expect(lz4DecompressFrames(frame(0x40)).toString()).toBe('abcdabcdabcdefghi');
    // Independent blocks (what Kafka's producers write): such a match is corruption, not bytes of the block before.
    expect(() => lz4DecompressFrames(frame(0x60))).toThrow(
      "LZ4 match offset 8 points before the start of the block (the frame's blocks are independent)",
    );
  });

  test('a block checksum catches a flipped literal', async () => {
    const frame = Buffer.from(fixture('cli-linked-checksums.lz4'));
    frame[frame.length - 100] = frame[frame.length - 100]! ^ 0x01;
    await expect(KAFKA_CODECS[CompressionTypes.LZ4].decompress(frame)).rejects.toThrow(/LZ4 block checksum mismatch/);
  });

  test.each(codecs)('an empty %s payload is an error, not an empty batch', async (_name, type) => {
    await expect(KAFKA_CODECS[type].decompress(Buffer.alloc(0))).rejects.toThrow(
      /\(0 bytes\) does not decompress: empty input/,
    );
  });

  test('a Snappy header that promises more than the input can hold is refused before allocating', () => {
    expect(() => snappyUncompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x07, 0x00]))).toThrow(
      /cannot come from 6 bytes/,
    );
  });

  test('a Snappy block too large for the shared WebAssembly instance decodes in one of its own, and the shared one still serves the next', async () => {
    const codec = KAFKA_CODECS[CompressionTypes.Snappy];
    const large = Buffer.concat([Buffer.alloc(12 << 20, EVENTS), randomBytes(6 << 20)]);
    expect((await codec.decompress(await codec.compress({ buffer: large }))).equals(large)).toBe(true);
    expect(recordValues(await codec.decompress(fixture('kcat-snappy.bin')))).toEqual(LINES);
  });

  test('registered with kafkajs once, for Snappy, LZ4 and ZSTD; gzip stays kafkajs’s', () => {
    const gzip = CompressionCodecs[CompressionTypes.GZIP];
    registerCompressionCodecs();
    registerCompressionCodecs();
    for (const [, type] of codecs) expect(CompressionCodecs[type]()).toBe(KAFKA_CODECS[type]);
    expect(CompressionCodecs[CompressionTypes.GZIP]).toBe(gzip);
  });
});
