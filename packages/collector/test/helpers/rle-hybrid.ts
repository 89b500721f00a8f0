/** The RLE / bit-packed hybrid encoding written straightforwardly, for the tests of its decoders. */
import fc from 'fast-check';

/** Encodes values of `width` bits as the hybrid format: runs of equal values as RLE, the rest bit-packed by 8s. */
export function encodeHybrid(values: number[], width: number): Uint8Array {
  const out: number[] = [];
  const varint = (n: number): void => {
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  };
  let i = 0;
  while (i < values.length) {
    let run = 1;
    while (i + run < values.length && values[i + run] === values[i]) run++;
    if (run >= 8) {
      varint(run * 2);
      for (let b = 0; b < (width + 7) >> 3; b++) out.push((values[i]! >> (b * 8)) & 0xff);
      i += run;
      continue;
    }
    const groups = Math.ceil(Math.min(values.length - i, 64) / 8);
    varint(groups * 2 + 1);
    const bits: number[] = [];
    for (let k = 0; k < groups * 8; k++) {
      const v = values[i + k] ?? 0;
      for (let b = 0; b < width; b++) bits.push((v >> b) & 1);
    }
    for (let b = 0; b < bits.length; b += 8) {
      let byte = 0;
      for (let k = 0; k < 8; k++) byte |= (bits[b + k] ?? 0) << k;
      out.push(byte);
    }
    i += Math.min(values.length - i, 64);
  }
  return Uint8Array.from(out);
}

/** A bit width of 1–24 and values of that width, the extremes drawn often. */
export const widthAndValues = fc.integer({ min: 1, max: 24 }).chain((width) =>
  fc.tuple(
    fc.constant(width),
    fc.array(fc.oneof(fc.integer({ min: 0, max: 2 ** width - 1 }), fc.constant(0), fc.constant(2 ** width - 1)), {
      minLength: 1,
      maxLength: 300,
    }),
  ),
);
