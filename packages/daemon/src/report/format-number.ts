/** Number formatting shared by the report's tables, tiles and chart labels. Missing values render as an em dash. */

export const MISSING = '—';

function isFiniteNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A metric value with `digits` significant digits, without exponent notation for everyday magnitudes. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || Number.isNaN(value)) return MISSING;
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e6 || magnitude < 1e-4) return value.toExponential(digits - 1).replace(/-/g, '−');
  if (magnitude >= 10 ** digits) return Math.round(value).toLocaleString('en-US');
  const text = Number(value.toPrecision(digits)).toString();
  return value < 0 ? text.replace('-', '−') : text;
}

/** Row counts with thousands separators. */
export function formatCount(value: number): string {
  return isFiniteNumber(value) ? Math.round(value).toLocaleString('en-US') : MISSING;
}

/** Compact counts for chart labels where space is short: 812, 4.3k, 1.2M. */
export function formatCompactCount(value: number): string {
  if (!isFiniteNumber(value)) return MISSING;
  if (Math.abs(value) < 1000) return String(Math.round(value));
  if (Math.abs(value) < 1e6) return `${Number((value / 1e3).toPrecision(2))}k`;
  return `${Number((value / 1e6).toPrecision(2))}M`;
}

/**
 * A proportion in [0, 1] as a percentage; more decimals for small values so 0.4% does not read as 0%, and a share
 * above 0 that would still round to 0 reads `<0.1%` (one value in 3,000 outside the reference range is not "0.0%").
 */
export function formatPercent(value: number | null | undefined, decimals?: number): string {
  if (!isFiniteNumber(value)) return MISSING;
  const pct = value * 100;
  const places = decimals ?? (Math.abs(pct) < 10 && pct !== 0 ? 1 : 0);
  const text = pct.toFixed(places);
  if (pct > 0 && Number(text) === 0) return `<${(10 ** -places).toFixed(places)}%`;
  return `${text}%`;
}

/** p-values: tiny ones in exponent form, because "0.000" would hide how strong the evidence is. */
export function formatPValue(value: number | null | undefined): string {
  if (!isFiniteNumber(value)) return MISSING;
  if (value === 0) return '< 1e−300';
  if (value < 1e-3) return value.toExponential(1).replace(/-/g, '−');
  return value.toFixed(3);
}

/** The report's generation time in UTC, or the raw text when it does not parse. */
export function formatTimestamp(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
