import type { CategoricalColumn, Column, ModelDefinition, NumericColumn } from '@vigil/core';
import { ColumnBuilder } from '../files/column-builder';
import type { DecodeFailure } from './dead-letter';
import type { JsonObject } from './event-fields';
import { stageParsed } from './parse-prediction';
import { BATCH_COLUMNS, type PredictionBatch, attributionColumnName, groupColumnName } from './prediction-batch';
import { ScannedPrediction } from './scan-prediction';
import { EMPTY, StagedPrediction } from './staged-prediction';
import { UnknownFeatureNames } from './unknown-feature-names';

/**
 * The growing columns of one model's prediction events. An event is staged first, by the parse path (`stage`,
 * parse-prediction.ts) or the scan path (`scan.stage`, scan-prediction.ts), both by the field rules of
 * prediction-field-rules.ts; only an event that passed is appended by `commit`.
 */
export class PredictionColumns {
  readonly model: ModelDefinition;
  /** The scan path of this model's events, and the event scanner's target for their `features` and `groups`. */
  readonly scan: ScannedPrediction;
  private readonly staged: StagedPrediction;

  private readonly features: ColumnBuilder[];
  private readonly absent: Float64Array;
  private readonly tsColumn: ColumnBuilder;
  private readonly versionColumn: ColumnBuilder;
  private readonly scoreColumn: ColumnBuilder;
  private readonly predictionColumn: ColumnBuilder;
  private readonly labelColumn: ColumnBuilder;
  private readonly groupColumns: ColumnBuilder[];
  /**
   * Made at the first row that carries an attribution: most models log none, and a numeric column per feature
   * filled with NaN for every row was a third of what `commit` wrote and of the arrays a batch allocated.
   */
  private attributionColumns: ColumnBuilder[] | undefined;
  private readonly capacity: number;
  private readonly ids: string[] = [];
  private readonly unknownRows: number[] = [];
  private readonly unknownNames = new UnknownFeatureNames();
  private readonly topics = new Set<string>();
  private lastTopic = '';
  private rows = 0;

  constructor(model: ModelDefinition, groupAttributes: readonly string[], capacity: number) {
    this.model = model;
    this.staged = new StagedPrediction(model, groupAttributes);
    this.scan = new ScannedPrediction(this.staged);
    this.features = this.staged.featureNames.map((name) => new ColumnBuilder(name, model.features[name], capacity));
    this.absent = new Float64Array(this.staged.featureNames.length);
    this.tsColumn = new ColumnBuilder(BATCH_COLUMNS.ts, 'numeric', capacity);
    this.versionColumn = new ColumnBuilder(BATCH_COLUMNS.version, 'categorical', capacity);
    this.scoreColumn = new ColumnBuilder(BATCH_COLUMNS.score, 'numeric', capacity);
    this.predictionColumn = new ColumnBuilder(BATCH_COLUMNS.prediction, 'numeric', capacity);
    this.labelColumn = new ColumnBuilder(BATCH_COLUMNS.label, 'numeric', capacity);
    this.groupColumns = groupAttributes.map((a) => new ColumnBuilder(groupColumnName(a), 'categorical', capacity));
    this.capacity = capacity;
  }

  get rowCount(): number {
    return this.rows;
  }

  /** Reads every field of `event` (whose `model` is this model) into the staging slots, or says what is wrong. */
  stage(event: JsonObject, latestTs = Infinity): DecodeFailure | undefined {
    return stageParsed(this.staged, event, latestTs);
  }

  /** Appends the staged event as a row; it cannot fail, which is what keeps rows aligned across columns. */
  commit(topic: string): void {
    const s = this.staged;
    const count = this.features.length;
    for (let i = 0; i < count; i++) {
      const column = this.features[i]!;
      if (s.numeric[i]) {
        column.pushNumber(s.numbers[i]!);
      } else {
        const start = s.start[i]!;
        if (start >= 0) {
          column.pushBytes(s.bytes, start, s.end[i]!);
        } else {
          const text = s.strings[i]!;
          if (text === null) column.pushMissing();
          else column.pushString(text);
        }
      }
      if (s.absent[i] === 1) this.absent[i]!++;
    }
    const attributions = this.attributionColumns ?? (hasAny(s.attributions) ? this.attributed() : undefined);
    if (attributions !== undefined) for (let i = 0; i < count; i++) attributions[i]!.pushNumber(s.attributions[i]!);
    for (let g = 0; g < this.groupColumns.length; g++) {
      const start = s.groupStart[g]!;
      if (start >= 0) this.groupColumns[g]!.pushBytes(s.bytes, start, s.groupEnd[g]!);
      else this.groupColumns[g]!.pushString(s.groups[g]!);
    }
    this.tsColumn.pushNumber(s.ts);
    if (s.versionStart >= 0) this.versionColumn.pushBytes(s.bytes, s.versionStart, s.versionEnd);
    else this.versionColumn.pushString(s.version);
    this.scoreColumn.pushNumber(s.score);
    this.predictionColumn.pushNumber(s.prediction);
    this.labelColumn.pushNumber(s.label);
    this.ids.push(s.id);
    if (s.unknownNames.length > 0 || s.unknownStart.length > 0) {
      this.unknownRows.push(this.rows);
      for (const name of s.unknownNames) this.unknownNames.add(name);
      for (let k = 0; k < s.unknownStart.length; k++)
        this.unknownNames.addBytes(s.bytes, s.unknownStart[k]!, s.unknownEnd[k]!);
      this.unknownNames.endRow();
    }
    if (topic !== this.lastTopic) {
      this.topics.add(topic);
      this.lastTopic = topic;
    }
    this.rows++;
    s.bytes = EMPTY;
  }

  /** The attribution columns, made now, with NaN for the rows committed before. */
  private attributed(): ColumnBuilder[] {
    const columns = this.staged.featureNames.map((name) => {
      const column = new ColumnBuilder(attributionColumnName(name), 'numeric', this.capacity);
      column.padTo(this.rows);
      return column;
    });
    this.attributionColumns = columns;
    return columns;
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
    if (this.attributionColumns !== undefined) {
      for (const builder of this.attributionColumns) columns.set(builder.name, builder.build());
    } else {
      // No row carried one: every attribution column is all NaN, views of one block of shared memory (numeric
      // columns live there, column-builder.ts) instead of a buffer each.
      const names = this.staged.featureNames;
      const rows = this.rows;
      const block = new Float64Array(new SharedArrayBuffer(8 * rows * names.length)).fill(Number.NaN);
      names.forEach((name, i) => {
        const column: NumericColumn = {
          name: attributionColumnName(name),
          kind: 'numeric',
          values: block.subarray(i * rows, (i + 1) * rows),
        };
        columns.set(column.name, column);
      });
    }
    const absentFeatures = new Map<string, number>();
    this.staged.featureNames.forEach((name, i) => absentFeatures.set(name, this.absent[i]!));
    return {
      model: this.model.id,
      rowCount: this.rows,
      ids: this.ids,
      ts: ts.values,
      version,
      table: { source: [...this.topics].join(','), rowCount: this.rows, columns },
      absentFeatures,
      unknownFeatures: {
        rows: this.unknownRows,
        names: this.unknownNames.sorted(),
        rowNames: this.unknownNames.rowNames(),
      },
    };
  }
}

/** Whether any of `values` is a number (not NaN). */
function hasAny(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) return true;
  return false;
}
