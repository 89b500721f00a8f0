import type { ModelDefinition } from '@vigil/core';
import { DEFAULT_VERSION, MISSING_GROUP } from './prediction-batch';

/**
 * The scratch slots one prediction event of a model is staged into, by the parse path (parse-prediction.ts) or the
 * scan path (scan-prediction.ts), before `PredictionColumns.commit` appends it as a row: a bad field found halfway
 * through an event leaves no partial row behind, and no per-event object is kept. Texts the scan path staged are
 * byte ranges of `bytes`, so a category seen before needs no string: a start of -1 means the text is in the
 * string slot instead.
 */
export class StagedPrediction {
  readonly model: ModelDefinition;
  readonly binary: boolean;
  readonly featureNames: readonly string[];
  /** The same names, to tell an event's other `features` keys. */
  readonly featureSet: ReadonlySet<string>;
  readonly numeric: readonly boolean[];
  readonly groupAttributes: readonly string[];

  readonly numbers: Float64Array;
  readonly strings: (string | null)[];
  /** 1 for a feature whose key was absent (counted per column), 0 when it was there, even as null. */
  readonly absent: Uint8Array;
  readonly groups: string[];
  /** Per feature, the event's attribution (`attributions`); NaN when it carries none for the feature. */
  readonly attributions: Float64Array;
  /**
   * The event's `features` keys that are not features of the model (counted, not analysed): as strings from the
   * parse path, as byte ranges of `bytes` from the scan path. Both are emptied as each event's features are read.
   */
  readonly unknownNames: string[] = [];
  readonly unknownStart: number[] = [];
  readonly unknownEnd: number[] = [];
  id = '';
  ts = 0;
  version = DEFAULT_VERSION;
  score = 0;
  prediction = 0;
  label = 0;
  bytes: Uint8Array = EMPTY;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly groupStart: Int32Array;
  readonly groupEnd: Int32Array;
  versionStart = -1;
  versionEnd = -1;

  constructor(model: ModelDefinition, groupAttributes: readonly string[]) {
    this.model = model;
    this.binary = model.task === 'binary';
    this.featureNames = Object.keys(model.features);
    this.featureSet = new Set(this.featureNames);
    this.numeric = this.featureNames.map((name) => model.features[name] === 'numeric');
    this.groupAttributes = groupAttributes;
    this.numbers = new Float64Array(this.featureNames.length);
    this.strings = this.featureNames.map(() => null);
    this.absent = new Uint8Array(this.featureNames.length);
    this.groups = groupAttributes.map(() => MISSING_GROUP);
    this.attributions = new Float64Array(this.featureNames.length).fill(Number.NaN);
    this.start = new Int32Array(this.featureNames.length).fill(-1);
    this.end = new Int32Array(this.featureNames.length);
    this.groupStart = new Int32Array(groupAttributes.length).fill(-1);
    this.groupEnd = new Int32Array(groupAttributes.length);
  }

  /** Forgets the unknown feature keys of the event staged before. */
  clearUnknown(): void {
    this.unknownNames.length = 0;
    this.unknownStart.length = 0;
    this.unknownEnd.length = 0;
  }

  /** Every group "(missing)", as for an absent or null `groups`. */
  missingGroups(): void {
    for (let g = 0; g < this.groups.length; g++) {
      this.groups[g] = MISSING_GROUP;
      this.groupStart[g] = -1;
    }
  }
}

export const EMPTY = new Uint8Array(0);
