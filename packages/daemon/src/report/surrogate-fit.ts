/** A surrogate explaining less of the score-logit's variance than this is called out as a weak guide (HTML and console). */
export const SURROGATE_R2_WEAK = 0.5;

/**
 * The files whose surrogate R² is under SURROGATE_R2_WEAK (or undefined: null in JSON read back), in the order
 * reference, current; empty when the surrogate is a fair guide in both.
 */
export function weakSurrogateFiles(r2: { reference: number; current: number } | undefined): string[] {
  if (r2 === undefined) return [];
  const weak = (x: number | null): boolean => !(x !== null && x >= SURROGATE_R2_WEAK);
  return [...(weak(r2.reference) ? ['the reference'] : []), ...(weak(r2.current) ? ['the current file'] : [])];
}
