import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import type { ModelDefinition } from '@vigil/core';
import { ModelsByBytes } from '../../src/decode/models-by-bytes';

const model = (id: string): ModelDefinition => ({ id, task: 'binary', threshold: 0.5, features: {}, groups: [] });

/**
 * The fast path finds a message's model by the bytes of its `model` string; before, it decoded them and looked the
 * text up in the configured models' map. Both must name the same model for every valid UTF-8 spelling.
 */
describe('ModelsByBytes', () => {
  it('finds a model by its id bytes anywhere in a buffer, and nothing for another spelling', () => {
    const ids = ['credit-risk', 'house-price', 'modèle', '', 'credit-risk2'];
    const models = new ModelsByBytes(ids.map(model));
    for (const id of ids) {
      const b = Buffer.from(`{"model":"${id}"}`);
      expect(models.get(b, 10, 10 + Buffer.byteLength(id))?.id).toBe(id);
    }
    const b = Buffer.from('credit-riskX');
    expect(models.get(b, 0, 10)).toBeUndefined(); // a prefix
    expect(models.get(b, 0, 12)).toBeUndefined(); // longer
    expect(models.get(Buffer.from('Credit-risk'), 0, 11)).toBeUndefined();
  });

  it('never names a model whose id is not well-formed UTF-16: no valid UTF-8 spells it', () => {
    const models = new ModelsByBytes([model('a\ud800'), model('\ufffd')]);
    // The replacement character's bytes are what Buffer.from writes for the lone surrogate; they spell '\ufffd'.
    const b = Buffer.from('a\ufffd');
    expect(models.get(b, 0, b.length)).toBeUndefined();
    expect(models.get(b, 1, b.length)?.id).toBe('\ufffd');
  });

  it('gives what decoding the bytes and looking the text up gave, for any ids and any valid UTF-8', () => {
    const id = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 3 }),
      fc.constantFrom('m1', 'm2', 'm10', '\ud800', 'é', ''),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(id, { maxLength: 12 }),
        fc.array(fc.oneof(id, fc.uint8Array({ maxLength: 6 }))),
        (ids, probes) => {
          const map = new Map(ids.map((i) => [i, model(i)]));
          const models = new ModelsByBytes(map.values());
          for (const probe of [...ids, ...probes]) {
            const bytes =
              typeof probe === 'string'
                ? Buffer.from(`"${probe}"`)
                : Buffer.concat([Buffer.from('"'), probe, Buffer.from('"')]);
            if (!isUtf8(bytes)) continue;
            const expected = map.get(bytes.toString('utf8', 1, bytes.length - 1));
            expect(models.get(bytes, 1, bytes.length - 1)).toBe(expected);
          }
        },
      ),
      { numRuns: 2000, seed: 20261206 },
    );
  });
});
