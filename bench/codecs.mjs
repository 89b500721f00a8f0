#!/usr/bin/env node
/**
 * Kafka's Snappy and LZ4 codecs: Vigil's decoders (packages/collector/src/kafka/snappy.ts, lz4-frame.ts) against
 * the npm libraries that could replace them (docs/decisions/0010-kafka-codecs-and-what-stays-hand-written.md).
 * Since that decision Vigil's Snappy decoder is hysnappy behind Vigil's own length check and xerial framing; its
 * LZ4 decoder is still its own.
 *
 *   node bench/codecs.mjs [--candidates DIR] [--mb 8] [--runs 5]
 *
 * Candidates are loaded from DIR (made with `npm install --prefix DIR snappyjs lz4js @napi-rs/snappy lz4-napi`);
 * hysnappy (WebAssembly Snappy) comes with the collector's hyparquet-compressors. A missing one is skipped.
 * For each decoder:
 *  1. correctness: the batches real producers compressed (kcat = librdkafka, the Java client; for LZ4 also the lz4
 *     tool's frames with linked blocks and checksums) decode to the records;
 *  2. decode MB/s (of output) on --mb MB of event JSON, compressed by Vigil's compressor and, where the library has
 *     one, by the library's (the median of --runs);
 *  3. corrupt input: every fixture cut at 300 places and flipped at 450 (the codec test's scheme): how many inputs
 *     fail with an error, how many decode to the original bytes anyway, and how many decode to OTHER bytes without
 *     an error (silent corruption), plus whether a header that promises 2 GiB is refused before allocating.
 * Needs `pnpm run build` (Vigil's decoders are read from packages/collector/dist).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    candidates: { type: 'string', default: '/tmp/codec-eval' },
    mb: { type: 'string', default: '8' },
    runs: { type: 'string', default: '5' },
  },
});
const root = resolve(import.meta.dirname, '..');
const requireFrom = (dir) => createRequire(join(dir, 'package.json'));
const inRepo = requireFrom(join(root, 'packages/collector'));
const candidates = requireFrom(resolve(args.candidates));
const load = (req, name) => {
  try {
    return req(name);
  } catch {
    return undefined;
  }
};

const ours = {
  snappy: inRepo(join(root, 'packages/collector/dist/kafka/snappy.js')),
  lz4: inRepo(join(root, 'packages/collector/dist/kafka/lz4-frame.js')),
};
const snappyjs = load(candidates, 'snappyjs');
const napiSnappy = load(candidates, '@napi-rs/snappy');
const lz4js = load(candidates, 'lz4js');
const lz4napi = load(candidates, 'lz4-napi');
// hysnappy is ESM with top-level wasm loading; it is what hyparquet-compressors uses for Parquet's Snappy.
const hysnappyPath = (() => {
  try {
    return createRequire(inRepo.resolve('hyparquet-compressors')).resolve('hysnappy');
  } catch {
    return undefined;
  }
})();
const hysnappy = hysnappyPath ? await import(hysnappyPath) : undefined;

/** The uncompressed length a raw Snappy block declares (hysnappy needs it given). */
function snappyLength(block) {
  let value = 0;
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    const b = block[i];
    if (b === undefined) throw new Error('no length');
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
  }
  throw new Error('bad length');
}

/** snappy-java's xerial framing around raw blocks: the Java client's format, which no library here reads. */
const XERIAL = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
function withXerial(rawBlock) {
  return (input) => {
    if (input.length < 16 || !Buffer.from(input.subarray(0, 8)).equals(XERIAL)) return rawBlock(input);
    const chunks = [];
    for (let pos = 16; pos < input.length;) {
      if (pos + 4 > input.length) throw new Error('xerial chunk length cut');
      const size = input.readUInt32BE(pos);
      pos += 4;
      if (pos + size > input.length) throw new Error('xerial chunk cut');
      chunks.push(Buffer.from(rawBlock(input.subarray(pos, pos + size))));
      pos += size;
    }
    return Buffer.concat(chunks);
  };
}

const snappyDecoders = [
  ['vigil (snappy.ts: hysnappy, one instance)', (input) => ours.snappy.snappyDecompressKafka(input)],
  snappyjs && ['snappyjs 0.7 (JS)', withXerial((b) => snappyjs.uncompress(b))],
  // As hyparquet-compressors calls it: a new WebAssembly instance per block (Vigil keeps one).
  hysnappy && ['hysnappy 1.1, an instance per call', withXerial((b) => hysnappy.snappyUncompress(b, snappyLength(b)))],
  napiSnappy && ['@napi-rs/snappy 1.0 (native)', withXerial((b) => napiSnappy.uncompressSync(Buffer.from(b)))],
].filter(Boolean);
const lz4Decoders = [
  ['vigil (lz4-frame.ts)', (input) => ours.lz4.lz4DecompressFrames(input)],
  lz4js && ['lz4js 0.2 (JS)', (input) => Buffer.from(lz4js.decompress(input))],
  lz4napi && ['lz4-napi 2.x (native, lz4_flex)', (input) => lz4napi.decompressFrameSync(Buffer.from(input))],
].filter(Boolean);

const FIXTURES = join(root, 'packages/collector/test/kafka/fixtures/compression');
const fixture = (name) => readFileSync(join(FIXTURES, name));
const EVENTS = fixture('events.ndjson');
const decompressedBatch = (name, decode) =>
  ours[name.includes('snappy') ? 'snappy' : 'lz4'][
    name.includes('snappy') ? 'snappyDecompressKafka' : 'lz4DecompressFrames'
  ](fixture(name));

/** --mb MB of event lines, each with a distinct id, as a batch of records would be. */
function corpus(mb) {
  const lines = EVENTS.toString('utf8').trimEnd().split('\n');
  const out = [];
  let size = 0;
  for (let i = 0; size < mb * 2 ** 20; i++) {
    const line = lines[i % lines.length].replace(/"id":"[^"]*"/, `"id":"evt-${i}"`);
    out.push(line);
    size += line.length + 1;
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

function outcome(decode, input) {
  try {
    return { ok: true, output: Buffer.from(decode(input)) };
  } catch (error) {
    return {
      ok: false,
      message: error instanceof Error ? `${error.name}: ${error.message}` : `non-Error thrown: ${String(error)}`,
    };
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function throughput(decode, compressed, expected, runs, repeats = 1) {
  const check = outcome(decode, compressed);
  if (!check.ok) return `fails: ${check.message.slice(0, 60)}`;
  if (!check.output.equals(expected)) return 'WRONG OUTPUT';
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    decode(compressed);
    times.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  return `${((expected.length * repeats) / 2 ** 20 / median(times)).toFixed(0)} MB/s`;
}

/** Cuts and bit flips of `compressed` (whose right output is `whole`): errors, right bytes, other bytes (silent). */
function corruption(decode, compressed, whole) {
  const counts = { error: 0, same: 0, silent: 0, prefix: 0 };
  const messages = new Set();
  const judge = (input) => {
    const r = outcome(decode, input);
    if (!r.ok) {
      counts.error++;
      messages.add(r.message.replace(/\b\d+\b/g, 'N').slice(0, 90));
    } else if (r.output.equals(whole)) counts.same++;
    else if (r.output.length < whole.length && whole.subarray(0, r.output.length).equals(r.output)) counts.prefix++;
    else counts.silent++;
  };
  const step = Math.max(1, Math.floor(compressed.length / 300));
  for (let cut = 0; cut < compressed.length; cut += step) judge(compressed.subarray(0, cut));
  for (let i = 0; i < 450; i++) {
    const corrupt = Buffer.from(compressed);
    for (let flips = 1 + (i % 3); flips > 0; flips--) {
      const at = (i * 7919 + flips * 104_729) % corrupt.length;
      corrupt[at] ^= 1 << (i % 8);
    }
    judge(corrupt);
  }
  return { counts, messages: [...messages].slice(0, 3) };
}

const runs = Number(args.runs);
const big = corpus(Number(args.mb));
console.log(
  `node ${process.version}; corpus ${(big.length / 2 ** 20).toFixed(1)} MB of event JSON; median of ${runs} runs\n`,
);

const codecs = [
  {
    name: 'Snappy',
    decoders: snappyDecoders,
    producers: ['kcat-snappy.bin', 'java-snappy.bin'],
    compressed: [
      ['vigil raw block', ours.snappy.snappyCompress(big)],
      napiSnappy && ['@napi-rs/snappy raw block', napiSnappy.compressSync(big)],
    ].filter(Boolean),
    liar: Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x00]),
  },
  {
    name: 'LZ4',
    decoders: lz4Decoders,
    producers: ['kcat-lz4.bin', 'java-lz4.bin'],
    extra: ['cli-default.lz4', 'cli-linked-checksums.lz4', 'cli-no-checksum.lz4'],
    compressed: [
      ['vigil frame', ours.lz4.lz4CompressFrame(big)],
      lz4napi && ['lz4-napi frame', lz4napi.compressFrameSync(big)],
    ].filter(Boolean),
    // A frame declaring a 2 GiB content size (with a right header checksum), then an end mark.
    liar: (() => {
      const frame = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x68, 0x40, 0, 0, 0, 0x80, 0, 0, 0, 0, 0x00, 0, 0, 0, 0]);
      frame[14] = (ours.lz4.xxhash32(frame, 4, 10) >>> 8) & 0xff;
      return frame;
    })(),
  },
];

for (const codec of codecs) {
  console.log(`== ${codec.name}`);
  for (const [name, decode] of codec.decoders) {
    const fixturesOk = [...codec.producers, ...(codec.extra ?? [])].map((f) => {
      const want = f.endsWith('.bin') ? decompressedBatch(f) : EVENTS;
      const r = outcome(decode, fixture(f));
      return `${f}: ${r.ok ? (r.output.equals(want) ? 'ok' : 'WRONG') : `fails (${r.message.slice(0, 50)})`}`;
    });
    console.log(`  ${name}`);
    console.log(`    fixtures: ${fixturesOk.join(', ')}`);
    const batch = fixture(codec.producers[0]);
    console.log(
      `    decode ${codec.producers[0]} (one ${(batch.length / 1024).toFixed(0)} KB batch) x200: ${throughput(
        (input) => {
          for (let i = 0; i < 200; i++) decode(input);
          return decode(input);
        },
        batch,
        decompressedBatch(codec.producers[0]),
        runs,
        201,
      )}`,
    );
    for (const [what, compressed] of codec.compressed)
      console.log(
        `    decode ${what} (${(compressed.length / 2 ** 20).toFixed(1)} MB): ${throughput(decode, compressed, big, runs)}`,
      );
    for (const f of codec.producers) {
      const { counts, messages } = corruption(decode, fixture(f), decompressedBatch(f));
      console.log(
        `    corrupt ${f}: ${counts.error} errors, ${counts.same} right bytes, ${counts.prefix} clean prefixes, ${counts.silent} OTHER BYTES without an error`,
      );
      console.log(`      e.g. ${messages.join(' | ')}`);
    }
    const liar = outcome(decode, codec.liar);
    console.log(
      `    header promising 2 GiB: ${liar.ok ? `returned ${liar.output.length} bytes` : liar.message.slice(0, 100)}`,
    );
  }
  console.log('');
}
