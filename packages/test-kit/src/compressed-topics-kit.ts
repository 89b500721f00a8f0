import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { kafkaBrokers } from './kafka-test-kit';

/*
 * Producers other than kafkajs, for compressed topics: kcat (librdkafka, C) and the Java client's ConsoleProducer
 * (the jars scripts/services/install.sh fetched for the broker), and a way to corrupt a batch the broker stores.
 */

export type KafkaCodec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
/** Kafka's codec ids, as in a record batch's attributes. */
export const CODEC_IDS: Record<KafkaCodec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

const ROOT = resolve(__dirname, '../../..');
const SERVICES = process.env.VIGIL_SERVICES_DIR ?? join(ROOT, '.cache/services');
const HOW_TO_START = 'start it with `bash scripts/services/install.sh && bash scripts/services/start.sh kafka`';

function withLines<T>(lines: readonly string[], use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-compressed-'));
  try {
    const path = join(dir, 'lines.txt');
    writeFileSync(path, `${lines.join('\n')}\n`);
    return use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], input?: string): string {
  const result = spawnSync(command, args, { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (result.error) throw new Error(`${command} failed to run (${result.error.message}); ${HOW_TO_START}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Produces each line as one message with kcat, compressed with `codec`; `key` makes it `key\tvalue` lines keyed by
 * the part before the tab. Lines are batched as librdkafka does (up to 1 MB or 10,000 messages a batch).
 */
export function kcatProduce(
  topic: string,
  lines: readonly string[],
  codec: KafkaCodec,
  options: { partition?: number; keyed?: boolean } = {},
): void {
  withLines(lines, (path) => {
    const args = ['-P', '-b', kafkaBrokers().join(','), '-t', topic, '-z', codec, '-X', 'linger.ms=200', '-l'];
    if (options.partition !== undefined) args.push('-p', String(options.partition));
    if (options.keyed) args.push('-K', '\t');
    run('kcat', [...args, path]);
  });
}

/** Produces each line as one message with the Java client's console producer, compressed with `codec`, unkeyed. */
export function javaProduce(topic: string, lines: readonly string[], codec: Exclude<KafkaCodec, 'none'>): void {
  const libs = process.env.VIGIL_KAFKA_LIBS ?? join(ROOT, '.cache/kafka/libs');
  if (!existsSync(libs)) throw new Error(`the Kafka jars are not in ${libs}; ${HOW_TO_START}`);
  const args = [
    '-cp',
    `${libs}/*`,
    'org.apache.kafka.tools.ConsoleProducer',
    '--bootstrap-server',
    kafkaBrokers().join(','),
    '--topic',
    topic,
  ];
  run(
    'java',
    [
      ...args,
      '--compression-codec',
      codec,
      '--producer-property',
      'linger.ms=200',
      '--producer-property',
      'batch.size=262144',
    ],
    `${lines.join('\n')}\n`,
  );
}

/** Every message's value on `topic`, read from the beginning with kcat (librdkafka decompresses). */
export function kcatValues(topic: string): string[] {
  const out = run('kcat', [
    '-C',
    '-b',
    kafkaBrokers().join(','),
    '-t',
    topic,
    '-o',
    'beginning',
    '-e',
    '-q',
    '-f',
    '%s\n',
  ]);
  return out.split('\n').filter((line) => line !== '');
}

/** The directory where the local broker keeps `topic`'s `partition` (from its server.properties). */
function partitionDir(topic: string, partition: number): string {
  const properties = join(SERVICES, 'kafka/server.properties');
  if (!existsSync(properties))
    throw new Error(
      `${properties} does not exist: this test corrupts a batch on the local broker's disk; ${HOW_TO_START}`,
    );
  const dirs = /^log\.dirs=(.+)$/m.exec(readFileSync(properties, 'utf8'))?.[1];
  if (dirs === undefined) throw new Error(`${properties} has no log.dirs`);
  const dir = dirs
    .split(',')
    .map((d) => join(d.trim(), `${topic}-${partition}`))
    .find((d) => existsSync(d));
  if (dir === undefined) throw new Error(`no log directory of ${topic}-${partition} under ${dirs}`);
  return dir;
}

export interface StoredBatch {
  baseOffset: bigint;
  records: number;
  codec: number;
  /** Where its compressed records start in the segment file. */
  payloadAt: number;
}

/** The record batches of the first log segment of `topic`'s `partition`, as the broker stored them. */
export function storedBatches(topic: string, partition: number): StoredBatch[] {
  const segment = readFileSync(join(partitionDir(topic, partition), '00000000000000000000.log'));
  const batches: StoredBatch[] = [];
  for (let at = 0; at + 61 <= segment.length;) {
    const length = segment.readInt32BE(at + 8);
    batches.push({
      baseOffset: segment.readBigInt64BE(at),
      codec: segment.readInt16BE(at + 12 + 9) & 0x07,
      records: segment.readInt32BE(at + 12 + 45),
      payloadAt: at + 12 + 49,
    });
    at += 12 + length;
  }
  return batches;
}

/**
 * Overwrites the first 4 bytes of `batch`'s compressed records on the broker's disk (an LZ4 frame's magic number, a
 * Snappy length, a ZSTD magic number): the broker serves the batch as it is (it checks nothing on fetch and
 * kafkajs does not check the batch's CRC). `restore()` writes the original bytes back.
 */
export function corruptStoredBatch(topic: string, partition: number, batch: StoredBatch): { restore(): void } {
  const path = join(partitionDir(topic, partition), '00000000000000000000.log');
  const original = Buffer.alloc(4);
  const fd = openSync(path, 'r+');
  try {
    readSync(fd, original, 0, 4, batch.payloadAt);
    writeSync(fd, Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, batch.payloadAt);
  } finally {
    closeSync(fd);
  }
  return {
    restore() {
      const again = openSync(path, 'r+');
      try {
        writeSync(again, original, 0, 4, batch.payloadAt);
      } finally {
        closeSync(again);
      }
    },
  };
}
