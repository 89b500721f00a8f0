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
 *
 * Each event's names are also kept as a bit mask over the kept names (`endRow` closes an event), so a bucket of
 * some of the batch's events is named by exactly the names its own events carried (`rowNames`). A name pushed out
 * by a smaller one is cleared from the masks of the events before: it cannot come back (the largest kept name only
 * falls), so an event's mask is the names it carried among the batch's final names, whatever the order of keys.
 */
export class UnknownFeatureNames {
  private readonly names: string[] = [];
  private readonly bytes: Uint8Array[] = [];
  /** Per event ended with `endRow`: bit k = it carried `names[k]`. */
  private readonly masks: number[] = [];
  /** The event being added. */
  private mask = 0;

  /** Adds the name spelled by the UTF-8 `b[start, end)`; a name already kept costs a byte comparison, no string. */
  addBytes(b: Uint8Array, start: number, end: number): void {
    const kept = this.bytes;
    for (let k = 0; k < kept.length; k++)
      if (bytesEqual(b, start, end, kept[k]!)) {
        this.mask |= 1 << k;
        return;
      }
    this.add(Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('utf8'));
  }

  add(name: string): void {
    const names = this.names;
    const known = names.indexOf(name);
    if (known >= 0) {
      this.mask |= 1 << known;
      return;
    }
    if (!isWellFormed(name)) return;
    if (names.length < MAX_UNKNOWN_FEATURE_NAMES) {
      this.mask |= 1 << names.length;
      names.push(name);
      this.bytes.push(Buffer.from(name, 'utf8'));
      return;
    }
    let largest = 0;
    for (let k = 1; k < names.length; k++) if (names[k]! > names[largest]!) largest = k;
    if (name < names[largest]!) {
      names[largest] = name;
      this.bytes[largest] = Buffer.from(name, 'utf8');
      // The events that carried the name pushed out no longer name it; this one names the new one.
      const clear = ~(1 << largest);
      for (let r = 0; r < this.masks.length; r++) this.masks[r]! &= clear;
      this.mask = (this.mask & clear) | (1 << largest);
    }
  }

  /** Closes the event whose names were added since the last call. */
  endRow(): void {
    this.masks.push(this.mask);
    this.mask = 0;
  }

  /** The kept names, sorted. */
  sorted(): string[] {
    return [...this.names].sort();
  }

  /** Per event ended, the names it carried as a bit mask over {@link sorted}: bit j = `sorted()[j]`. */
  rowNames(): number[] {
    const sorted = this.sorted();
    const order = this.names.map((name) => sorted.indexOf(name));
    return this.masks.map((mask) => {
      let out = 0;
      for (let k = 0; mask !== 0; k++, mask >>>= 1) if (mask & 1) out |= 1 << order[k]!;
      return out;
    });
  }
}
