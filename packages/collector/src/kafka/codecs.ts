import { VigilError } from '@vigil/core';
import { decompress as zstdDecompress } from 'fzstd';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { lz4CompressFrame, lz4DecompressFrames } from './lz4-frame';
import { snappyCompress, snappyDecompressKafka } from './snappy';

/*
 * The compression codecs kafkajs 2.2.4 lacks. Without them a fetched record batch compressed with Snappy, LZ4 or
 * ZSTD fails the whole fetch with KafkaJSNotImplemented and the consumer stops for good. Kafka's codecs are:
 *  - Snappy (2): one raw Snappy block (librdkafka) or snappy-java's xerial stream (the Java client): snappy.ts,
 *    with hysnappy (WebAssembly) decoding each block;
 *  - LZ4 (3): an LZ4 frame (lz4-frame.ts);
 *  - ZSTD (4): a Zstandard frame, decompressed by fzstd (pure JavaScript, decompression only).
 * Gzip (1) stays kafkajs's own (zlib). Only JavaScript and WebAssembly shipped in npm packages: nothing to build
 * or download at install.
 *
 * A batch that does not decompress fails with VIGIL_KAFKA_UNAVAILABLE naming the codec and the reason. It is marked
 * retriable: kafkajs retries the fetch, then restarts the consumer (logged as "kafka consumer crashed; it restarts"),
 * so a corrupt batch stalls consumption with that error repeated rather than being skipped or ending the daemon.
 */

/** What kafkajs calls on a codec: `compress` gets its Encoder (`.buffer` is the records), `decompress` the bytes. */
export interface KafkaCompressionCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

type CodecName = 'Snappy' | 'LZ4' | 'ZSTD';

function codec(
  name: CodecName,
  compress: ((input: Buffer) => Buffer) | undefined,
  decompress: (input: Buffer) => Uint8Array,
): KafkaCompressionCodec {
  return {
    async compress(encoder) {
      if (compress === undefined) {
        throw new VigilError(
          'VIGIL_USAGE',
          `kafka: ${name} cannot compress: Vigil's Kafka client only decompresses ${name} (produce uncompressed, gzip, Snappy or LZ4)`,
          {
            details: { codec: name },
          },
        );
      }
      return compress(encoder.buffer);
    },
    async decompress(buffer) {
      let output: Uint8Array;
      try {
        // Kafka never compresses nothing to nothing (fzstd would return an empty batch for it).
        if (buffer.length === 0) throw new Error('empty input');
        output = decompress(buffer);
      } catch (error) {
        throw new VigilError(
          'VIGIL_KAFKA_UNAVAILABLE',
          `kafka: a record batch compressed with ${name} (${buffer.length} bytes) does not decompress: ${(error as Error).message}`,
          {
            cause: error,
            retriable: true,
            details: { codec: name, compressedBytes: buffer.length },
          },
        );
      }
      return Buffer.isBuffer(output) ? output : Buffer.from(output.buffer, output.byteOffset, output.byteLength);
    },
  };
}

/** The codecs, by Kafka's codec id. */
export const KAFKA_CODECS = {
  [CompressionTypes.Snappy]: codec('Snappy', snappyCompress, snappyDecompressKafka),
  [CompressionTypes.LZ4]: codec('LZ4', lz4CompressFrame, lz4DecompressFrames),
  [CompressionTypes.ZSTD]: codec('ZSTD', undefined, (input) => zstdDecompress(input)),
} as const;

let registered = false;

/**
 * Registers Snappy, LZ4 and ZSTD with kafkajs (a process-wide table); idempotent. `createKafka` calls it, so every
 * client Vigil makes reads every codec Kafka has.
 */
export function registerCompressionCodecs(): void {
  if (registered) return;
  for (const type of [CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD] as const) {
    const implementation = KAFKA_CODECS[type];
    CompressionCodecs[type] = () => implementation;
  }
  registered = true;
}
