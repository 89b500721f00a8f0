import { childPath } from './config-problems';
import { type ConfigReader } from './config-reader';
import { type FeatureKind } from '../table';
import { type ReviewConfig, type ReviewGroupSample } from './vigil-config';

/** How long a queued prediction waits for a reviewer before it expires. */
export const DEFAULT_REVIEW_TTL_MS = 7 * 86_400_000;
/** How long a claim holds before the item goes back to the queue. */
export const DEFAULT_CLAIM_TIMEOUT_MS = 30 * 60_000;

interface ReviewContext {
  readonly task: 'binary' | 'regression' | undefined;
  readonly features: Readonly<Record<string, FeatureKind>>;
  /** The model's group list (attributes and intersections `a*b`). */
  readonly groups: readonly string[];
}

/**
 * `models[].review` (docs/review.md): which predictions are flagged for a human, and how many an hour the team can
 * take. Every problem is reported, so a file with several mistakes is fixed in one go.
 */
export function compileReview(
  value: unknown,
  path: string,
  r: ConfigReader,
  context: ReviewContext,
): ReviewConfig | undefined {
  const v = r.object(value, path, [
    'capacityPerHour',
    'ttl',
    'claimTimeout',
    'borderline',
    'unusual',
    'groups',
    'audit',
  ]);
  if (!v) return undefined;
  const capacityPerHour = r.number(v.capacityPerHour, `${path}.capacityPerHour`, {
    required: true,
    integer: true,
    min: 0,
  });
  const ttlMs = r.duration(v.ttl, `${path}.ttl`, { positive: true }) ?? DEFAULT_REVIEW_TTL_MS;
  const claimTimeoutMs =
    r.duration(v.claimTimeout, `${path}.claimTimeout`, { positive: true }) ?? DEFAULT_CLAIM_TIMEOUT_MS;
  const borderline = compileBorderline(v.borderline, `${path}.borderline`, r, context);
  const unusual = compileUnusual(v.unusual, `${path}.unusual`, r, context);
  const groups = compileGroupSamples(v.groups, `${path}.groups`, r, context);
  const audit = compileAudit(v.audit, `${path}.audit`, r);
  const named = [v.borderline, v.unusual, v.groups, v.audit].some((p) => p !== undefined && p !== null);
  if (!named) r.problems.add(path, 'names no policy (borderline, unusual, groups or audit)');
  if (capacityPerHour === undefined) return undefined;
  const groupReserves = groups.reduce((sum, g) => sum + g.reserve, 0);
  const reserved = groupReserves + (audit?.reserve ?? 0);
  if (reserved > capacityPerHour) {
    r.problems.add(
      `${path}.capacityPerHour`,
      `is ${capacityPerHour}, less than the reserves of its samples (${reserved}: audit.reserve and groups[].reserve)`,
    );
  }
  return {
    capacityPerHour,
    ttlMs,
    claimTimeoutMs,
    ...(borderline ? { borderline } : {}),
    ...(unusual ? { unusual } : {}),
    groups,
    // The audit sample's default reserve: a quarter of the capacity, within what the groups' reserves leave.
    ...(audit
      ? {
          audit: {
            rate: audit.rate,
            reserve:
              audit.reserve ?? Math.max(0, Math.min(Math.ceil(capacityPerHour / 4), capacityPerHour - groupReserves)),
          },
        }
      : {}),
  };
}

function compileBorderline(
  value: unknown,
  path: string,
  r: ConfigReader,
  context: ReviewContext,
): ReviewConfig['borderline'] {
  const b = r.object(value, path, ['margin']);
  if (!b) return undefined;
  if (context.task === 'regression') r.problems.add(path, 'needs a binary model (a score against its threshold)');
  const margin = r.number(b.margin, `${path}.margin`, { required: true, above: 0, max: 0.5 });
  return margin === undefined || context.task === 'regression' ? undefined : { margin };
}

function compileUnusual(
  value: unknown,
  path: string,
  r: ConfigReader,
  context: ReviewContext,
): ReviewConfig['unusual'] {
  const u = r.object(value, path, ['ranges', 'required']);
  if (!u) return undefined;
  const ranges: Record<string, readonly [number, number]> = {};
  for (const [name, range] of Object.entries(r.record(u.ranges, `${path}.ranges`) ?? {})) {
    const rangePath = childPath(`${path}.ranges`, name);
    if (!Object.hasOwn(context.features, name)) {
      r.problems.add(rangePath, `"${name}" is not a feature of the model`);
      continue;
    }
    if (context.features[name] !== 'numeric') {
      r.problems.add(rangePath, `"${name}" is a categorical feature; a range needs a numeric one`);
      continue;
    }
    const list = r.list(range, rangePath, { required: true });
    if (list === undefined) continue;
    if (list.length !== 2) {
      r.problems.add(rangePath, `must be [low, high], not a list of ${list.length}`);
      continue;
    }
    const low = r.number(list[0], childPath(rangePath, 0), { required: true });
    const high = r.number(list[1], childPath(rangePath, 1), { required: true });
    if (low === undefined || high === undefined) continue;
    if (low >= high) r.problems.add(rangePath, `low (${low}) must be below high (${high})`);
    else ranges[name] = [low, high];
  }
  const required = r.strings(u.required, `${path}.required`) ?? [];
  required.forEach((name, index) => {
    if (!Object.hasOwn(context.features, name))
      r.problems.add(childPath(`${path}.required`, index), `"${name}" is not a feature of the model`);
  });
  return { ranges, required: required.filter((name) => Object.hasOwn(context.features, name)) };
}

function compileGroupSamples(
  value: unknown,
  path: string,
  r: ConfigReader,
  context: ReviewContext,
): ReviewGroupSample[] {
  const attributes = [...new Set(context.groups.flatMap((g) => g.split('*')))];
  const out: ReviewGroupSample[] = [];
  (r.list(value, path) ?? []).forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    const g = r.object(item, itemPath, ['attribute', 'value', 'probability', 'reserve'], { required: true });
    if (!g) return;
    const attribute = r.string(g.attribute, `${itemPath}.attribute`, { required: true });
    const groupValue = r.string(g.value, `${itemPath}.value`, { required: true });
    const probability = r.number(g.probability, `${itemPath}.probability`, { required: true, above: 0, max: 1 });
    const reserve = r.number(g.reserve, `${itemPath}.reserve`, { integer: true, min: 0 }) ?? 0;
    if (attribute !== undefined && !attributes.includes(attribute)) {
      const known =
        attributes.length === 0 ? 'the model has no groups' : `the model's group attributes: ${attributes.join(', ')}`;
      r.problems.add(`${itemPath}.attribute`, `"${attribute}" is not a group attribute of the model (${known})`);
      return;
    }
    if (attribute === undefined || groupValue === undefined || probability === undefined) return;
    if (out.some((s) => s.attribute === attribute && s.value === groupValue)) {
      r.problems.add(itemPath, `${attribute}=${groupValue} is listed twice`);
      return;
    }
    out.push({ attribute, value: groupValue, probability, reserve });
  });
  return out;
}

function compileAudit(value: unknown, path: string, r: ConfigReader): { rate: number; reserve?: number } | undefined {
  const a = r.object(value, path, ['rate', 'reserve']);
  if (!a) return undefined;
  const rate = r.number(a.rate, `${path}.rate`, { required: true, above: 0, max: 1 });
  const reserve = r.number(a.reserve, `${path}.reserve`, { integer: true, min: 0 });
  return rate === undefined ? undefined : { rate, ...(reserve !== undefined ? { reserve } : {}) };
}
