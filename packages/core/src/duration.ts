import { VigilError } from './errors';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a user-facing duration (`'90s'`, `'5m'`, `'1h30m'`, or a number of milliseconds) into milliseconds. */
export function parseDuration(input: string | number, where = 'duration'): number {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return input;
  const text = String(input).trim();
  const parts = /^(\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d|w)/g) : null;
  if (!parts) {
    throw new VigilError(
      'VIGIL_CONFIG_INVALID',
      `${where}: "${text}" is not a duration (examples: 30s, 5m, 1h, 1h30m)`,
    );
  }
  return parts.reduce((total, part) => {
    const unit = /ms|[smhdw]$/.exec(part)?.[0] ?? 'ms';
    return total + Number.parseFloat(part) * (UNIT_MS[unit] ?? 1);
  }, 0);
}

/** ISO-8601 date or date-time; `Date.parse` alone accepts too much ("1", "March 7"). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch milliseconds of an ISO-8601 date or date-time (`2026-11-01`, `2026-11-01T00:00:00Z`), else NaN. */
export function parseInstant(text: string): number {
  return ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
}
