import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';

/**
 * Validates request bodies against PagerDuty's published Events API v2 OpenAPI description (vendored in
 * test/fixtures/pagerduty-events-v2, see its README), plus the two limits PagerDuty documents in prose only.
 * Returns the problems (empty: valid).
 */
const DOC = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/pagerduty-events-v2/openapiv3.json'), 'utf8'),
) as Record<string, unknown>;

// RFC 3339 date-time (OpenAPI's `date-time`) and an absolute URL (the document's `url` format).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function build(): { alert: ValidateFunction; change: ValidateFunction } {
  // The OpenAPI document is not itself a JSON schema (openapi, info, paths...): strict mode off, refs resolved in it.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('date-time', (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)));
  ajv.addFormat('url', (s: string) => URL.canParse(s));
  ajv.addSchema(DOC, 'pd');
  const body = (path: string) =>
    ajv.getSchema(`pd#/paths/${path.replace(/\//g, '~1')}/post/requestBody/content/application~1json/schema`);
  const alert = body('/enqueue');
  const change = body('/change/enqueue');
  if (!alert || !change)
    throw new Error('the vendored PagerDuty schema has no /enqueue or /change/enqueue request body');
  return { alert, change };
}

const validators = build();

export function pagerdutyProblems(endpoint: 'alert' | 'change', body: unknown): string[] {
  const validate = validators[endpoint];
  const problems = validate(body)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
  const b = body as { dedup_key?: unknown; payload?: { summary?: unknown } };
  // developer.pagerduty.com "Send an Alert Event": "The maximum permitted length of this property is 255 / 1024
  // characters" (counted here in UTF-16 units, which are never fewer than code points).
  if (typeof b.dedup_key === 'string' && b.dedup_key.length > 255)
    problems.push(`/dedup_key is ${b.dedup_key.length} characters (at most 255)`);
  if (typeof b.payload?.summary === 'string' && Array.from(b.payload.summary).length > 1024)
    problems.push(`/payload/summary is longer than 1024 characters`);
  if (
    typeof b.payload?.summary === 'string' &&
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(b.payload.summary)
  )
    problems.push('/payload/summary has a lone surrogate');
  return problems;
}
