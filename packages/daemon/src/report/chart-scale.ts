/** Geometry helpers shared by the report's SVG charts. */

/** Maps a value from `domain` linearly onto `range` (pixels). */
export function linearScale(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/**
 * Ticks from 0 to a "nice" upper bound at or above `max` (steps of 1, 2 or 5 × 10^k), so axis labels are round
 * numbers a reader can interpolate between.
 */
export function niceTicks(max: number, target = 5): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const rough = top / target;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const count = Math.ceil(top / step - 1e-9);
  // Rounding keeps 0.30000000000000004 out of the labels.
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/**
 * Approximate rendered width of `text` at `fontSize` px in the report's sans-serif stack. SVG text cannot be
 * measured without a browser; this average glyph width is close enough to choose between layouts.
 */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.58;
}

/** Shortens `text` to at most `maxChars`, marking the cut; the full text goes in the element's `<title>`. */
export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

/** Rounds a coordinate so the markup stays short and lines stay crisp. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}
