import { isUtf8 } from 'node:buffer';
import { errorMessage, type ModelDefinition, VigilError } from '@vigil/core';
import { DecodeFailure, type DeadLetter, toDeadLetter } from './dead-letter';
import { type CompiledDecodeOptions, type DecodeOptions, compileDecodeOptions } from './decode-options';
import { EventScanner } from './event-scanner';
import { parseEvent, readModel } from './event-fields';
import { Kind } from './json-bytes';
import { ModelsByBytes } from './models-by-bytes';
import { type PredictionBatch, RESERVED_COLUMN_PREFIX } from './prediction-batch';
import { PredictionColumns } from './prediction-columns';
import type { ScannedPrediction } from './scan-prediction';
import type { RawMessage } from './raw-message';

export interface PredictionBatchBuilderOptions extends DecodeOptions {
  /**
   * Rows to allocate per model before growing; a good guess (the consumer's batch size) saves re-allocations.
   * @defaultValue 1024
   */
  readonly expectedRows?: number;
  /**
   * Whether well-formed events are read straight from their bytes (event-scanner.ts) rather than through
   * `JSON.parse`; both give the same rows and dead letters. `false` is for tests and measurements of the slow path.
   * @defaultValue true
   */
  readonly scan?: boolean;
}

export interface BuiltPredictions {
  /** Model id → its batch; only models with at least one decoded event. */
  readonly batches: Map<string, PredictionBatch>;
  /** One per refused message, in the order they were added. */
  readonly deadLetters: DeadLetter[];
}

/**
 * Decodes prediction events (docs/events.md) into one columnar batch per model. Every message added ends up either
 * as exactly one row of its model's batch or as exactly one dead letter: a bad message never throws out of `add`
 * and never changes the rows of another. `build` hands over what was added since the last `build` and starts
 * afresh, so one builder serves a consumer's successive Kafka batches.
 *
 * The `model` field of the value decides the model; the message key is only Kafka's partitioning.
 */
export class PredictionBatchBuilder {
  private readonly models: ReadonlyMap<string, ModelDefinition>;
  private readonly options: CompiledDecodeOptions;
  private readonly expectedRows: number;
  private readonly groupAttributes = new Map<string, readonly string[]>();
  private columns = new Map<string, PredictionColumns>();
  /**
   * The models with a row since the last `build`, in the order of their first row: the order of the batches. Not the
   * order of `columns`, which the fast path fills as soon as it reads a model's id, also for an event that then goes
   * to the `JSON.parse` path and becomes a dead letter (a cut event of model A before B's first row put A first).
   */
  private withRows: PredictionColumns[] = [];
  /** Per model, the rows of its last batch: the next batch's columns start that large instead of growing to it. */
  private readonly lastRows = new Map<string, number>();
  private deadLetters: DeadLetter[] = [];
  private readonly scanner: EventScanner<ScannedPrediction> | undefined;
  /** The columns whose scan path the scanner took as its target last (the model `scanner.target` was resolved for). */
  private targetColumns: PredictionColumns | undefined;
  /** The configured models by their id's UTF-8 bytes, for the fast path. */
  private readonly modelsByBytes: ModelsByBytes;

  /** @throws VigilError `VIGIL_CONFIG_INVALID` for bad options or a model whose columns would be ambiguous. */
  constructor(models: ReadonlyMap<string, ModelDefinition>, options: PredictionBatchBuilderOptions = {}) {
    this.options = compileDecodeOptions(options);
    this.expectedRows = options.expectedRows ?? 1024;
    const problems: string[] = [];
    if (!Number.isSafeInteger(this.expectedRows) || this.expectedRows < 0) {
      problems.push(`expectedRows: expected a non-negative integer, got ${String(options.expectedRows)}`);
    }
    for (const [key, model] of models) {
      if (key !== model.id) problems.push(`model "${model.id}" is registered under another id, "${key}"`);
      for (const feature of Object.keys(model.features)) {
        if (feature.startsWith(RESERVED_COLUMN_PREFIX)) {
          problems.push(
            `model "${model.id}": feature "${feature}" starts with "${RESERVED_COLUMN_PREFIX}", reserved for decoder columns`,
          );
        }
      }
      this.groupAttributes.set(key, groupAttributesOf(model));
    }
    if (problems.length > 0) {
      throw new VigilError('VIGIL_CONFIG_INVALID', `cannot decode predictions: ${problems.join('; ')}`, {
        details: { problems },
      });
    }
    this.models = models;
    this.modelsByBytes = new ModelsByBytes(models.values());
    this.scanner =
      options.scan === false
        ? undefined
        : new EventScanner((b, model) => {
            this.targetColumns = this.scannedModel(b, model.start, model.end);
            return this.targetColumns?.scan;
          });
  }

  /** Decodes one message into a row of its model's batch, or into a dead letter. Never throws. */
  add(message: RawMessage): void {
    if (this.scanner !== undefined && this.addScanned(message, this.scanner)) return;
    let model: string | null = null;
    let failure: DecodeFailure | undefined;
    try {
      const event = parseEvent(message, this.options);
      if (event instanceof DecodeFailure) {
        failure = event;
      } else {
        const definition = readModel(event, this.models);
        if (definition instanceof DecodeFailure) {
          failure = definition;
        } else {
          model = definition.id;
          const columns = this.columnsOf(definition);
          failure = columns.stage(
            event,
            this.options.maxFutureMs === undefined ? Infinity : this.options.now() + this.options.maxFutureMs,
          );
          if (failure === undefined) this.commit(columns, message.topic);
        }
      }
    } catch (error) {
      // Only a bug (or exhausted memory) gets here; the message is still accounted for, as a dead letter.
      failure = new DecodeFailure('VIGIL_INTERNAL', `value: decoder failed (${errorMessage(error)})`);
    }
    if (failure !== undefined) this.deadLetters.push(toDeadLetter(message, failure, this.options, model));
  }

  /**
   * The fast path: true when the message was a plainly valid event of a configured model and is now a row; false
   * leaves it, untouched, to the `JSON.parse` path of `add`, which decides it exactly (row or dead letter).
   */
  private addScanned(message: RawMessage, scanner: EventScanner<ScannedPrediction>): boolean {
    const value = message.value;
    if (value === null || value.length === 0 || value.length > this.options.maxMessageBytes || !isUtf8(value))
      return false;
    // As in parseEvent: one byte-order mark is allowed.
    const start = value[0] === 0xef && value[1] === 0xbb && value[2] === 0xbf ? 3 : 0;
    try {
      if (!scanner.scan(value, start, value.length)) return false;
      const model = scanner.model;
      if (model.kind !== Kind.String) return false;
      const columns =
        scanner.target !== undefined ? this.targetColumns : this.scannedModel(value, model.start, model.end);
      if (columns === undefined) return false;
      if (
        !columns.scan.stage(
          value,
          scanner,
          this.options.maxFutureMs === undefined ? Infinity : this.options.now() + this.options.maxFutureMs,
        )
      )
        return false;
      this.commit(columns, message.topic);
      return true;
    } catch {
      // A bug in the fast path must not lose the message: the slow path decides it.
      return false;
    }
  }

  /** The columns of the configured model whose id is the UTF-8 `b[start, end)`, or undefined. */
  private scannedModel(b: Uint8Array, start: number, end: number): PredictionColumns | undefined {
    const definition = this.modelsByBytes.get(b, start, end);
    return definition === undefined ? undefined : this.columnsOf(definition);
  }

  /** Rows decoded plus dead letters since the last `build`. */
  get pending(): number {
    let rows = this.deadLetters.length;
    for (const columns of this.columns.values()) rows += columns.rowCount;
    return rows;
  }

  /** The batches and dead letters of the messages added since the last `build`; the builder then starts empty. */
  build(): BuiltPredictions {
    for (const [id, columns] of this.columns) this.lastRows.set(id, columns.rowCount);
    const batches = new Map<string, PredictionBatch>();
    for (const columns of this.withRows) batches.set(columns.model.id, columns.build());
    const deadLetters = this.deadLetters;
    this.columns = new Map();
    this.withRows = [];
    this.deadLetters = [];
    return { batches, deadLetters };
  }

  private commit(columns: PredictionColumns, topic: string): void {
    if (columns.rowCount === 0) this.withRows.push(columns);
    columns.commit(topic);
  }

  private columnsOf(model: ModelDefinition): PredictionColumns {
    let columns = this.columns.get(model.id);
    if (columns === undefined) {
      // A sixteenth to spare: a column's build then keeps its array (a view), where growing by half from 1,024 rows
      // allocated and copied each numeric column three times for a 2,400-event batch.
      const last = this.lastRows.get(model.id) ?? 0;
      columns = new PredictionColumns(
        model,
        this.groupAttributes.get(model.id)!,
        Math.max(this.expectedRows, Math.ceil(last * 1.0625)),
      );
      this.columns.set(model.id, columns);
    }
    return columns;
  }
}

/** The attributes a model's groups read: `sex` and `sex*age_band` need the columns `sex` and `age_band`. */
function groupAttributesOf(model: ModelDefinition): string[] {
  const attributes = new Set<string>();
  for (const group of model.groups) for (const part of group.split('*')) attributes.add(part.trim());
  return [...attributes];
}
