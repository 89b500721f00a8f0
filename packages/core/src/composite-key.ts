/**
 * One string key of several parts, for a Map, a Set or a hash (the review sampling's). The parts are joined by NUL,
 * which ids, versions, features, groups and topics do not hold, so different tuples give different keys.
 */
export function compositeKey(...parts: readonly (string | number)[]): string {
  return parts.join('\u0000');
}
