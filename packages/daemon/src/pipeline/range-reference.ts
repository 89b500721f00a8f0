import type { ReferenceProfile } from '@vigil/analyzers';
import {
  ATTRIBUTION_COLUMN_PREFIX,
  BATCH_COLUMNS,
  PredictionBatchBuilder,
  attributionColumnName,
  readTopicSince,
  type KafkaConnectionOptions,
  type PredictionBatch,
} from '@vigil/collector';
import { type Column, type Logger, type ModelConfig, type Table, VigilError, isVigilError } from '@vigil/core';
import type { Store } from '@vigil/store';
import { fitModelTable } from './fit-reference';

/**
 * How long before `from` the read of the topic starts, in broker time. A prediction is logged after it is made,
 * so its broker timestamp is at or after its event time, give or take the clocks' skew: messages stamped earlier
 * than `from` minus this cannot hold events of the range. Late and back-filled events have later stamps and are
 * read anyway, since the read goes on to the topic's end.
 */
export const RANGE_READ_SLACK_MS = 60 * 60 * 1000;

export interface TimeRange {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

export interface RangeFit {
  readonly profile: ReferenceProfile;
  /** Events of the model with an event time in the range. */
  readonly rows: number;
  /** Messages read from the topic. */
  readonly messages: number;
}

/**
 * Fits `model`'s profile from its prediction events with an event time in [from, to) that are in the topic now
 * (`reference: { from, to }`, `vigil reference fit --from --to`), decoded exactly as `vigil run` decodes them.
 * Messages that do not decode, and events of other models or outside the range, are skipped.
 *
 * @throws VigilError `VIGIL_FILE_EMPTY` when the topic holds no event of the model in the range (retention, a
 *   wrong range or model id), `VIGIL_KAFKA_UNAVAILABLE` when the topic cannot be read.
 */
export async function fitRangeReference(
  model: ModelConfig,
  range: TimeRange,
  connection: KafkaConnectionOptions & { readonly topic: string },
): Promise<RangeFit> {
  const builder = new PredictionBatchBuilder(new Map([[model.id, model]]));
  const rows = new RangeRows(model);
  const { messages } = await readTopicSince({
    ...connection,
    sinceMs: range.from - RANGE_READ_SLACK_MS,
    onMessages: (chunk) => {
      for (const message of chunk) builder.add(message);
      const batch = builder.build().batches.get(model.id);
      if (batch) rows.add(batch, range);
    },
  });
  if (rows.count === 0) {
    throw new VigilError(
      'VIGIL_FILE_EMPTY',
      `topic ${connection.topic} holds no event of model ${model.id} between ${new Date(range.from).toISOString()} and ${new Date(range.to).toISOString()} (${messages} messages read): is the range within the topic's retention?`,
    );
  }
  const table = rows.table(
    `${connection.topic} ${new Date(range.from).toISOString()}/${new Date(range.to).toISOString()}`,
  );
  const profile = await fitModelTable(
    model,
    table,
    rows.hasScore ? BATCH_COLUMNS.score : undefined,
    ATTRIBUTION_COLUMN_PREFIX,
  );
  // The score profile is named as a file reference's score column is, so both kinds of profile read alike.
  return {
    profile: profile.score ? { ...profile, score: { ...profile.score, name: 'score' } } : profile,
    rows: rows.count,
    messages,
  };
}

/** The features and scores of the events in range, gathered across batches (whose dictionaries differ). */
class RangeRows {
  count = 0;
  hasScore = false;
  private readonly numeric = new Map<string, number[]>();
  private readonly categorical = new Map<
    string,
    { codes: number[]; index: Map<string, number>; categories: string[] }
  >();

  constructor(model: ModelConfig) {
    for (const [name, kind] of Object.entries(model.features)) {
      if (kind === 'numeric') this.numeric.set(name, []);
      else this.categorical.set(name, { codes: [], index: new Map(), categories: [] });
    }
    this.numeric.set(BATCH_COLUMNS.score, []);
    if (model.explain)
      for (const name of Object.keys(model.features)) this.numeric.set(attributionColumnName(name), []);
  }

  add(batch: PredictionBatch, range: TimeRange): void {
    const selected: number[] = [];
    for (let row = 0; row < batch.rowCount; row += 1) {
      const ts = batch.ts[row] as number;
      if (ts >= range.from && ts < range.to) selected.push(row);
    }
    if (selected.length === 0) return;
    this.count += selected.length;
    for (const [name, out] of this.numeric) {
      const column = batch.table.columns.get(name);
      if (column?.kind !== 'numeric')
        throw new VigilError('VIGIL_INTERNAL', `decoded batch lacks numeric column ${name}`);
      for (const row of selected) {
        const value = column.values[row] as number;
        if (name === BATCH_COLUMNS.score && !Number.isNaN(value)) this.hasScore = true;
        out.push(value);
      }
    }
    for (const [name, out] of this.categorical) {
      const column = batch.table.columns.get(name);
      if (column?.kind !== 'categorical')
        throw new VigilError('VIGIL_INTERNAL', `decoded batch lacks categorical column ${name}`);
      // The batch's codes, translated once into this collection's codes.
      const translated = column.categories.map((category) => {
        let code = out.index.get(category);
        if (code === undefined) {
          code = out.categories.length;
          out.index.set(category, code);
          out.categories.push(category);
        }
        return code;
      });
      for (const row of selected) {
        const code = column.codes[row] as number;
        out.codes.push(code < 0 ? code : (translated[code] as number));
      }
    }
  }

  table(source: string): Table {
    const columns = new Map<string, Column>();
    for (const [name, values] of this.numeric)
      columns.set(name, { name, kind: 'numeric', values: Float64Array.from(values) });
    for (const [name, { codes, categories }] of this.categorical)
      columns.set(name, { name, kind: 'categorical', codes: Int32Array.from(codes), categories });
    return { source, rowCount: this.count, columns };
  }
}

type RangeState = { status: 'waiting' } | { status: 'fitted'; rows: number } | { status: 'failed'; reason: string };

export interface RangeReferencesOptions {
  readonly models: readonly ModelConfig[];
  readonly store: Store;
  /** Where logged traffic is read back from; absent when the daemon runs without Kafka (`--source`). */
  readonly connection?: KafkaConnectionOptions & { readonly topic: string };
  /** Filled with each model's profile once it is stored; the runner bins versions without their own profile on it. */
  readonly profiles: Map<string, ReferenceProfile>;
  readonly logger: Logger;
  readonly now?: () => number;
}

/**
 * The default profiles of models whose reference is a range of their own logged traffic. A range is fitted once
 * it is over and its allowed lateness has passed (wall clock), by the first daemon of the group to get there; the
 * others load what it stored. Until then the model's versions have no profile: their events are reported and not
 * analysed (decision 0008), like those of a model without a reference.
 */
export class RangeReferences {
  private readonly states = new Map<string, RangeState>();
  private running: Promise<void> | undefined;

  constructor(private readonly options: RangeReferencesOptions) {
    for (const model of options.models)
      if (model.reference && 'from' in model.reference) this.states.set(model.id, { status: 'waiting' });
  }

  /** Models with a range reference and what became of it. */
  get status(): ReadonlyMap<string, RangeState> {
    return this.states;
  }

  /** Loads or fits the profiles that are due; a call while one runs waits for that one. Never throws. */
  refresh(): Promise<void> {
    this.running ??= this.refreshAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Why `model` has no range profile yet, for the no_reference_profile incident; undefined when not a range model. */
  missingReason(model: string): string | undefined {
    const state = this.states.get(model);
    const config = this.options.models.find((m) => m.id === model);
    if (!state || state.status === 'fitted' || !config?.reference || !('from' in config.reference)) return undefined;
    if (state.status === 'failed')
      return `its reference range ${config.reference.from}/${config.reference.to} cannot be fitted: ${state.reason}`;
    const due = new Date(Date.parse(config.reference.to) + config.window.allowedLatenessMs).toISOString();
    return `its reference is its traffic from ${config.reference.from} to ${config.reference.to}, fitted once that range and its allowed lateness are over, at ${due}`;
  }

  /** Resolves when no refresh is running (a fit in flight is not cut short). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async refreshAll(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    for (const model of this.options.models) {
      if (this.states.get(model.id)?.status !== 'waiting' || !model.reference || !('from' in model.reference)) continue;
      const range = { from: Date.parse(model.reference.from), to: Date.parse(model.reference.to) };
      const log = { model: model.id, from: model.reference.from, to: model.reference.to };
      try {
        const stored = await this.options.store.profiles.loadRange<ReferenceProfile>(model.id, range.from, range.to);
        if (stored) {
          this.use(model.id, stored.profile, stored.rows);
          this.options.logger.info({ ...log, rows: stored.rows }, 'reference profile of logged traffic loaded');
          continue;
        }
        if (now < range.to + model.window.allowedLatenessMs) continue;
        if (!this.options.connection) {
          this.states.set(model.id, {
            status: 'failed',
            reason:
              'logged traffic is read back from Kafka, and this run has none (--source); give the model a reference file',
          });
          continue;
        }
        this.options.logger.info(log, 'fitting the reference profile from logged traffic');
        const fit = await fitRangeReference(model, range, this.options.connection);
        const saved = await this.options.store.profiles.saveRange(
          model.id,
          range.from,
          range.to,
          fit.profile,
          fit.rows,
        );
        this.use(model.id, saved.profile, saved.rows);
        this.options.logger.info(
          { ...log, rows: saved.rows, messages: fit.messages },
          'reference profile fitted from logged traffic and stored',
        );
      } catch (error) {
        if (isVigilError(error) && error.retriable) {
          this.options.logger.warn(
            { ...log, err: error },
            'reference profile of logged traffic: failed; tried again at the next maintenance pass',
          );
        } else {
          // An empty range or a bug does not mend by reading the topic again: reported once, until a restart.
          this.states.set(model.id, { status: 'failed', reason: (error as Error).message });
          this.options.logger.error(
            { ...log, err: error },
            'reference profile of logged traffic: cannot be fitted; the model stays unanalysed',
          );
        }
      }
    }
  }

  private use(model: string, profile: ReferenceProfile, rows: number): void {
    this.options.profiles.set(model, profile);
    this.states.set(model, { status: 'fitted', rows });
  }
}
