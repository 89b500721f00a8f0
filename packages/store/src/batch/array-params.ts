/**
 * Array parameters built in one pass, for the columns of a batch's prediction-index rows (~2,400 rows × 10
 * columns a batch). `pg` would encode a JS array element by element as text (a type check, a String() and two
 * regular-expression escapes each) and Postgres would parse every element back (strtod for a float8). Instead each
 * column travels as one value in Postgres's binary array format (what `array_send` writes and `array_recv` reads):
 * a Buffer parameter is sent in binary by both drivers (pg and PGlite), and the statement's cast (`$1::int8[]`)
 * tells the server its type. Numbers arrive bit for bit, and nothing is escaped.
 *
 * Layout: int32 ndim (1), int32 has-nulls flag, int32 element type OID, int32 length, int32 lower bound (1); then
 * per element an int32 byte length (−1 for NULL) and the element's bytes, all big-endian.
 */

const BYTEA_OID = 17;
const TEXT_OID = 25;
const INT4_OID = 23;
const INT8_OID = 20;
const FLOAT8_OID = 701;
const HEADER_BYTES = 20;

function header(buffer: Buffer, length: number, hasNulls: boolean, oid: number): void {
  buffer.writeInt32BE(1, 0);
  buffer.writeInt32BE(hasNulls ? 1 : 0, 4);
  buffer.writeInt32BE(oid, 8);
  buffer.writeInt32BE(length, 12);
  buffer.writeInt32BE(1, 16);
}

/** text[]; null as NULL. */
export function textArrayParam(values: ArrayLike<string | null>): Buffer {
  let bytes = HEADER_BYTES;
  let hasNulls = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      hasNulls = true;
      bytes += 4;
    } else bytes += 4 + Buffer.byteLength(v, 'utf8');
  }
  const buffer = Buffer.allocUnsafe(bytes);
  header(buffer, values.length, hasNulls, TEXT_OID);
  let at = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      buffer.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    const written = buffer.write(v, at + 4, 'utf8');
    buffer.writeInt32BE(written, at);
    at += 4 + written;
  }
  return buffer;
}

/** bytea[] (no NULL). */
export function byteaArrayParam(values: ArrayLike<Uint8Array>): Buffer {
  let bytes = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) bytes += 4 + values[i]!.byteLength;
  const buffer = Buffer.allocUnsafe(bytes);
  header(buffer, values.length, false, BYTEA_OID);
  let at = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    buffer.writeInt32BE(v.byteLength, at);
    buffer.set(v, at + 4);
    at += 4 + v.byteLength;
  }
  return buffer;
}

/** int8[] of integers; each must be a safe integer, or NaN for NULL. */
export function int8ArrayParam(values: ArrayLike<number>): Buffer {
  let nulls = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) nulls++;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + values.length * 12 - nulls * 8);
  header(buffer, values.length, nulls > 0, INT8_OID);
  let at = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      buffer.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    buffer.writeInt32BE(8, at);
    // Two 32-bit halves: exact for every safe integer, negative ones included (two's complement).
    const high = Math.floor(v / 4294967296);
    buffer.writeInt32BE(high, at + 4);
    buffer.writeUInt32BE(v - high * 4294967296, at + 8);
    at += 12;
  }
  return buffer;
}

/** int4[] of 32-bit integers (no NULL). */
export function int4ArrayParam(values: ArrayLike<number>): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + values.length * 8);
  header(buffer, values.length, false, INT4_OID);
  let at = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    buffer.writeInt32BE(4, at);
    buffer.writeInt32BE(values[i]!, at + 4);
    at += 8;
  }
  return buffer;
}

/** float8[]; null and undefined as NULL, and NaN too unless `keepNaN` (±Infinity kept). */
export function float8ArrayParam(values: ArrayLike<number | null | undefined>, keepNaN = false): Buffer {
  const isNull = (v: number | null | undefined): v is null | undefined =>
    v === null || v === undefined || (!keepNaN && Number.isNaN(v));
  let nulls = 0;
  for (let i = 0; i < values.length; i++) if (isNull(values[i])) nulls++;
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + values.length * 4 + (values.length - nulls) * 8);
  header(buffer, values.length, nulls > 0, FLOAT8_OID);
  let at = HEADER_BYTES;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (isNull(v)) {
      buffer.writeInt32BE(-1, at);
      at += 4;
    } else {
      buffer.writeInt32BE(8, at);
      buffer.writeDoubleBE(v, at + 4);
      at += 12;
    }
  }
  return buffer;
}
