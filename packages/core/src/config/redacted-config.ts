/**
 * How a secret is masked in `redactedConfig`:
 * - `value`: entirely (passwords, tokens, routing keys);
 * - `connection`: the password and query values of a URL, keeping user, host and database readable;
 * - `capability`: everything after the origin, because webhook URLs (Slack's `/services/T…/B…/…`) are the secret.
 */
export type SecretKind = 'value' | 'connection' | 'capability';

export const REDACTED = '[redacted]';

/** Which properties of which compiled objects are secrets; identity-keyed so frozen objects need no marker. */
const secrets = new WeakMap<object, Map<string, SecretKind>>();

/**
 * Sets `target[key]` as a non-enumerable, read-only property, as pg-pool does with `password`: code reads it,
 * but `JSON.stringify`, `Object.entries`, spreads and the logger's `redact` never see it.
 */
export function defineSecret(target: object, key: string, value: string, kind: SecretKind): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: false });
  const known = secrets.get(target) ?? new Map<string, SecretKind>();
  known.set(key, kind);
  secrets.set(target, known);
}

/**
 * A plain, serialisable copy of a compiled configuration (or any part of it) with every secret present but
 * masked — what `vigil run` logs at start-up and what a "show config" command prints.
 */
export function redactedConfig<T>(config: T): unknown {
  return copy(config, 0);
}

function copy(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 16) return value;
  if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = copy(item, depth + 1);
  for (const [key, kind] of secrets.get(value) ?? []) out[key] = mask((value as Record<string, unknown>)[key], kind);
  return out;
}

/** Masks one secret value; exported for the tests and for callers that hold a secret outside a config. */
export function mask(value: unknown, kind: SecretKind): string {
  if (typeof value !== 'string' || kind === 'value') return REDACTED;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return REDACTED;
  }
  if (kind === 'capability') return `${url.protocol}//${url.host}/${REDACTED}`;
  if (url.password === '' && url.search === '') return value;
  if (url.password !== '') url.password = 'REDACTED';
  for (const key of [...url.searchParams.keys()]) url.searchParams.set(key, 'REDACTED');
  // URL percent-encodes brackets in the password, so a placeholder is swapped in after serialising.
  return url.toString().replace(/REDACTED/g, REDACTED);
}
