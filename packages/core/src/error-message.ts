/**
 * The message of anything thrown, for a line a user reads. Not every thrown thing is an `Error`: PGlite's file system
 * throws Emscripten's `ErrnoError`, a plain object with a name and an errno and no message, which `String()` turns
 * into `[object Object]`. An object is described by its message, else its name and code or errno, else its JSON.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error && error.message !== '') return error.message;
  if (typeof error !== 'object' || error === null) return String(error);
  const { name, message, code, errno } = error as {
    name?: unknown;
    message?: unknown;
    code?: unknown;
    errno?: unknown;
  };
  if (typeof message === 'string' && message !== '') return message;
  const parts = [
    typeof name === 'string' && name !== '' ? name : undefined,
    typeof code === 'string' || typeof code === 'number' ? `code ${code}` : undefined,
    typeof errno === 'number' ? `errno ${errno}${ERRNO_NAMES[errno] ? ` (${ERRNO_NAMES[errno]})` : ''}` : undefined,
  ].filter((p): p is string => p !== undefined);
  if (parts.length > 0) return parts.join(', ');
  try {
    const json = JSON.stringify(error);
    if (json !== undefined && json !== '{}') return json;
  } catch {
    // A cycle: fall through to the constructor's name.
  }
  return `a thrown ${error.constructor?.name ?? 'object'} with no message`;
}

/** Emscripten's (WASI's) errno numbers that a file system in PGlite is known to throw. */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  2: 'EACCES',
  8: 'EBADF',
  20: 'EEXIST',
  28: 'EINVAL',
  31: 'EISDIR',
  44: 'ENOENT',
  54: 'ENOTDIR',
  55: 'ENOTEMPTY',
  63: 'EPERM',
};
