import type { ModelDefinition } from '@vigil/core';
import { bytesEqual } from './json-bytes';

/**
 * The configured models found by the UTF-8 bytes of their id, as the decoder's fast path reads it from a message,
 * without decoding those bytes to a string first. A consumer's batch interleaves the models of its partition (with
 * 100 models, ~17 a partition: the model changes on nearly every message), and a string, a Buffer view and a copy
 * of the id's bytes per message were garbage the collector then had to sweep.
 */
export class ModelsByBytes {
  private readonly byHash = new Map<number, { readonly bytes: Uint8Array; readonly model: ModelDefinition }[]>();

  constructor(models: Iterable<ModelDefinition>) {
    for (const model of models) {
      const bytes = Buffer.from(model.id, 'utf8');
      // An id that is not well-formed UTF-16 (a lone surrogate) is spelled by no valid UTF-8, so no message can
      // name it: its replacement bytes must not match the text they decode to instead.
      if (bytes.toString('utf8') !== model.id) continue;
      const hash = hashBytes(bytes, 0, bytes.length);
      let list = this.byHash.get(hash);
      if (list === undefined) this.byHash.set(hash, (list = []));
      list.push({ bytes, model });
    }
  }

  /** The model whose id is spelled by the valid UTF-8 `b[start, end)`, or undefined. */
  get(b: Uint8Array, start: number, end: number): ModelDefinition | undefined {
    const list = this.byHash.get(hashBytes(b, start, end));
    if (list === undefined) return undefined;
    for (const entry of list) if (bytesEqual(b, start, end, entry.bytes)) return entry.model;
    return undefined;
  }
}

/** FNV-1a over `b[start, end)`, cut to a small integer (a V8 Smi, so the map's keys stay unboxed). */
function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h & 0x3fffffff;
}
