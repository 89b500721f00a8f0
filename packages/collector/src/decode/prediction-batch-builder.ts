import { type ModelDefinition, VigilError } from '@vigil/core';
import { DecodeFailure, type DeadLetter, toDeadLetter } from './dead-letter';
import { type CompiledDecodeOptions, type DecodeOptions, compileDecodeOptions } from './decode-options';
import { parseEvent, readModel } from './event-fields';
import { type PredictionBatch, RESERVED_COLUMN_PREFIX } from './prediction-batch';
import { PredictionColumns } from './prediction-columns';
import type { RawMessage } from './raw-message';

export interface PredictionBatchBuilderOptions extends DecodeOptions {
  /**
   * Rows to allocate per model before growing; a good guess (the consumer's batch size) saves re-allocations.
   * @defaultValue 1024
   */
  readonly expectedRows?: number;
}

export interface BuiltPredictions {
  /** Model id → its batch; only models with at least one decoded event. */
  readonly batches: Map<string, PredictionBatch>;
  /** One per refused message, in the order they were added. */
  readonly deadLetters: DeadLetter[];
}

/**
 * Decodes prediction events (PRODUCT.md §1) into one columnar batch per model. Every message added ends up either
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
  private deadLetters: DeadLetter[] = [];

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
          problems.push(`model "${model.id}": feature "${feature}" starts with "${RESERVED_COLUMN_PREFIX}", reserved for decoder columns`);
        }
      }
      this.groupAttributes.set(key, groupAttributesOf(model));
    }
    if (problems.length > 0) {
      throw new VigilError('VIGIL_CONFIG_INVALID', `cannot decode predictions: ${problems.join('; ')}`, { details: { problems } });
    }
    this.models = models;
  }

  /** Decodes one message into a row of its model's batch, or into a dead letter. Never throws. */
  add(message: RawMessage): void {
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
          failure = columns.stage(event, this.options.maxFutureMs === undefined ? Infinity : this.options.now() + this.options.maxFutureMs);
          if (failure === undefined) columns.commit(message.topic);
        }
      }
    } catch (error) {
      // Only a bug (or exhausted memory) gets here; the message is still accounted for, as a dead letter.
      failure = new DecodeFailure('VIGIL_INTERNAL', `value: decoder failed (${error instanceof Error ? error.message : String(error)})`);
    }
    if (failure !== undefined) this.deadLetters.push(toDeadLetter(message, failure, this.options, model));
  }

  /** Rows decoded plus dead letters since the last `build`. */
  get pending(): number {
    let rows = this.deadLetters.length;
    for (const columns of this.columns.values()) rows += columns.rowCount;
    return rows;
  }

  /** The batches and dead letters of the messages added since the last `build`; the builder then starts empty. */
  build(): BuiltPredictions {
    const batches = new Map<string, PredictionBatch>();
    for (const [id, columns] of this.columns) if (columns.rowCount > 0) batches.set(id, columns.build());
    const deadLetters = this.deadLetters;
    this.columns = new Map();
    this.deadLetters = [];
    return { batches, deadLetters };
  }

  private columnsOf(model: ModelDefinition): PredictionColumns {
    let columns = this.columns.get(model.id);
    if (columns === undefined) {
      columns = new PredictionColumns(model, this.groupAttributes.get(model.id)!, this.expectedRows);
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
