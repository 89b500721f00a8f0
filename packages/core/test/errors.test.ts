import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, VigilError, isVigilError } from '@vigil/core';

describe('error catalogue', () => {
  const doc = readFileSync(join(__dirname, '../../../docs/errors.md'), 'utf8');
  const documented = new Map([...doc.matchAll(/^\| `(VIGIL_[A-Z_]+)` \| (.*) \|$/gm)].map((m) => [m[1], m[2]]));

  it('documents every code, with the same meaning, and nothing else', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    for (const [code, meaning] of Object.entries(ERROR_CODES)) expect(documented.get(code)).toBe(meaning);
  });

  it('carries code, cause and retriable flag', () => {
    const cause = new Error('socket closed');
    const error = new VigilError('VIGIL_FILE_NOT_FOUND', 'missing.csv: no such file', { cause, retriable: true });
    expect(isVigilError(error, 'VIGIL_FILE_NOT_FOUND')).toBe(true);
    expect(isVigilError(error, 'VIGIL_BAD_VALUE')).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error.retriable).toBe(true);
    expect(new VigilError('VIGIL_USAGE', 'x').retriable).toBe(false);
  });
});
