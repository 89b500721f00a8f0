import type { CategoricalColumn, Column, ModelDefinition, NumericColumn } from '@vigil/core';
import { ColumnBuilder } from '../files/column-builder';
import type { DecodeFailure } from './dead-letter';
import { type JsonObject, isObject, isWellFormed, malformedText, missingField, outOfRange, own, readId, readTimestamp, wrongType } from './event-fields';
import { BATCH_COLUMNS, DEFAULT_VERSION, MISSING_GROUP, type PredictionBatch, groupColumnName } from './prediction-batch';
import { type EventScanner, NameMatcher, type ScanTarget } from './event-scanner';
import { FAIL, Kind, ValueSlot, afterMember, firstMember, readKey, readValue, slotText } from './json-bytes';
import { MAX_EPOCH_MS, parseIsoTimestamp } from './parse-timestamp';

/**
 * The growing columns of one model's prediction events. An event is decoded in two steps: `stage` reads and checks
 * every field into reusable scratch slots, and only an event that passed is appended by `commit`. A bad field
 * found halfway through an event therefore leaves no partial row behind, and no per-event object is kept.
 */
export class PredictionColumns implements ScanTarget {
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
  // Texts staged by the fast path (`stageScanned`) as byte ranges of `stagedBytes`, so a category seen before needs
  // no string: a start of -1 means the text is in the string slot instead.
  private stagedBytes: Uint8Array = EMPTY;
  private readonly stagedStart: Int32Array;
  private readonly stagedEnd: Int32Array;
  private readonly groupStart: Int32Array;
  private readonly groupEnd: Int32Array;
  private versionStart = -1;
  private versionEnd = -1;
  private readonly featureMatcher: NameMatcher;
  private readonly groupMatcher: NameMatcher;
  private readonly key = new ValueSlot();
  private readonly value = new ValueSlot();

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
    this.stagedStart = new Int32Array(this.featureNames.length).fill(-1);
    this.stagedEnd = new Int32Array(this.featureNames.length);
    this.groupStart = new Int32Array(groupAttributes.length).fill(-1);
    this.groupEnd = new Int32Array(groupAttributes.length);
    this.featureMatcher = new NameMatcher(this.featureNames);
    this.groupMatcher = new NameMatcher(groupAttributes);
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Reads every field of `event` (whose `model` is this model) into the staging slots, or says what is wrong. */
  stage(event: JsonObject, latestTs = Infinity): DecodeFailure | undefined {
    this.stagedStart.fill(-1);
    this.groupStart.fill(-1);
    this.versionStart = -1;
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
        const start = this.stagedStart[i]!;
        if (start >= 0) {
          column.pushBytes(this.stagedBytes, start, this.stagedEnd[i]!);
        } else {
          const text = this.stagedStrings[i]!;
          if (text === null) column.pushMissing();
          else column.pushString(text);
        }
      }
      if (this.stagedAbsent[i] === 1) this.absent[i]!++;
    }
    for (let g = 0; g < this.groupColumns.length; g++) {
      const start = this.groupStart[g]!;
      if (start >= 0) this.groupColumns[g]!.pushBytes(this.stagedBytes, start, this.groupEnd[g]!);
      else this.groupColumns[g]!.pushString(this.stagedGroups[g]!);
    }
    this.tsColumn.pushNumber(this.stagedTs);
    if (this.versionStart >= 0) this.versionColumn.pushBytes(this.stagedBytes, this.versionStart, this.versionEnd);
    else this.versionColumn.pushString(this.stagedVersion);
    this.scoreColumn.pushNumber(this.stagedScore);
    this.predictionColumn.pushNumber(this.stagedPrediction);
    this.labelColumn.pushNumber(this.stagedLabel);
    this.ids.push(this.stagedId);
    if (topic !== this.lastTopic) {
      this.topics.add(topic);
      this.lastTopic = topic;
    }
    this.rows++;
    this.stagedBytes = EMPTY;
  }

  /**
   * The fast path: stages the event `scanner` read from `b` (its `model` being this model), or answers false for
   * anything that is not plainly valid — a wrong type, a value out of range, a missing field, a number where a
   * text is kept — leaving the message to `stage`, which decides it exactly as before and words the reason. What
   * it accepts it stages exactly as `stage` would from `JSON.parse(b)`: strings without escapes from valid UTF-8
   * are the same text (and well-formed), numbers the same doubles (json-bytes.ts), and categorical features, group
   * values and versions are kept as byte ranges that the columns' dictionaries encode as they would the strings.
   */
  stageScanned(b: Uint8Array, scanner: EventScanner, latestTs = Infinity): boolean {
    const id = scanner.id;
    if (id.kind !== Kind.String || id.end === id.start) return false;
    const ts = scanner.ts;
    let ms: number;
    if (ts.kind === Kind.Number) {
      ms = ts.number;
      if (!(Math.abs(ms) <= MAX_EPOCH_MS)) return false;
    } else if (ts.kind === Kind.String) {
      ms = parseIsoTimestamp(slotText(b, ts));
      if (Number.isNaN(ms)) return false;
    } else {
      return false;
    }
    if (ms > latestTs) return false;
    const features = scanner.features;
    if (features.kind === Kind.Object) {
      if (this.scanFeatures(b, features.start, features.end) !== features.end) return false;
    } else if (features.kind !== Kind.Staged) {
      return false;
    }
    if (!this.scanOutcome(scanner)) return false;
    const groups = scanner.groups;
    if (groups.kind === Kind.Object) {
      if (this.scanGroups(b, groups.start, groups.end) !== groups.end) return false;
    } else if (groups.kind === Kind.Staged) {
      // read by the scanner
    } else if (groups.kind === Kind.Absent || groups.kind === Kind.Null) {
      for (let g = 0; g < this.stagedGroups.length; g++) {
        this.stagedGroups[g] = MISSING_GROUP;
        this.groupStart[g] = -1;
      }
    } else {
      return false;
    }
    this.stagedId = slotText(b, id);
    this.stagedTs = ms;
    this.stagedBytes = b;
    return true;
  }

  /** The `features` object at `b[start]` into staging; the index after it, or FAIL (see `stageScanned`). */
  scanFeatures(b: Uint8Array, start: number, end: number): number {
    const count = this.featureNames.length;
    this.stagedAbsent.fill(1);
    this.stagedStart.fill(-1);
    for (let f = 0; f < count; f++) {
      if (this.numeric[f]) this.stagedNumbers[f] = Number.NaN;
      else this.stagedStrings[f] = null;
    }
    const key = this.key;
    const value = this.value;
    let i = firstMember(b, start, end);
    while (i >= 0) {
      i = readKey(b, i, end, key);
      if (i === FAIL) return FAIL;
      const f = this.featureMatcher.indexOf(b, key.start, key.end);
      i = readValue(b, i, end, value);
      if (i === FAIL) return FAIL;
      if (f >= 0) {
        // A key given twice keeps its last value, as in JSON.parse: every slot of the feature is set again.
        this.stagedAbsent[f] = 0;
        const kind = value.kind;
        if (this.numeric[f]) {
          if (kind === Kind.Number) {
            if (!Number.isFinite(value.number)) return FAIL;
            this.stagedNumbers[f] = value.number;
          } else if (kind === Kind.Null) this.stagedNumbers[f] = Number.NaN;
          else if (kind === Kind.True) this.stagedNumbers[f] = 1;
          else if (kind === Kind.False) this.stagedNumbers[f] = 0;
          else return FAIL;
        } else if (kind === Kind.String) {
          this.stagedStart[f] = value.start;
          this.stagedEnd[f] = value.end;
        } else if (kind === Kind.Null) {
          this.stagedStart[f] = -1;
          this.stagedStrings[f] = null;
        } else {
          return FAIL;
        }
      }
      i = afterMember(b, i, end);
    }
    return i === FAIL ? FAIL : ~i;
  }

  private scanOutcome(scanner: EventScanner): boolean {
    const version = scanner.version;
    if (version.kind === Kind.String) {
      this.versionStart = version.start;
      this.versionEnd = version.end;
    } else if (version.kind === Kind.Absent || version.kind === Kind.Null) {
      this.versionStart = -1;
      this.stagedVersion = DEFAULT_VERSION;
    } else {
      return false;
    }
    const score = scanner.score;
    if (score.kind === Kind.Absent || score.kind === Kind.Null) {
      this.stagedScore = Number.NaN;
    } else if (score.kind === Kind.Number && (this.binary ? score.number >= 0 && score.number <= 1 : Number.isFinite(score.number))) {
      this.stagedScore = score.number;
    } else {
      return false;
    }
    const prediction = this.scannedOutcome(scanner.prediction);
    if (prediction === undefined) return false;
    if (!Number.isNaN(prediction)) this.stagedPrediction = prediction;
    else if (Number.isNaN(this.stagedScore)) this.stagedPrediction = Number.NaN;
    else this.stagedPrediction = this.binary ? (this.stagedScore >= this.model.threshold ? 1 : 0) : this.stagedScore;
    const label = this.scannedOutcome(scanner.label);
    if (label === undefined) return false;
    this.stagedLabel = label;
    return true;
  }

  /** A prediction or label as `readOutcome` reads it; undefined for what only `readOutcome` may refuse. */
  private scannedOutcome(slot: ValueSlot): number | undefined {
    const kind = slot.kind;
    if (kind === Kind.Absent || kind === Kind.Null) return Number.NaN;
    if (this.binary) {
      if (kind === Kind.True) return 1;
      if (kind === Kind.False) return 0;
      // `=== 0` also holds for -0, stored as 0.
      if (kind === Kind.Number) return slot.number === 1 ? 1 : slot.number === 0 ? 0 : undefined;
      return undefined;
    }
    return kind === Kind.Number && Number.isFinite(slot.number) ? slot.number : undefined;
  }

  /** The `groups` object at `b[start]` into staging; the index after it, or FAIL. */
  scanGroups(b: Uint8Array, start: number, end: number): number {
    for (let g = 0; g < this.stagedGroups.length; g++) {
      this.stagedGroups[g] = MISSING_GROUP;
      this.groupStart[g] = -1;
    }
    const key = this.key;
    const value = this.value;
    let i = firstMember(b, start, end);
    while (i >= 0) {
      i = readKey(b, i, end, key);
      if (i === FAIL) return FAIL;
      const g = this.groupMatcher.indexOf(b, key.start, key.end);
      i = readValue(b, i, end, value);
      if (i === FAIL) return FAIL;
      if (g >= 0) {
        if (value.kind === Kind.String) {
          this.groupStart[g] = value.start;
          this.groupEnd[g] = value.end;
        } else if (value.kind === Kind.Null) {
          this.groupStart[g] = -1;
          this.stagedGroups[g] = MISSING_GROUP;
        } else {
          return FAIL;
        }
      }
      i = afterMember(b, i, end);
    }
    return i === FAIL ? FAIL : ~i;
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

const EMPTY = new Uint8Array(0);
