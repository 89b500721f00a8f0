/** Replies and refusals shared by the HTTP routes. */
import { timingSafeEqual } from 'node:crypto';
import type { HttpConfig, HttpTokenConfig, VigilErrorCode } from '@vigil/core';

/** The `code` of a refusal's JSON body, by its status (docs/errors.md), as a VigilError's body carries its own. */
const CODE_OF_STATUS: Partial<Record<number, VigilErrorCode>> = {
  401: 'VIGIL_UNAUTHORIZED',
  403: 'VIGIL_FORBIDDEN',
  404: 'VIGIL_NOT_FOUND',
  409: 'VIGIL_CONFLICT',
  503: 'VIGIL_NOT_SERVED',
};

/** A refusal with a status and a reason the client can act on (never internals). */
export class HttpProblem extends Error {
  /** The body's `code`: VIGIL_USAGE for a request that is malformed for its endpoint (400, 405, 413, 415). */
  readonly code: VigilErrorCode;

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.code = CODE_OF_STATUS[status] ?? 'VIGIL_USAGE';
  }
}

export interface Reply {
  status: number;
  type: string;
  body: string;
  /** More response headers (the /review page's cookies, redirects and Content-Security-Policy). */
  headers?: Readonly<Record<string, string>>;
}

export function json(status: number, body: unknown): Reply {
  return { status, type: 'application/json; charset=utf-8', body: `${JSON.stringify(body)}\n` };
}

/** The instants a JavaScript Date can hold (±8.64e15 ms, about ±275 000 years): beyond them `toISOString` throws. */
export const MAX_TIME_MS = 8.64e15;

/** PostgreSQL text cannot hold NUL; a NUL in a parameter is refused here, not answered with a database error. */
export function refuseNul(value: string, name: string): string {
  if (value.includes('\u0000')) throw new HttpProblem(400, `${name} must not contain a NUL character`);
  return value;
}

/** A percent-decoded path segment; a malformed escape (`%E0%A4%A`) is the client's mistake, a 400. */
export function pathParam(raw: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    throw new HttpProblem(400, `the path segment "${raw.slice(0, 40)}" is not valid percent-encoding`);
  }
  return refuseNul(value, 'a path segment');
}

/** The configured token equal to `text`, compared in constant time (every token is compared). */
export function matchToken(text: string, tokens: HttpConfig['tokens']): HttpTokenConfig | undefined {
  const given = Buffer.from(text);
  let found: HttpTokenConfig | undefined;
  for (const t of tokens) {
    const want = Buffer.from(t.token);
    if (want.length === given.length && timingSafeEqual(want, given)) found = t;
  }
  return found;
}
