import fc from 'fast-check';
import { ByteDictionary } from '../../src/files/byte-dictionary';

describe('ByteDictionary', () => {
  it('gives each distinct value one code, in order of first appearance, whether given as bytes or text', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 6 }), { maxLength: 400 }), (values) => {
        const dictionary = new ByteDictionary();
        const expected = new Map<string, number>();
        values.forEach((value, i) => {
          if (!expected.has(value)) expected.set(value, expected.size);
          const bytes = Buffer.from(`|${value}|`);
          const code =
            i % 2 === 0 ? dictionary.codeOfBytes(bytes, 1, bytes.length - 1) : dictionary.codeOfString(value);
          expect(code).toBe(expected.get(value));
        });
        expect(dictionary.categories).toEqual([...expected.keys()]);
      }),
    );
  });

  it('stays correct past many rehashes', () => {
    const dictionary = new ByteDictionary();
    for (let i = 0; i < 100_000; i++) dictionary.codeOfString(`id-${i}`);
    expect(dictionary.size).toBe(100_000);
    const bytes = Buffer.from('id-99999');
    expect(dictionary.codeOfBytes(bytes, 0, bytes.length)).toBe(99_999);
    expect(dictionary.codeOfString('id-0')).toBe(0);
  });
});
