/**
 * Returns the finite values of `values` sorted ascending, in a new array. NaN (missing) values are dropped.
 *
 * Why a radix sort: exact KS and Wasserstein need every numeric column sorted, and a report sorts ~40 columns of
 * 1M rows. V8's Float64Array#sort takes ~110 ms per million values on this machine; this LSD radix sort over the
 * IEEE-754 bit patterns (six 11-bit digits) takes ~35 ms and gives the identical order (checked in tests).
 * tfjs's sort (topk) is slower still and float32-only, so it is not used here.
 */
export function sortFinite(values: Float64Array): Float64Array {
  if (values.length >= 2048) return radixSort(values);
  let n = 0;
  const finite = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v === v) finite[n++] = v === 0 ? 0 : v; // folds -0 into +0 so the bit order matches numeric order
  }
  return finite.subarray(0, n).sort();
}

// Digits of 11, 11 and 10 bits in each 32-bit word: six passes over 2,048 buckets. Sixteen-bit digits took four
// passes but scattered into 65,536 buckets, whose counts (256 KiB) and write positions do not stay in cache.
const DIGIT_SHIFTS = [0, 11, 22, 0, 11, 22];
const DIGIT_MASKS = [0x7ff, 0x7ff, 0x3ff, 0x7ff, 0x7ff, 0x3ff];
const BUCKETS = 2048;

function radixSort(values: Float64Array): Float64Array {
  const length = values.length;
  // Little-endian words: [2i] = low 32 bits, [2i+1] = high 32 bits (sign, exponent, top of mantissa).
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * length);
  let a = new Uint32Array(2 * length);
  // One pass drops NaN, maps each double to an unsigned key whose order is the numeric order (flip all bits of
  // negatives, the sign of positives; -0 becomes the key of +0) and counts every digit of every key.
  const counts = new Uint32Array(6 * BUCKETS);
  let n = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i] as number;
    if (v !== v) continue;
    let hi = 0x80000000;
    let lo = 0;
    if (v !== 0) {
      hi = words[2 * i + 1] as number;
      lo = words[2 * i] as number;
      if (hi & 0x80000000) {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
      } else {
        hi = (hi | 0x80000000) >>> 0;
      }
    }
    a[2 * n] = lo;
    a[2 * n + 1] = hi;
    n++;
    counts[lo & 0x7ff]!++;
    counts[BUCKETS + ((lo >>> 11) & 0x7ff)]!++;
    counts[2 * BUCKETS + (lo >>> 22)]!++;
    counts[3 * BUCKETS + (hi & 0x7ff)]!++;
    counts[4 * BUCKETS + ((hi >>> 11) & 0x7ff)]!++;
    counts[5 * BUCKETS + (hi >>> 22)]!++;
  }
  let b = new Uint32Array(2 * n);
  for (let pass = 0; pass < 6; pass++) {
    const base = pass * BUCKETS;
    const high = pass >= 3;
    const shift = DIGIT_SHIFTS[pass] as number;
    const mask = DIGIT_MASKS[pass] as number;
    // A digit that is the same in every key (the sign of an all-positive column, say) would move nothing.
    let sum = 0;
    let same = false;
    for (let k = 0; k < BUCKETS; k++) {
      const c = counts[base + k] as number;
      if (c === n) {
        same = true;
        break;
      }
      counts[base + k] = sum;
      sum += c;
    }
    if (same) continue;
    for (let i = 0; i < n; i++) {
      const lo = a[2 * i] as number;
      const hi = a[2 * i + 1] as number;
      const d = counts[base + (((high ? hi : lo) >>> shift) & mask)]!++ as number;
      b[2 * d] = lo;
      b[2 * d + 1] = hi;
    }
    const t = a;
    a = b;
    b = t;
  }
  for (let i = 0; i < n; i++) {
    const hi = a[2 * i + 1] as number;
    if (hi & 0x80000000) {
      a[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    } else {
      a[2 * i + 1] = ~hi >>> 0;
      a[2 * i] = ~(a[2 * i] as number) >>> 0;
    }
  }
  // Skipped passes can leave the result in either buffer; both are this function's own.
  return new Float64Array(a.buffer, a.byteOffset, n);
}
