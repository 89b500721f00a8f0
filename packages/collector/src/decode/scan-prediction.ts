import type { EventScanner, ScanTarget } from './event-scanner';
import { NameMatcher } from './event-scanner';
import { FAIL, Kind, ValueSlot, afterMember, firstMember, readKey, readValue, slotText } from './json-bytes';
import { MAX_EPOCH_MS, parseIsoTimestamp } from './parse-timestamp';
import { DEFAULT_VERSION, MISSING_GROUP } from './prediction-batch';
import {
  Text,
  attributionValue,
  derivedPrediction,
  numericFeature,
  outcomeValue,
  scoreValue,
  textValue,
  versionValue,
} from './prediction-field-rules';
import type { StagedPrediction } from './staged-prediction';

/**
 * The scan path: a prediction event staged straight from its bytes by the same field rules as the parse path
 * (prediction-field-rules.ts). It answers false for anything that is not plainly valid (a wrong type, a value out
 * of range, a missing field, a number where a text is kept), leaving the message to the parse path, which decides
 * it exactly and words the reason. What it accepts it stages exactly as the parse path would from `JSON.parse(b)`:
 * strings without escapes from valid UTF-8 are the same text (and well-formed), numbers the same doubles
 * (json-bytes.ts), and categorical features, group values and versions are kept as byte ranges that the columns'
 * dictionaries encode as they would the strings. It is the event scanner's target: the `features` and `groups`
 * objects are read in place, as the scanner meets them.
 */
export class ScannedPrediction implements ScanTarget {
  private readonly featureMatcher: NameMatcher;
  private readonly groupMatcher: NameMatcher;
  private readonly key = new ValueSlot();
  private readonly value = new ValueSlot();

  constructor(private readonly s: StagedPrediction) {
    this.featureMatcher = new NameMatcher(s.featureNames);
    this.groupMatcher = new NameMatcher(s.groupAttributes);
  }

  /** Stages the event `scanner` read from `b` (its `model` being the staged model); false leaves it to the parse path. */
  stage(b: Uint8Array, scanner: EventScanner, latestTs: number): boolean {
    const s = this.s;
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
    if (!this.stageOutcome(scanner)) return false;
    const groups = scanner.groups;
    if (groups.kind === Kind.Object) {
      if (this.scanGroups(b, groups.start, groups.end) !== groups.end) return false;
    } else if (groups.kind === Kind.Absent || groups.kind === Kind.Null) {
      s.missingGroups();
    } else if (groups.kind !== Kind.Staged) {
      return false;
    }
    const attributions = scanner.attributions;
    if (attributions.kind === Kind.Object) {
      if (this.scanAttributions(b, attributions.start, attributions.end) !== attributions.end) return false;
    } else if (attributions.kind === Kind.Absent || attributions.kind === Kind.Null) {
      s.attributions.fill(Number.NaN);
    } else {
      return false;
    }
    s.id = slotText(b, id);
    s.ts = ms;
    s.bytes = b;
    return true;
  }

  /** The `features` object at `b[start]` into staging; the index after it, or FAIL. */
  scanFeatures(b: Uint8Array, start: number, end: number): number {
    const s = this.s;
    const { numeric, numbers, strings, absent, start: starts, end: ends } = s;
    const count = numeric.length;
    absent.fill(1);
    starts.fill(-1);
    s.clearUnknown();
    for (let f = 0; f < count; f++) {
      if (numeric[f]) numbers[f] = Number.NaN;
      else strings[f] = null;
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
        absent[f] = 0;
        if (numeric[f]) {
          const n = value.number;
          if (value.kind === Kind.Number && Number.isFinite(n)) {
            // numericFeature's first rule, written out: its result, `number | Refusal`, made V8 box every number it
            // returned (21 heap numbers an event at 30 features, a tenth of the bytes the daemon allocated).
            numbers[f] = n;
          } else {
            const number = numericFeature(value.kind, n);
            if (typeof number !== 'number') return FAIL;
            numbers[f] = number;
          }
        } else {
          // A number or boolean written as text is left to the parse path.
          const text = textValue(value.kind, value.number);
          if (text === Text.Verbatim) {
            starts[f] = value.start;
            ends[f] = value.end;
          } else if (text === Text.Missing) {
            starts[f] = -1;
            strings[f] = null;
          } else {
            return FAIL;
          }
        }
      } else {
        // Not a feature of the model: not analysed, only noted (a key given twice is noted twice; the batch's name
        // set keeps it once).
        s.unknownStart.push(key.start);
        s.unknownEnd.push(key.end);
      }
      i = afterMember(b, i, end);
    }
    return i === FAIL ? FAIL : ~i;
  }

  /** The `attributions` object at `b[start]` into staging; the index after it, or FAIL. */
  scanAttributions(b: Uint8Array, start: number, end: number): number {
    const attributions = this.s.attributions;
    attributions.fill(Number.NaN);
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
        const n = value.number;
        if (value.kind === Kind.Number && Number.isFinite(n)) {
          attributions[f] = n; // attributionValue's first rule, written out (no boxed result: scanFeatures)
        } else {
          const a = attributionValue(value.kind, n);
          if (typeof a !== 'number') return FAIL;
          attributions[f] = a;
        }
      }
      i = afterMember(b, i, end);
    }
    return i === FAIL ? FAIL : ~i;
  }

  /** The `groups` object at `b[start]` into staging; the index after it, or FAIL. */
  scanGroups(b: Uint8Array, start: number, end: number): number {
    const s = this.s;
    s.missingGroups();
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
        const text = textValue(value.kind, value.number);
        if (text === Text.Verbatim) {
          s.groupStart[g] = value.start;
          s.groupEnd[g] = value.end;
        } else if (text === Text.Missing) {
          s.groupStart[g] = -1;
          s.groups[g] = MISSING_GROUP;
        } else {
          return FAIL;
        }
      }
      i = afterMember(b, i, end);
    }
    return i === FAIL ? FAIL : ~i;
  }

  private stageOutcome(scanner: EventScanner): boolean {
    const s = this.s;
    const version = scanner.version;
    const text = versionValue(version.kind, version.number);
    if (text === Text.Verbatim) {
      s.versionStart = version.start;
      s.versionEnd = version.end;
    } else if (text === Text.Missing) {
      s.versionStart = -1;
      s.version = DEFAULT_VERSION;
    } else {
      return false;
    }
    const n = scanner.score.number;
    if (scanner.score.kind === Kind.Number && (s.binary ? n >= 0 && n <= 1 : Number.isFinite(n))) {
      s.score = n; // scoreValue's rule for a number it keeps, written out (no boxed result: scanFeatures)
    } else {
      const score = scoreValue(scanner.score.kind, n, s.binary);
      if (typeof score !== 'number') return false;
      s.score = score;
    }
    const prediction = outcomeValue(scanner.prediction.kind, scanner.prediction.number, s.binary);
    if (typeof prediction !== 'number') return false;
    s.prediction = derivedPrediction(prediction, s.score, s.binary, s.model.threshold);
    const label = outcomeValue(scanner.label.kind, scanner.label.number, s.binary);
    if (typeof label !== 'number') return false;
    s.label = label;
    return true;
  }
}
