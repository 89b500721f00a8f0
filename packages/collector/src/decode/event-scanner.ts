import {
  FAIL,
  Kind,
  ValueSlot,
  afterMember,
  bytesEqual,
  firstMember,
  readKey,
  readValue,
  skipSpace,
} from './json-bytes';

/**
 * The decoder's fast path over a prediction event's bytes: reads the top-level object once, keeping where each field
 * of docs/events.md is (and the value of the scalar ones), without building an object per message. `scan` answers
 * false for anything it does not read itself — invalid JSON, a key or string with an escape, a field given twice,
 * and whatever the scan path (scan-prediction.ts) then refuses — and the builder decodes that message with
 * `JSON.parse` instead, which gives the same rows and the same dead letters as before the fast path existed.
 */
/** What reads a model's `features` and `groups` objects in place: the scan path of the model (scan-prediction.ts). */
export interface ScanTarget {
  /** Reads the object at `b[i]` into staging; the index after it, or FAIL to leave the event to `JSON.parse`. */
  scanFeatures(b: Uint8Array, i: number, end: number): number;
  scanGroups(b: Uint8Array, i: number, end: number): number;
}

export class EventScanner<T extends ScanTarget = ScanTarget> {
  readonly model = new ValueSlot();
  readonly id = new ValueSlot();
  readonly ts = new ValueSlot();
  readonly features = new ValueSlot();
  readonly score = new ValueSlot();
  readonly prediction = new ValueSlot();
  readonly label = new ValueSlot();
  readonly version = new ValueSlot();
  readonly groups = new ValueSlot();
  readonly attributions = new ValueSlot();
  private readonly key = new ValueSlot();
  private readonly other = new ValueSlot();
  /**
   * The columns of the event's model, once its `model` was read: when `model` comes before `features` and `groups`
   * (as producers usually write it), those are read straight into the columns (their slots then say `Staged`)
   * instead of being skipped here and read again.
   */
  target: T | undefined;

  /** `resolve` gives the columns of the model named by the string in `model`, or undefined for an unknown one. */
  constructor(private readonly resolve: (b: Uint8Array, model: ValueSlot) => T | undefined) {}

  /** Reads the JSON object `b[start, end)`; true when every field the event needs was read plainly. */
  scan(b: Uint8Array, start: number, end: number): boolean {
    this.model.kind = Kind.Absent;
    this.id.kind = Kind.Absent;
    this.ts.kind = Kind.Absent;
    this.features.kind = Kind.Absent;
    this.score.kind = Kind.Absent;
    this.prediction.kind = Kind.Absent;
    this.label.kind = Kind.Absent;
    this.version.kind = Kind.Absent;
    this.groups.kind = Kind.Absent;
    this.attributions.kind = Kind.Absent;
    this.target = undefined;
    let i = firstMember(b, skipSpace(b, start, end), end);
    while (i >= 0) {
      i = readKey(b, i, end, this.key);
      if (i === FAIL) return false;
      const slot = this.slotOf(b, this.key.start, this.key.end);
      // A field given twice: JSON.parse keeps the last one; left to it.
      if (slot !== this.other && slot.kind !== Kind.Absent) return false;
      if (
        (slot === this.features || slot === this.groups) &&
        b[i] === 0x7b &&
        (this.model.kind as Kind) === Kind.String
      ) {
        const target = this.target ?? (this.target = this.resolve(b, this.model));
        if (target === undefined) return false;
        i = slot === this.features ? target.scanFeatures(b, i, end) : target.scanGroups(b, i, end);
        slot.kind = Kind.Staged;
      } else {
        i = readValue(b, i, end, slot);
      }
      if (i === FAIL) return false;
      if (slot === this.model) this.target = undefined;
      i = afterMember(b, i, end);
    }
    if (i === FAIL) return false;
    return skipSpace(b, ~i, end) === end;
  }

  /** The slot of the top-level key `b[start, end)`; `other` for keys the event does not define. */
  private slotOf(b: Uint8Array, start: number, end: number): ValueSlot {
    switch (end - start) {
      case 2:
        if (bytesEqual(b, start, end, ID)) return this.id;
        if (bytesEqual(b, start, end, TS)) return this.ts;
        break;
      case 5:
        if (bytesEqual(b, start, end, MODEL)) return this.model;
        if (bytesEqual(b, start, end, SCORE)) return this.score;
        if (bytesEqual(b, start, end, LABEL)) return this.label;
        break;
      case 6:
        if (bytesEqual(b, start, end, GROUPS)) return this.groups;
        break;
      case 7:
        if (bytesEqual(b, start, end, VERSION)) return this.version;
        break;
      case 8:
        if (bytesEqual(b, start, end, FEATURES)) return this.features;
        break;
      case 10:
        if (bytesEqual(b, start, end, PREDICTION)) return this.prediction;
        break;
      case 12:
        if (bytesEqual(b, start, end, ATTRIBUTIONS)) return this.attributions;
        break;
    }
    return this.other;
  }
}

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const ID = ascii('id');
const TS = ascii('ts');
const MODEL = ascii('model');
const SCORE = ascii('score');
const LABEL = ascii('label');
const GROUPS = ascii('groups');
const VERSION = ascii('version');
const FEATURES = ascii('features');
const PREDICTION = ascii('prediction');
const ATTRIBUTIONS = ascii('attributions');

/**
 * Names (feature names, group attributes) matched against an object's keys by their UTF-8 bytes; tries the name after
 * the last one matched first, since producers usually write the keys in one order.
 */
export class NameMatcher {
  private readonly names: Uint8Array[];
  private next = 0;

  constructor(names: readonly string[]) {
    this.names = names.map((n) => Buffer.from(n, 'utf8'));
  }

  /** The index of the name spelled by `b[start, end)`, or -1. */
  indexOf(b: Uint8Array, start: number, end: number): number {
    const names = this.names;
    const count = names.length;
    if (count === 0) return -1;
    const guess = this.next < count ? this.next : 0;
    if (bytesEqual(b, start, end, names[guess]!)) {
      this.next = guess + 1;
      return guess;
    }
    for (let k = 0; k < count; k++) {
      if (k !== guess && bytesEqual(b, start, end, names[k]!)) {
        this.next = k + 1;
        return k;
      }
    }
    return -1;
  }
}
