import { isWellFormed } from './event-fields';
import { bytesEqual } from './json-bytes';

/** Names of unconfigured feature keys a batch keeps (docs/events.md): enough to name a producer's new fields. */
export const MAX_UNKNOWN_FEATURE_NAMES = 20;

/**
 * The distinct `features` keys of a batch's events that are not features of the model, capped at
 * {@link MAX_UNKNOWN_FEATURE_NAMES}: the smallest names (by code unit), so the set does not depend on the order the
 * keys came in — `JSON.parse` puts integer-like keys first, the scan path reads them as written — and both decode
 * paths keep the same names. Names that are not well-formed UTF-16 (a lone surrogate escape) are counted by the
 * caller but not kept: PostgreSQL's jsonb refuses them.
 */
export class UnknownFeatureNames {
  private readonly names: string[] = [];
  private readonly bytes: Uint8Array[] = [];

  /** Adds the name spelled by the UTF-8 `b[start, end)`; a name already kept costs a byte comparison, no string. */
  addBytes(b: Uint8Array, start: number, end: number): void {
    const kept = this.bytes;
    for (let k = 0; k < kept.length; k++) if (bytesEqual(b, start, end, kept[k]!)) return;
    this.add(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8'));
  }

  add(name: string): void {
    const names = this.names;
    if (names.includes(name) || !isWellFormed(name)) return;
    if (names.length < MAX_UNKNOWN_FEATURE_NAMES) {
      names.push(name);
      this.bytes.push(Buffer.from(name, 'utf8'));
      return;
    }
    let largest = 0;
    for (let k = 1; k < names.length; k++) if (names[k]! > names[largest]!) largest = k;
    if (name < names[largest]!) {
      names[largest] = name;
      this.bytes[largest] = Buffer.from(name, 'utf8');
    }
  }

  /** The kept names, sorted. */
  sorted(): string[] {
    return [...this.names].sort();
  }
}
