/**
 * A tiny Snappy encoder for the tests of the WebAssembly decoder: it writes the elements it is given — literals with
 * their length in the tag or in 1–4 bytes after it, copies with 1-, 2- and 4-byte offsets, overlapping ones too —
 * rather than searching for matches, so that every kind of element is exercised; {@link snappyElements} draws them.
 */
import fc from 'fast-check';

export type SnappyElement =
  { literal: Uint8Array; lengthBytes: 0 | 1 | 2 | 3 | 4 } | { copy: 1 | 2 | 3; offset: number; length: number };

/** The bytes `elements` stand for, written one at a time (a copy reads what it has just written). */
export function snappyDecodeElements(elements: SnappyElement[]): Uint8Array {
  const out: number[] = [];
  for (const element of elements) {
    if ('literal' in element) out.push(...element.literal);
    else for (let k = 0; k < element.length; k++) out.push(out[out.length - element.offset]!);
  }
  return Uint8Array.from(out);
}

/** The raw Snappy block of `elements`, its length preamble `length` (the decoded length unless given). */
export function snappyEncode(elements: SnappyElement[], length?: number): Uint8Array {
  const out: number[] = [];
  let n = length ?? snappyDecodeElements(elements).length;
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  const little = (value: number, bytes: number): void => {
    for (let b = 0; b < bytes; b++) out.push(Math.floor(value / 2 ** (8 * b)) & 0xff);
  };
  for (const element of elements) {
    if ('literal' in element) {
      const m = element.literal.length - 1;
      if (element.lengthBytes === 0) out.push(m << 2);
      else {
        out.push((59 + element.lengthBytes) << 2);
        little(m, element.lengthBytes);
      }
      out.push(...element.literal);
    } else if (element.copy === 1) {
      out.push(1 | ((element.length - 4) << 2) | ((element.offset >> 8) << 5), element.offset & 0xff);
    } else {
      out.push(element.copy | ((element.length - 1) << 2));
      little(element.offset, element.copy === 2 ? 2 : 4);
    }
  }
  return Uint8Array.from(out);
}

/** The fewest length bytes for a literal of `length` (0: in the tag). */
function lengthBytesFor(length: number): 0 | 1 | 2 | 3 | 4 {
  if (length <= 60) return 0;
  if (length <= 2 ** 8) return 1;
  if (length <= 2 ** 16) return 2;
  return length <= 2 ** 24 ? 3 : 4;
}

const literalDraw = fc.record({
  bytes: fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 70 }),
    // Long ones (length in 2 or 3 bytes) of a cheap pattern.
    fc
      .tuple(fc.integer({ min: 61, max: 70_000 }), fc.integer({ min: 1, max: 255 }))
      .map(([n, seed]) => Uint8Array.from({ length: n }, (_, k) => (seed * (k + 1) * 2654435761) >>> 24)),
  ),
  wider: fc.integer({ min: 0, max: 4 }),
});
const copyDraw = fc.record({
  copy: fc.constantFrom(1 as const, 2 as const, 3 as const),
  length: fc.integer({ min: 1, max: 64 }),
  offset: fc.nat(),
  // Often an offset under 16 (and under the length): the pattern repeated.
  near: fc.boolean(),
});

/** Random elements of every kind, each copy's offset within the bytes before it. */
export const snappyElements: fc.Arbitrary<SnappyElement[]> = fc
  .array(fc.oneof(literalDraw, copyDraw), { minLength: 0, maxLength: 40 })
  .map((draws) => {
    const elements: SnappyElement[] = [];
    let produced = 0;
    for (const draw of draws) {
      if ('bytes' in draw) {
        // A length in more bytes than it needs is allowed too.
        const least = lengthBytesFor(draw.bytes.length);
        const lengthBytes = (draw.wider === 0 ? least : Math.max(least, draw.wider)) as 0 | 1 | 2 | 3 | 4;
        elements.push({ literal: draw.bytes, lengthBytes });
        produced += draw.bytes.length;
        continue;
      }
      if (produced === 0) continue;
      const length = draw.copy === 1 ? 4 + (draw.length % 8) : draw.length;
      const most = Math.min(produced, draw.near ? 16 : draw.copy === 1 ? 2047 : draw.copy === 2 ? 65_535 : produced);
      elements.push({ copy: draw.copy, offset: 1 + (draw.offset % most), length });
      produced += length;
    }
    return elements;
  });
