/**
 * A per-group rate's 95% interval, rebuilt instead of stored (migration 0033, decision 0056). The analysis writes each
 * group rate (selection rate, TPR, FPR, FNR, PPV) with `ci`, the Wilson score interval of its successes out of its
 * trials. Both bounds are full-precision doubles, 170 numbers a window at 17 groups: 2.1 KB of a window's 6.1 KB of
 * stored details in `bench/fleet.mjs`. The interval is a function of the rate and its trials, so the writer stores
 * the trials (a small integer) when the interval rebuilt from them is the one written, to the last bit, and
 * `vigil_metric_wilson` rebuilds it in SQL with the same operations in the same order (IEEE-754 doubles both sides; a
 * test holds the two equal).
 *
 * The analysis's interval is `wilsonIntervalOfRate` (@vigil/core) of p = successes / trials, the double that is the
 * rate's value. An interval the writer cannot rebuild exactly (another z, a rate not of this form) is stored as written.
 */
import { wilsonIntervalOfRate, Z_95 } from '@vigil/core';

const Z2 = Z_95 * Z_95;

/**
 * The trials, at most `max`, from which `wilsonIntervalOfRate` rebuilds `ci` exactly for rate `p`, or undefined. Found
 * by inverting the interval (its upper bound at p = 0, its lower at p = 1, otherwise its half-width, a quadratic in the
 * trials) and checking the integers nearest the root: a handful of tries whatever the window's size.
 */
export function trialsOf(p: unknown, ci: unknown, max: number): number | undefined {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1) || !Array.isArray(ci) || ci.length !== 2) return undefined;
  const [lo, hi] = ci as unknown[];
  if (typeof lo !== 'number' || typeof hi !== 'number') return undefined;
  let root: number;
  if (p === 0) root = Z2 / hi - Z2;
  else if (p === 1) root = Z2 / (1 - lo) - Z2;
  else {
    // half = z·√(q·t + z²/4) / (t + z²) with q = p(1 − p), squared: h²t² + (2h²z² − z²q)·t + h²z⁴ − z⁴/4 = 0.
    const h = (hi - lo) / 2;
    const h2 = h * h;
    const b = 2 * h2 * Z2 - Z2 * p * (1 - p);
    const c = h2 * Z2 * Z2 - (Z2 * Z2) / 4;
    root = (-b + Math.sqrt(b * b - 4 * h2 * c)) / (2 * h2);
  }
  if (!Number.isFinite(root)) return undefined;
  // The bounds are exact to an ulp each, so the width, and with it the root (∝ 1 / width²), to about 2·ulp / width
  // relatively: large windows (a narrow interval) try the integers within that of the root, nearest first, up to a
  // thousand (beyond ~2^24 trials a rate near 0 or 1 may need more; its interval is then stored as written).
  const near = Math.round(root);
  const reach = Math.min(500, 2 + Math.ceil((root * 4 * Number.EPSILON * (Math.abs(lo) + Math.abs(hi))) / (hi - lo)));
  for (let step = 0; step <= 2 * reach; step++) {
    const n = near + (step % 2 === 0 ? step / 2 : -(step + 1) / 2);
    if (n < 1 || n > max) continue;
    const [l, u] = wilsonIntervalOfRate(p, n);
    if (l === lo && u === hi) return n;
  }
  return undefined;
}
