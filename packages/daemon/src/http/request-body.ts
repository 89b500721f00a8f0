/**
 * Request bodies of the write endpoints: JSON objects only, bounded in size (a client cannot make the daemon
 * buffer an unbounded body), each field checked with a reason that names it.
 */
import type { IncomingMessage } from 'node:http';
import { parseDuration } from '@vigil/core';
import { HttpProblem, MAX_TIME_MS, refuseNul } from './http-reply';

/** Write requests are small (a reason, a matcher); anything bigger is a mistake or an attack. */
export const MAX_BODY_BYTES = 16 * 1024;

export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\b/i.test(type))
    throw new HttpProblem(415, `the body must be JSON (content-type: application/json), not ${type.slice(0, 60)}`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw new HttpProblem(413, `the body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new HttpProblem(413, `the body is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HttpProblem(400, `the body is not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new HttpProblem(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Field readers: absent → undefined (or a refusal when required); a wrong type is always refused. */
export class BodyFields {
  constructor(
    private readonly body: Record<string, unknown>,
    allowed: readonly string[],
  ) {
    const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
    if (unknown.length > 0)
      throw new HttpProblem(
        400,
        `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(', ')} (allowed: ${allowed.join(', ')})`,
      );
  }

  string(name: string, required: true): string;
  string(name: string, required?: false): string | undefined;
  string(name: string, required = false): string | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) {
      if (required) throw new HttpProblem(400, `"${name}" is required`);
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') throw new HttpProblem(400, `"${name}" must be a non-empty string`);
    if (v.length > 2000) throw new HttpProblem(400, `"${name}" is longer than 2000 characters`);
    return refuseNul(v, `"${name}"`);
  }

  /** An ISO-8601 time or epoch milliseconds. */
  time(name: string): number | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    const t =
      typeof v === 'number' ? v : typeof v === 'string' ? (/^\d+$/.test(v) ? Number(v) : Date.parse(v)) : Number.NaN;
    if (!Number.isFinite(t) || Math.abs(t) > MAX_TIME_MS)
      throw new HttpProblem(400, `"${name}" must be an ISO-8601 time or epoch milliseconds`);
    return t;
  }

  /** A duration such as "2h" or "30m". */
  duration(name: string): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    try {
      const ms = parseDuration(v, name);
      if (ms <= 0) throw new Error('not positive');
      return ms;
    } catch {
      throw new HttpProblem(
        400,
        `"${name}" must be a positive duration such as 30m, 2h or 1d, not "${v.slice(0, 40)}"`,
      );
    }
  }
}
