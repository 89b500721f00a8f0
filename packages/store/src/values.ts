import { VigilError } from '@vigil/core';

/**
 * Conversions between the API's plain values and what the two drivers hand back. They differ: `pg` returns
 * bigint columns as strings and bytea as Buffer, PGlite returns bigint as number (or BigInt past 2^53) and bytea
 * as Uint8Array. Statements cast where it matters and these helpers normalise the rest.
 */

/** Kafka offsets are int64; kafkajs gives them as strings, so do we. */
export type Offset = string | number | bigint;

export function toOffset(value: Offset, what: string): bigint {
  try {
    const n = BigInt(value);
    if (n < 0n) throw new RangeError('negative');
    return n;
  } catch (error) {
    throw new VigilError('VIGIL_INTERNAL', `${what} is not a Kafka offset: ${String(value)}`, { cause: error });
  }
}

export function toIso(ms: number, what: string): string {
  if (!Number.isFinite(ms))
    throw new VigilError('VIGIL_INTERNAL', `${what} is not a time in epoch milliseconds: ${ms}`);
  return new Date(ms).toISOString();
}

/*
 * Type checks here avoid `instanceof`: values built by a driver loaded in another realm (a vm context, a test
 * runner's sandbox) are Dates and Uint8Arrays that fail `instanceof` against this realm's constructors.
 */

/** A time as epoch milliseconds: from a timestamptz (Date or string) or an epoch-ms bigint (number, bigint or its digits). */
export function toMs(value: unknown): number {
  if (Object.prototype.toString.call(value) === '[object Date]') return (value as Date).getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const text = String(value);
  return /^-?\d+$/.test(text) ? Number(text) : new Date(text).getTime();
}

/** An epoch-milliseconds time as a bigint parameter, checked like {@link toIso}. */
export function toMsParam(ms: number, what: string): string {
  if (!Number.isFinite(ms))
    throw new VigilError('VIGIL_INTERNAL', `${what} is not a time in epoch milliseconds: ${ms}`);
  return String(Math.trunc(ms));
}

export function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new VigilError('VIGIL_INTERNAL', 'a bytea column came back as neither Buffer nor Uint8Array');
}
