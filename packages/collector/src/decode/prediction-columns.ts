import type { CategoricalColumn, Column, ModelDefinition, NumericColumn } from '@vigil/core';
import { ColumnBuilder } from '../files/column-builder';
import type { DecodeFailure } from './dead-letter';
import { type JsonObject, isObject, isWellFormed, malformedText, missingField, outOfRange, own, readId, readTimestamp, wrongType } from './event-fields';
import { BATCH_COLUMNS, DEFAULT_VERSION, MISSING_GROUP, type PredictionBatch, groupColumnName } from './prediction-batch';

/**
 * The growing columns of one model's prediction events. An event is decoded in two steps: `stage` reads and checks
 * every field into reusable scratch slots, and only an event that passed is appended by `commit`. A bad field
 * found halfway through an event therefore leaves no partial row behind, and no per-event object is kept.
 */
export class PredictionColumns {
  readonly model: ModelDefinition;
  private readonly binary: boolean;
  private readonly featureNames: readonly string[];
  private readonly numeric: readonly boolean[];
  private readonly groupAttributes: readonly string[];

  private readonly features: ColumnBuilder[];
  private readonly absent: Float64Array;
  private readonly tsColumn: ColumnBuilder;
  private readonly versionColumn: ColumnBuilder;
  private readonly scoreColumn: ColumnBuilder;
  private readonly predictionColumn: ColumnBuilder;
  private readonly labelColumn: ColumnBuilder;
  private readonly groupColumns: ColumnBuilder[];
  private readonly ids: string[] = [];
  private readonly topics = new Set<string>();
  private lastTopic = '';
  private rows = 0;

  // The staged event.
  private readonly stagedNumbers: Float64Array;
  private readonly stagedStrings: (string | null)[];
  private readonly stagedAbsent: Uint8Array;
  private readonly stagedGroups: string[];
  private stagedId = '';
  private stagedTs = 0;
  private stagedVersion = DEFAULT_VERSION;
  private stagedScore = 0;
  private stagedPrediction = 0;
  private stagedLabel = 0;

  constructor(model: ModelDefinition, groupAttributes: readonly string[], capacity: number) {
    this.model = model;
    this.binary = model.task === 'binary';
    this.featureNames = Object.keys(model.features);
    this.numeric = this.featureNames.map((name) => model.features[name] === 'numeric');
    this.groupAttributes = groupAttributes;
    this.features = this.featureNames.map((name) => new ColumnBuilder(name, model.features[name], capacity));
    this.absent = new Float64Array(this.featureNames.length);
    this.tsColumn = new ColumnBuilder(BATCH_COLUMNS.ts, 'numeric', capacity);
    this.versionColumn = new ColumnBuilder(BATCH_COLUMNS.version, 'categorical', capacity);
    this.scoreColumn = new ColumnBuilder(BATCH_COLUMNS.score, 'numeric', capacity);
    this.predictionColumn = new ColumnBuilder(BATCH_COLUMNS.prediction, 'numeric', capacity);
    this.labelColumn = new ColumnBuilder(BATCH_COLUMNS.label, 'numeric', capacity);
    this.groupColumns = groupAttributes.map((a) => new ColumnBuilder(groupColumnName(a), 'categorical', capacity));
    this.stagedNumbers = new Float64Array(this.featureNames.length);
    this.stagedStrings = this.featureNames.map(() => null);
    this.stagedAbsent = new Uint8Array(this.featureNames.length);
    this.stagedGroups = groupAttributes.map(() => MISSING_GROUP);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Reads every field of `event` (whose `model` is this model) into the staging slots, or says what is wrong. */
  stage(event: JsonObject, latestTs = Infinity): DecodeFailure | undefined {
    const id = readId(event);
    if (typeof id !== 'string') return id;
    this.stagedId = id;
    const ts = readTimestamp(own(event, 'ts'), 'ts');
    if (typeof ts !== 'number') return ts;
    if (ts > latestTs) return outOfRange('ts', `a time before ${new Date(latestTs).toISOString()} (the clock plus maxFutureMs)`, own(event, 'ts'));
    this.stagedTs = ts;
    return this.stageFeatures(own(event, 'features')) ?? this.stageOutcome(event) ?? this.stageGroups(own(event, 'groups'));
  }

  /** Appends the staged event as a row; it cannot fail, which is what keeps rows aligned across columns. */
  commit(topic: string): void {
    const count = this.featureNames.length;
    for (let i = 0; i < count; i++) {
      const column = this.features[i]!;
      if (this.numeric[i]) {
        column.pushNumber(this.stagedNumbers[i]!);
      } else {
        const text = this.stagedStrings[i]!;
        if (text === null) column.pushMissing();
        else column.pushString(text);
      }
      if (this.stagedAbsent[i] === 1) this.absent[i]!++;
    }
    for (let g = 0; g < this.groupColumns.length; g++) this.groupColumns[g]!.pushString(this.stagedGroups[g]!);
    this.tsColumn.pushNumber(this.stagedTs);
    this.versionColumn.pushString(this.stagedVersion);
    this.scoreColumn.pushNumber(this.stagedScore);
    this.predictionColumn.pushNumber(this.stagedPrediction);
    this.labelColumn.pushNumber(this.stagedLabel);
    this.ids.push(this.stagedId);
    if (topic !== this.lastTopic) {
      this.topics.add(topic);
      this.lastTopic = topic;
    }
    this.rows++;
  }

  build(): PredictionBatch {
    const columns = new Map<string, Column>();
    for (const builder of this.features) columns.set(builder.name, builder.build());
    const ts = this.tsColumn.build() as NumericColumn;
    const version = this.versionColumn.build() as CategoricalColumn;
    columns.set(ts.name, ts);
    columns.set(version.name, version);
    for (const builder of [this.scoreColumn, this.predictionColumn, this.labelColumn, ...this.groupColumns]) {
      columns.set(builder.name, builder.build());
    }
    const absentFeatures = new Map<string, number>();
    this.featureNames.forEach((name, i) => absentFeatures.set(name, this.absent[i]!));
    return {
      model: this.model.id,
      rowCount: this.rows,
      ids: this.ids,
      ts: ts.values,
      version,
      table: { source: [...this.topics].join(','), rowCount: this.rows, columns },
      absentFeatures,
    };
  }

  /**
   * Numeric features take finite numbers, and booleans as 1/0 (as the file readers do); a string is refused, not
   * parsed, since a producer sending "12" is a producer to fix. Categorical features take strings verbatim, and
   * numbers and booleans as `String(value)` (so 1.0 and 1 are both "1"). Null or an absent key is a missing
   * value; keys that are not features of the model are ignored.
   */
  private stageFeatures(features: unknown): DecodeFailure | undefined {
    if (features === undefined || features === null) return missingField('features', features);
    if (!isObject(features)) return wrongType('features', 'an object', features);
    const count = this.featureNames.length;
    for (let i = 0; i < count; i++) {
      const name = this.featureNames[i]!;
      const value = own(features, name);
      this.stagedAbsent[i] = value === undefined ? 1 : 0;
      if (this.numeric[i]) {
        if (typeof value === 'number') {
          if (!Number.isFinite(value)) return outOfRange(`features.${name}`, 'a finite number', value);
          this.stagedNumbers[i] = value;
        } else if (value === undefined || value === null) {
          this.stagedNumbers[i] = Number.NaN;
        } else if (typeof value === 'boolean') {
          this.stagedNumbers[i] = value ? 1 : 0;
        } else {
          return wrongType(`features.${name}`, 'a number', value);
        }
      } else if (typeof value === 'string') {
        if (!isWellFormed(value)) return malformedText(`features.${name}`, value);
        this.stagedStrings[i] = value;
      } else if (value === undefined || value === null) {
        this.stagedStrings[i] = null;
      } else if (typeof value === 'number' || typeof value === 'boolean') {
        if (!Number.isFinite(value) && typeof value === 'number') {
          return outOfRange(`features.${name}`, 'a finite number', value);
        }
        this.stagedStrings[i] = String(value);
      } else {
        return wrongType(`features.${name}`, 'a string', value);
      }
    }
    return undefined;
  }

  /**
   * `version` is a string, or a number written as `String(n)`. `score` is a finite number, a probability in
   * [0, 1] for a binary model. `prediction` and `label` are 0/1 (or booleans) for a binary model and finite numbers
   * for a regression; all three may be null or absent.
   */
  private stageOutcome(event: JsonObject): DecodeFailure | undefined {
    const version = own(event, 'version');
    if (typeof version === 'string') {
      if (!isWellFormed(version)) return malformedText('version', version);
      this.stagedVersion = version;
    } else if (version === undefined || version === null) {
      this.stagedVersion = DEFAULT_VERSION;
    } else if (typeof version !== 'number') {
      return wrongType('version', 'a string', version);
    } else if (Number.isFinite(version)) {
      this.stagedVersion = String(version);
    } else {
      return outOfRange('version', 'a finite number', version);
    }

    const score = own(event, 'score');
    if (score === undefined || score === null) {
      this.stagedScore = Number.NaN;
    } else if (typeof score !== 'number') {
      return wrongType('score', 'a number', score);
    } else if (this.binary ? !(score >= 0 && score <= 1) : !Number.isFinite(score)) {
      return outOfRange('score', this.binary ? 'a probability in [0, 1]' : 'a finite number', score);
    } else {
      this.stagedScore = score;
    }

    const prediction = this.readOutcome(event, 'prediction');
    if (typeof prediction !== 'number') return prediction;
    if (!Number.isNaN(prediction)) this.stagedPrediction = prediction;
    else if (Number.isNaN(this.stagedScore)) this.stagedPrediction = Number.NaN;
    else this.stagedPrediction = this.binary ? (this.stagedScore >= this.model.threshold ? 1 : 0) : this.stagedScore;

    const label = this.readOutcome(event, 'label');
    if (typeof label !== 'number') return label;
    this.stagedLabel = label;
    return undefined;
  }

  /** A prediction or label: NaN when absent or null. */
  private readOutcome(event: JsonObject, path: 'prediction' | 'label'): number | DecodeFailure {
    const value = own(event, path);
    if (value === undefined || value === null) return Number.NaN;
    if (this.binary) {
      if (typeof value === 'boolean') return value ? 1 : 0;
      if (typeof value !== 'number') return wrongType(path, '0, 1 or a boolean', value);
      // `value === 0` also holds for -0, which is stored as 0.
      return value === 1 ? 1 : value === 0 ? 0 : outOfRange(path, '0 or 1', value);
    }
    if (typeof value !== 'number') return wrongType(path, 'a number', value);
    return Number.isFinite(value) ? value : outOfRange(path, 'a finite number', value);
  }

  /**
   * Group values are strings, or numbers and booleans written as `String(value)`; an attribute that is absent or
   * null, or a `groups` object that is absent or null, is the group "(missing)".
   */
  private stageGroups(groups: unknown): DecodeFailure | undefined {
    const count = this.groupAttributes.length;
    if (groups === undefined || groups === null) {
      for (let g = 0; g < count; g++) this.stagedGroups[g] = MISSING_GROUP;
      return undefined;
    }
    if (!isObject(groups)) return wrongType('groups', 'an object', groups);
    for (let g = 0; g < count; g++) {
      const attribute = this.groupAttributes[g]!;
      const value = own(groups, attribute);
      if (typeof value === 'string') {
        if (!isWellFormed(value)) return malformedText(`groups.${attribute}`, value);
        this.stagedGroups[g] = value;
      } else if (value === undefined || value === null) {
        this.stagedGroups[g] = MISSING_GROUP;
      } else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
        this.stagedGroups[g] = String(value);
      } else if (typeof value === 'number') {
        return outOfRange(`groups.${attribute}`, 'a finite number', value);
      } else {
        return wrongType(`groups.${attribute}`, 'a string', value);
      }
    }
    return undefined;
  }
}
