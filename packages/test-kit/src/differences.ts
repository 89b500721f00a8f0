/** How {@link differences} compares numbers, and how much it reports. */
export interface DifferencesOptions {
  /** Relative tolerance of numbers. @defaultValue 1e-9 */
  tolerance?: number;
  /** Below this magnitude the tolerance is absolute (`tolerance · absoluteBelow`). @defaultValue 1 */
  absoluteBelow?: number;
  /** Lines at most: past them the comparison stops. @defaultValue 10 */
  limit?: number;
}

/**
 * Where `actual` and `expected` differ, one line each (`$.rows[3].value: 0.1 ≠ 0.2`), for
 * `expect(differences(a, b)).toEqual([])`: on a failure the lines name the few values that differ where a diff of two
 * long row lists would bury them. Numbers compare as `roughly` compares them, within `tolerance` relative to the
 * larger magnitude, absolute below `absoluteBelow`; non-finite numbers, and everything else, exactly; objects by
 * the union of their keys.
 */
export function differences(actual: unknown, expected: unknown, options: DifferencesOptions = {}): string[] {
  const { tolerance = 1e-9, absoluteBelow = 1, limit = 10 } = options;
  const out: string[] = [];
  const walk = (a: unknown, e: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (typeof a === 'number' && typeof e === 'number') {
      const same =
        Number.isFinite(a) && Number.isFinite(e)
          ? Math.abs(a - e) <= tolerance * Math.max(absoluteBelow, Math.abs(a), Math.abs(e))
          : Object.is(a, e);
      if (!same) out.push(`${path}: ${a} ≠ ${e}`);
    } else if (Array.isArray(a) && Array.isArray(e)) {
      if (a.length !== e.length) out.push(`${path}: ${a.length} items ≠ ${e.length}`);
      else a.forEach((x, i) => walk(x, e[i], `${path}[${i}]`));
    } else if (a !== null && e !== null && typeof a === 'object' && typeof e === 'object') {
      for (const k of new Set([...Object.keys(a), ...Object.keys(e)]))
        walk((a as Record<string, unknown>)[k], (e as Record<string, unknown>)[k], `${path}.${k}`);
    } else if (!Object.is(a, e)) {
      out.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(e)}`);
    }
  };
  walk(actual, expected, '$');
  return out;
}
