/**
 * The demo's file source instead of Kafka (docs/demo.md): the scored flights become prediction
 * events (docs/events.md, JSON values) on one partition of `vigil.predictions`, handed over in batches the way
 * `KafkaSource` hands them to `StreamRunner.handle`. Offsets are the events' positions in the stream, and the
 * source starts at the offset the store has committed for its consumer group, so a batch is never applied twice.
 */
import type {
  BatchHandler,
  OffsetsFor,
  PredictionSource,
  RawMessage,
  SourceBatch,
  SourceState,
} from '@vigil/collector';
import { VigilError } from '@vigil/core';
import { dayName, type Flights } from './flights-data';

export interface FlightSourceOptions {
  flights: Flights;
  /** Rows of `flights` to stream, in order (the stream's offset n is `rows[n]`). */
  rows: Int32Array;
  /** The model's score of each streamed row (same order as `rows`). */
  scores: Float64Array;
  model: string;
  version: string;
  topic: string;
  /** Messages per batch. @defaultValue 2000 */
  batchSize?: number;
  /** Where to resume (the store's committed offsets). */
  offsetsFor: OffsetsFor;
}

export class FlightSource implements PredictionSource {
  private current: SourceState = 'created';
  private stopping = false;

  constructor(private readonly options: FlightSourceOptions) {
    const size = options.batchSize ?? 2000;
    if (!(Number.isSafeInteger(size) && size > 0))
      throw new VigilError('VIGIL_USAGE', `batch size must be a positive integer, got ${size}`);
    if (options.scores.length !== options.rows.length)
      throw new VigilError('VIGIL_INTERNAL', 'one score per streamed row is needed');
  }

  get state(): SourceState {
    return this.current;
  }

  /** How many events the stream holds. */
  get length(): number {
    return this.options.rows.length;
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.current !== 'created')
      throw new VigilError('VIGIL_INTERNAL', `the flight source cannot run: it is ${this.current}`);
    this.current = 'running';
    const { topic } = this.options;
    try {
      const stored = (await this.options.offsetsFor(topic, [0])).get(0);
      let offset = stored === undefined ? 0 : Number(stored);
      const size = this.options.batchSize ?? 2000;
      while (!this.stopping && offset < this.length) {
        const batch = this.batch(offset, Math.min(this.length, offset + size));
        const outcome = await handler(batch);
        if (outcome) await outcome.resumeWhen.catch(() => undefined);
        offset = Number(batch.nextOffset);
      }
      this.current = 'stopped';
    } catch (error) {
      this.current = 'failed';
      throw error;
    }
  }

  close(): Promise<void> {
    this.stopping = true;
    if (this.current === 'created') this.current = 'stopped';
    return Promise.resolve();
  }

  /** Events [from, to) of the stream as one batch of JSON prediction events. */
  batch(from: number, to: number): SourceBatch {
    const { flights, rows, scores, model, version, topic } = this.options;
    const key = Buffer.from(model);
    const messages: RawMessage[] = [];
    for (let n = from; n < to; n++) {
      const i = rows[n] as number;
      const origin = flights.airports.origin[flights.origin[i] as number] as string;
      const label = flights.label[i] as number;
      const event = {
        model,
        version,
        id: `flight-${i}`,
        ts: flights.ts[i] as number,
        features: {
          hour: flights.hour[i] as number,
          dayOfWeek: dayName(flights.day[i] as number),
          distance: flights.distance[i] as number,
          origin,
          destination: flights.airports.destination[flights.destination[i] as number] as string,
        },
        score: scores[n] as number,
        // The delay is known once the flight has left, minutes after the prediction: it travels with the event.
        label: Number.isNaN(label) ? null : label,
        groups: { origin },
      };
      messages.push({
        topic,
        partition: 0,
        offset: String(n),
        key,
        value: Buffer.from(JSON.stringify(event)),
        timestamp: String(flights.ts[i]),
      });
    }
    return {
      topic,
      partition: 0,
      messages,
      firstOffset: String(from),
      nextOffset: String(to),
      highWatermark: String(this.length),
    };
  }
}
