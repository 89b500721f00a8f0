import { VigilError, unknownColumnError } from '@vigil/core';

describe('unknownColumnError', () => {
  it('names the missing columns and the ones the file has, quoted, in one wording', () => {
    const error = unknownColumnError('cur.csv:1', ['age', 'sex'], ['id', 'amount, net'], {
      details: { file: 'cur.csv', line: 1 },
    });
    expect(error).toBeInstanceOf(VigilError);
    expect(error.code).toBe('VIGIL_UNKNOWN_COLUMN');
    // A name holding a comma stays one name.
    expect(error.message).toBe('cur.csv:1: no column "age", "sex"; the file has "id", "amount, net"');
    expect(error.details).toEqual({
      file: 'cur.csv',
      line: 1,
      missing: ['age', 'sex'],
      available: ['id', 'amount, net'],
    });
  });

  it('says so when the file has no columns, and ends with a hint when given one', () => {
    expect(unknownColumnError('x.ndjson', ['age'], []).message).toBe(
      'x.ndjson: no column "age"; the file has no columns',
    );
    expect(unknownColumnError('x.csv:1', ['a'], ['a;b'], { hint: 'write it with commas' }).message).toBe(
      'x.csv:1: no column "a"; the file has "a;b"; write it with commas',
    );
  });

  it('suggests the near miss of a mistyped or differently cased name', () => {
    expect(unknownColumnError('cur.csv:1', ['regoin', 'Age', 'sex'], ['age', 'region', 'score']).message).toBe(
      'cur.csv:1: no column "regoin" (did you mean "region"?), "Age" (did you mean "age"?), "sex"; the file has "age", "region", "score"',
    );
  });

  it('lists the first 30 names of a wide file and counts the rest', () => {
    const wide = Array.from({ length: 1_234 }, (_, i) => `f${i}`);
    const { message } = unknownColumnError('wide.csv:1', ['age'], wide);
    expect(message).toBe(
      `wide.csv:1: no column "age"; the file has ${wide
        .slice(0, 30)
        .map((n) => `"${n}"`)
        .join(', ')} and 1,204 more`,
    );
  });
});
