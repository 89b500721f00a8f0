/**
 * Postgres array literals built in one pass, for the columns of a batch's prediction-index rows. `pg` would encode
 * a JS array parameter element by element (a type check, a String() and two regular-expression escapes each);
 * the index sends ~2,400 rows × 10 columns a batch, so the literal is built here and sent as one text parameter,
 * which Postgres parses exactly like the driver's encoding (`'{…}'::text[]`, `::int8[]`, `::float8[]`). Both
 * drivers (pg, PGlite) pass a string parameter through unchanged.
 */

const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

/** `{"a","b\"c",NULL}`: every element quoted, `"` and `\` escaped, null as NULL. */
export function textArrayLiteral(values: ArrayLike<string | null>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) out += 'NULL';
    else out += NEEDS_ESCAPE.test(v) ? `"${v.replace(ESCAPED, '\\$&')}"` : `"${v}"`;
  }
  return `${out}}`;
}

/**
 * `{1,2.5,NULL}` for float8[] or int8[]: NaN, null and undefined as NULL, ±Infinity as Postgres spells it. Numbers
 * are written with JS's shortest round-trip form, which Postgres reads back to the same double.
 */
export function numberArrayLiteral(values: ArrayLike<number | null | undefined>): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined || Number.isNaN(v)) out += 'NULL';
    else if (v === Infinity) out += 'Infinity';
    else if (v === -Infinity) out += '-Infinity';
    else out += String(v);
  }
  return `${out}}`;
}
