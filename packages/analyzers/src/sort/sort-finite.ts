/**
 * Returns the finite values of `values` sorted ascending, in a new array. NaN (missing) values are dropped.
 *
 * Why a radix sort: exact KS and Wasserstein need every numeric column sorted, and a report sorts ~40 columns of
 * 1M rows. V8's Float64Array#sort takes ~110 ms per million values on this machine; this LSD radix sort over the
 * IEEE-754 bit patterns (five 13-bit digits) takes ~35 ms and gives the identical order (checked in tests).
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

// Five digits of 13, 13, 13, 13 and 12 bits over the 64-bit key: the low word's bits 0–12 and 13–25, its top 6 bits
// with the high word's low 7, then the high word's bits 7–19 and 20–31. Six passes of 11 bits (2,048 buckets) took
// 3.7 ms a 100,000-value column and 45 ms a 1M one; five of 13 bits take 3.2 and 39 ms (measured on rounded normal
// and log-normal columns, load 15): a pass fewer, and 8,192 counts (32 KiB) still stay in cache. Sixteen-bit digits
// took four passes but scattered into 65,536 buckets, whose counts (256 KiB) and write positions did not.
const BUCKETS = 8192;
/**
 * The two buffers the keys move between, kept from one call to the next (one pair per thread: a worker has its
 * own module state). A report sorts 2,000 columns: allocating and zeroing 16 bytes a value twice per sort was
 * page faults and system time (6 s of a 42 s 100k × 1,000 report); the result alone is allocated now.
 */
let scratch: [Uint32Array, Uint32Array] = [new Uint32Array(0), new Uint32Array(0)];

function radixSort(values: Float64Array): Float64Array {
  const length = values.length;
  // Little-endian words: [2i] = low 32 bits, [2i+1] = high 32 bits (sign, exponent, top of mantissa).
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * length);
  // The keys are moved between two scratch buffers kept for the next call; only the result is allocated.
  if (scratch[0].length < 2 * length) scratch = [new Uint32Array(2 * length), new Uint32Array(2 * length)];
  let [a, b] = scratch;
  // One pass drops NaN, maps each double to an unsigned key whose order is the numeric order (flip all bits of
  // negatives, the sign of positives; -0 becomes the key of +0) and counts every digit of every key.
  const counts = new Uint32Array(5 * BUCKETS);
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
    counts[lo & 0x1fff]!++;
    counts[BUCKETS + ((lo >>> 13) & 0x1fff)]!++;
    counts[2 * BUCKETS + ((lo >>> 26) | ((hi & 0x7f) << 6))]!++;
    counts[3 * BUCKETS + ((hi >>> 7) & 0x1fff)]!++;
    counts[4 * BUCKETS + (hi >>> 20)]!++;
  }
  for (let pass = 0; pass < 5; pass++) {
    const c = counts.subarray(pass * BUCKETS, (pass + 1) * BUCKETS);
    // A digit that is the same in every key (the sign of an all-positive column, say) would move nothing.
    let sum = 0;
    let same = false;
    for (let k = 0; k < BUCKETS; k++) {
      const x = c[k] as number;
      if (x === n) {
        same = true;
        break;
      }
      c[k] = sum;
      sum += x;
    }
    if (same) continue;
    scatter(pass, a, b, c, n);
    const t = a;
    a = b;
    b = t;
  }
  // The keys back to doubles, into the result.
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const hi = a[2 * i + 1] as number;
    if (hi & 0x80000000) {
      out[2 * i] = a[2 * i] as number;
      out[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    } else {
      out[2 * i + 1] = ~hi >>> 0;
      out[2 * i] = ~(a[2 * i] as number) >>> 0;
    }
  }
  return new Float64Array(out.buffer, 0, n);
}

/** One stable pass: the keys of `from` into `to` by digit `pass`, `c` holding each bucket's next position. */
function scatter(pass: number, from: Uint32Array, to: Uint32Array, c: Uint32Array, n: number): void {
  // The choice of digit is a branch on `pass`, the same for every key, so the CPU predicts it; a table of shifts and
  // masks indexed per key was no faster than the six passes of 11 bits.
  for (let i = 0; i < n; i++) {
    const lo = from[2 * i] as number;
    const hi = from[2 * i + 1] as number;
    const digit =
      pass === 0
        ? lo & 0x1fff
        : pass === 1
          ? (lo >>> 13) & 0x1fff
          : pass === 2
            ? (lo >>> 26) | ((hi & 0x7f) << 6)
            : pass === 3
              ? (hi >>> 7) & 0x1fff
              : hi >>> 20;
    const d = c[digit]!++ as number;
    to[2 * d] = lo;
    to[2 * d + 1] = hi;
  }
}
