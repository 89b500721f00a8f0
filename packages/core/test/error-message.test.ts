import fc from 'fast-check';
import { errorMessage } from '@vigil/core';

describe('errorMessage', () => {
  it("is an Error's message", () => {
    expect(errorMessage(new TypeError('bad thing'))).toBe('bad thing');
  });

  it("describes an Error-like object by its name and errno (PGlite's ErrnoError), never [object Object]", () => {
    // The shape PGlite throws for a symlinked data directory: own keys name, errno, stack; no message.
    const errno = { name: 'ErrnoError', errno: 44, stack: '' };
    expect(String(errno)).toBe('[object Object]');
    expect(errorMessage(errno)).toBe('ErrnoError, errno 44 (ENOENT)');
    expect(errorMessage({ code: 'ECONNRESET' })).toBe('code ECONNRESET');
    expect(errorMessage({ message: 'from a worker' })).toBe('from a worker');
    expect(errorMessage({ status: 503 })).toBe('{"status":503}');
  });

  it('is the text of a thrown primitive', () => {
    expect(errorMessage('plain text')).toBe('plain text');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('never answers [object Object], whatever is thrown', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(errorMessage(cyclic)).toBe('a thrown Object with no message');
    expect(errorMessage(Object.create(null))).toBe('a thrown object with no message');
    fc.assert(
      fc.property(fc.anything(), (thrown) => {
        const text = errorMessage(thrown);
        expect(text).not.toContain('[object Object]');
        expect(typeof text).toBe('string');
      }),
    );
  });
});
