/**
 * `vigil run --source FILE|-`: prediction and label events from an NDJSON file or a stream instead of Kafka, handed
 * to the runner exactly as `KafkaSource` hands Kafka's batches (docs/streaming.md, "Without Kafka"). A line with a
 * `features` object is a prediction event and goes to the predictions topic; any other line that is a JSON object
 * with a `label` is a label event and goes to the labels topic; everything else (bad JSON, a wrong shape) goes to
 * the predictions topic, whose decoder dead-letters it with its reason, as it would a bad Kafka message.
 *
 * Offsets are per topic, on partition 0: the n-th prediction line of the file is offset n of the predictions topic,
 * the n-th label line offset n of the labels topic. The runner stores them with each batch's effects, so a restart
 * on the same (or a grown) file skips exactly the events already applied.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigilError } from '@vigil/core';
import type { RawMessage } from '../decode/raw-message';
import type { BatchHandler, OffsetsFor, PredictionSource, SourceBatch, SourceState } from '../kafka/prediction-source';

export interface FileEventSourceOptions {
  /** The file, or `-` for `input`. */
  path: string;
  /** The stream `-` reads (standard input). */
  input?: AsyncIterable<Buffer | string>;
  topics: { readonly predictions: string; readonly labels: string };
  /** Where to resume each topic (the store's committed offsets). */
  offsetsFor: OffsetsFor;
  /** Keep reading as the file grows, until `close()` (like `tail -f`). @defaultValue false */
  follow?: boolean;
  /** Lines per batch. @defaultValue 2000 */
  batchSize?: number;
  /** How often a followed file is checked for new bytes. @defaultValue 250 */
  pollMs?: number;
  /** Called before a failed batch is retried. */
  onRetry?: (error: unknown, attempt: number) => void;
}

const CHUNK = 1 << 20;
const MAX_BACKOFF_MS = 5000;

export class FileEventSource implements PredictionSource {
  private current: SourceState = 'created';
  private stopping = false;
  private wake: (() => void) | undefined;
  private readonly batchSize: number;
  private readonly next = { predictions: 0, labels: 0 };
  private readonly skip = { predictions: 0, labels: 0 };
  private pending: { predictions: RawMessage[]; labels: RawMessage[] } = { predictions: [], labels: [] };

  constructor(private readonly options: FileEventSourceOptions) {
    this.batchSize = options.batchSize ?? 2000;
    if (!(Number.isSafeInteger(this.batchSize) && this.batchSize > 0))
      throw new VigilError('VIGIL_USAGE', `batch size must be a positive integer, got ${this.batchSize}`);
    if (options.path === '-' && !options.input)
      throw new VigilError('VIGIL_INTERNAL', 'reading - needs an input stream');
  }

  get state(): SourceState {
    return this.current;
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.current !== 'created')
      throw new VigilError('VIGIL_INTERNAL', `the file source cannot run: it is ${this.current}`);
    this.current = 'running';
    try {
      const { topics } = this.options;
      for (const which of ['predictions', 'labels'] as const) {
        const stored = (await this.options.offsetsFor(topics[which], [0])).get(0);
        this.skip[which] = stored === undefined ? 0 : Number(stored);
      }
      for await (const line of this.lines()) {
        // The end of the bytes written so far (a followed file): what is pending goes now, not when a batch fills.
        if (line.length === 0) {
          await this.flush(handler);
          if (this.stopping) break;
          continue;
        }
        this.take(line);
        if (this.pending.predictions.length + this.pending.labels.length >= this.batchSize) await this.flush(handler);
        if (this.stopping) break;
      }
      await this.flush(handler);
      this.current = 'stopped';
    } catch (error) {
      this.current = 'failed';
      throw error;
    }
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.wake?.();
  }

  /** Routes one line to its topic with the next offset of that topic, unless a previous run applied it already. */
  private take(line: Buffer): void {
    const which = isLabelEvent(line) ? 'labels' : 'predictions';
    const offset = this.next[which]++;
    if (offset < this.skip[which]) return;
    this.pending[which].push({
      topic: this.options.topics[which],
      partition: 0,
      offset: String(offset),
      key: null,
      value: line,
    });
  }

  /** Predictions first, so a label whose prediction came a few lines before it in the file joins at once. */
  private async flush(handler: BatchHandler): Promise<void> {
    const { pending } = this;
    this.pending = { predictions: [], labels: [] };
    for (const messages of [pending.predictions, pending.labels]) {
      if (messages.length === 0) continue;
      const first = messages[0] as RawMessage;
      const batch: SourceBatch = {
        topic: first.topic,
        partition: 0,
        messages,
        firstOffset: first.offset,
        nextOffset: String(Number((messages[messages.length - 1] as RawMessage).offset) + 1),
      };
      await this.deliver(handler, batch);
    }
  }

  /** A failed batch is retried with backoff, never skipped (its events would be lost); `close()` ends the retries. */
  private async deliver(handler: BatchHandler, batch: SourceBatch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await handler(batch);
        if (outcome) await outcome.resumeWhen.catch(() => undefined);
        return;
      } catch (error) {
        if (this.stopping) throw error;
        this.options.onRetry?.(error, attempt);
        await this.pause(Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 10)));
      }
    }
  }

  private async pause(ms: number): Promise<void> {
    const controller = new AbortController();
    this.wake = () => controller.abort();
    await sleep(ms, undefined, { signal: controller.signal }).catch(() => undefined);
    this.wake = undefined;
  }

  /**
   * Lines without their line end, blank lines skipped; a followed file's last line waits for its newline. An empty
   * buffer (never a line) says a followed file has no more bytes for now.
   */
  private async *lines(): AsyncGenerator<Buffer> {
    let rest: Buffer = Buffer.alloc(0);
    for await (const chunk of this.chunks()) {
      if (chunk.length === 0) {
        yield chunk;
        continue;
      }
      const data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      let start = 0;
      for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
        const line = trimLine(data.subarray(start, nl));
        start = nl + 1;
        if (line.length > 0) yield line;
      }
      rest = Buffer.from(data.subarray(start));
    }
    // A followed file's unfinished last line may still be being written: it is read on the next run, not half now.
    const last = trimLine(rest);
    if (last.length > 0 && !this.options.follow) yield last;
  }

  private async *chunks(): AsyncGenerator<Buffer> {
    if (this.options.path === '-') {
      for await (const chunk of this.options.input as AsyncIterable<Buffer | string>) {
        yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        if (this.stopping) return;
      }
      return;
    }
    let handle: FileHandle;
    try {
      handle = await open(this.options.path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new VigilError(
        'VIGIL_FILE_NOT_FOUND',
        `${this.options.path}: cannot be read (${code === 'ENOENT' ? 'no such file' : (error as Error).message})`,
        { cause: error },
      );
    }
    try {
      let position = 0;
      const buffer = Buffer.alloc(CHUNK);
      while (!this.stopping) {
        const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
        if (bytesRead > 0) {
          position += bytesRead;
          yield Buffer.from(buffer.subarray(0, bytesRead));
          continue;
        }
        if (!this.options.follow) return;
        yield Buffer.alloc(0);
        await this.pause(this.options.pollMs ?? 250);
      }
    } finally {
      await handle.close();
    }
  }
}

function trimLine(line: Buffer): Buffer {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  let start = 0;
  while (start < end && (line[start] === 0x20 || line[start] === 0x09)) start++;
  return line.subarray(start, end);
}

/**
 * A label event: a JSON object with a `label` and without `features`. Parsing the line twice (here and in the
 * decoder) costs a file source little; a line that does not parse is left to the predictions decoder to refuse.
 */
function isLabelEvent(line: Buffer): boolean {
  if (line.indexOf('"label"') < 0) return false;
  try {
    const event = JSON.parse(line.toString('utf8')) as unknown;
    return (
      typeof event === 'object' && event !== null && !Array.isArray(event) && !('features' in event) && 'label' in event
    );
  } catch {
    return false;
  }
}
