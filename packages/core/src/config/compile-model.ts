import { isAbsolute, resolve } from 'node:path';
import { type FeatureKind } from '../table';
import { parseInstant } from '../duration';
import { childPath, didYouMean } from './config-problems';
import { isRecord, type ConfigReader } from './config-reader';
import { EMAIL } from './compile-connections';
import { DEFAULT_POLICY, OWNER_TARGET, unknownPolicy } from './compile-escalation';
import { compileExplain } from './compile-explain';
import { compileReview } from './compile-review';
import { compileRules } from './compile-rules';
import { defineSecret } from './redacted-config';
import {
  type EscalationPolicyConfig,
  type ModelConfig,
  type OwnerConfig,
  type ReferenceConfig,
  type ReviewerConfig,
  type WindowConfig,
} from './vigil-config';

const MODEL_KEYS = [
  'id',
  'task',
  'threshold',
  'owner',
  'reviewers',
  'escalation',
  'riskTier',
  'features',
  'groups',
  'reference',
  'window',
  'minGroupSize',
  'fdr',
  'rules',
  'review',
  'explain',
] as const;
/** Model ids go into Kafka keys, dedup keys (`model/version/metric/...`) and URLs: keep them plain. */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const ATTRIBUTE = /^[^*\s]+$/;

/** The prefix of the decoder's own columns (`RESERVED_COLUMN_PREFIX` of @vigil/collector). */
const RESERVED_FEATURE_PREFIX = '$';

export const WINDOW_DEFAULTS: WindowConfig = {
  sizeMs: 3_600_000,
  slideMs: 300_000,
  allowedLatenessMs: 600_000,
  idleTimeoutMs: 60_000,
};
export const DEFAULT_MIN_GROUP_SIZE = 30;
export const DEFAULT_FDR = 0.05;
export const DEFAULT_THRESHOLD = 0.5;

export interface ModelContext {
  readonly policies: Readonly<Record<string, EscalationPolicyConfig>>;
  /** Whether e-mail can be sent at all (an `smtp` section). */
  readonly smtp: boolean;
  /** Names under `notifiers`, which reviewers may name. @defaultValue none */
  readonly notifiers?: readonly string[];
  /** Directory that relative reference files are resolved against. */
  readonly baseDir: string;
}

export function compileModels(value: unknown, r: ConfigReader, context: ModelContext): ModelConfig[] {
  const list = r.list(value, 'models', { required: true });
  if (list?.length === 0) r.problems.add('models', 'must list at least one model');
  const out: ModelConfig[] = [];
  const firstIndex = new Map<string, number>();
  (list ?? []).forEach((item, index) => {
    const path = `models[${index}]`;
    const model = compileModel(item, path, r, context);
    // Checked on the raw id, so a duplicate is reported even when the model has other problems.
    const id =
      isRecord(item) && (typeof item.id === 'string' || typeof item.id === 'number')
        ? String(item.id).trim()
        : undefined;
    if (id !== undefined) {
      const first = firstIndex.get(id);
      if (first !== undefined)
        r.problems.add(`${path}.id`, `duplicate model id "${id}" (first defined by models[${first}])`);
      else firstIndex.set(id, index);
    }
    if (model) out.push(model);
  });
  return out;
}

function compileModel(item: unknown, path: string, r: ConfigReader, context: ModelContext): ModelConfig | undefined {
  const m = r.object(item, path, MODEL_KEYS, { required: true });
  if (!m) return undefined;
  const id = r.string(m.id, `${path}.id`, {
    required: true,
    pattern: MODEL_ID,
    expected: 'a model id (letters, digits, . _ -; at most 128)',
  });
  const task = r.oneOf(m.task, `${path}.task`, ['binary', 'regression'] as const, { required: true });
  const threshold =
    task === 'regression'
      ? r.number(m.threshold, `${path}.threshold`)
      : r.number(m.threshold, `${path}.threshold`, { min: 0, max: 1 });
  const riskTier = r.oneOf(m.riskTier, `${path}.riskTier`, ['high', 'medium', 'low'] as const) ?? 'medium';
  const features = compileFeatures(m.features, `${path}.features`, r);
  const groups = compileGroups(m.groups, `${path}.groups`, r, features);
  const escalation = r.string(m.escalation, `${path}.escalation`) ?? DEFAULT_POLICY;
  // Own policies only: a policy named `toString` must not find Object.prototype.toString.
  const policy = Object.hasOwn(context.policies, escalation) ? context.policies[escalation] : undefined;
  if (policy === undefined)
    r.problems.add(`${path}.escalation`, unknownPolicy(escalation, Object.keys(context.policies)));
  const owner = compileOwner(m.owner, `${path}.owner`, r);
  const ownerNotified = policy?.steps.some((step) => step.notify.includes(OWNER_TARGET)) ?? false;
  // Judged on the raw values: an invalid webhook or email is already a problem of its own.
  const rawOwner = isRecord(m.owner) ? m.owner : {};
  const hasEmail = rawOwner.email !== undefined && rawOwner.email !== null;
  const hasWebhook = rawOwner.webhook !== undefined && rawOwner.webhook !== null;
  if (owner && ownerNotified && !hasWebhook && !(hasEmail && context.smtp)) {
    const why = hasEmail ? 'has only an email, and there is no smtp section' : 'has neither a webhook nor an email';
    r.problems.add(`${path}.owner`, `is notified by the escalation policy "${escalation}" but ${why}`);
  }
  const reviewers = compileReviewers(m.reviewers, `${path}.reviewers`, r, context);
  const reference = compileReference(m.reference, `${path}.reference`, r, context.baseDir);
  const window = compileWindow(m.window, `${path}.window`, r);
  const minGroupSize =
    r.number(m.minGroupSize, `${path}.minGroupSize`, { integer: true, min: 1 }) ?? DEFAULT_MIN_GROUP_SIZE;
  const fdr = r.number(m.fdr, `${path}.fdr`, { above: 0, below: 1 }) ?? DEFAULT_FDR;
  const explain = compileExplain(m.explain, `${path}.explain`, r, features);
  const rules = compileRules(m.rules, `${path}.rules`, r, {
    task: task ?? 'binary',
    riskTier,
    features,
    groups,
    explain: m.explain !== undefined && m.explain !== null,
  });
  const review = compileReview(m.review, `${path}.review`, r, { task, features, groups });
  if (id === undefined || task === undefined || owner === undefined) return undefined;
  const model: ModelConfig = {
    id,
    task,
    threshold: threshold ?? DEFAULT_THRESHOLD,
    features,
    groups,
    owner,
    ...(reviewers.length > 0 ? { reviewers } : {}),
    escalation,
    riskTier,
    ...(reference ? { reference } : {}),
    window,
    minGroupSize,
    fdr,
    rules,
    ...(review ? { review } : {}),
    ...(explain ? { explain } : {}),
  };
  const declaredAt: Record<string, string> = {};
  for (const name of Object.keys(features)) {
    const line = r.problems.lines.get(childPath(`${path}.features`, name));
    if (line !== undefined) declaredAt[name] = `${r.problems.source}:${line}`;
  }
  Object.defineProperty(model, 'featuresDeclaredAt', { value: declaredAt, enumerable: false });
  return model;
}

function compileFeatures(value: unknown, path: string, r: ConfigReader): Record<string, FeatureKind> {
  const out: Record<string, FeatureKind> = {};
  if (Array.isArray(value)) {
    // `[age:numeric, region:categorical]` is how `vigil report --features` takes them: show the same in YAML's form.
    const pairs = value.map((item) => (typeof item === 'string' ? item.split(':').map((p) => p.trim()) : []));
    const written = pairs.every(
      ([name, kind, ...rest]) => name && (kind === 'numeric' || kind === 'categorical') && rest.length === 0,
    );
    const example =
      written && pairs.length > 0
        ? pairs.map(([name, kind]) => `${name}: ${kind}`).join(', ')
        : 'age: numeric, region: categorical';
    r.problems.unreadable(path, `must be a mapping of each feature to its kind, not a list: features: { ${example} }`);
    return out;
  }
  for (const [name, kind] of Object.entries(r.record(value, path, { required: true }) ?? {})) {
    const checked = r.oneOf(kind, childPath(path, name), ['numeric', 'categorical'] as const, { required: true });
    // The event decoder names its own columns `$ts`, `$score`, `$group.sex`, ... and refuses to start otherwise.
    if (name.startsWith(RESERVED_FEATURE_PREFIX)) {
      r.problems.add(
        childPath(path, name),
        `feature names starting with "${RESERVED_FEATURE_PREFIX}" are reserved for the columns Vigil adds`,
      );
    } else if (checked !== undefined) out[name] = checked;
  }
  return out;
}

/**
 * Group attributes and their intersections `a*b`. An intersection may only combine attributes listed on their
 * own, so each of its parts is also analysed alone. A numeric feature may not be a group: groups are discrete
 * (a numeric column would make one group per value); a categorical feature may, since segmenting by an input
 * such as region is common, and the group value is read from the event's `groups`, the feature from `features`.
 */
function compileGroups(
  value: unknown,
  path: string,
  r: ConfigReader,
  features: Readonly<Record<string, FeatureKind>>,
): string[] {
  const raw = r.list(value, path) ?? [];
  const singles = raw.filter((g): g is string => typeof g === 'string' && !g.includes('*')).map((g) => g.trim());
  const seen = new Map<string, string>();
  const out: string[] = [];
  raw.forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    const group = r.string(item, itemPath, { required: true });
    if (group === undefined) return;
    if (
      out.includes(
        group
          .split('*')
          .map((p) => p.trim())
          .join('*'),
      )
    ) {
      r.problems.add(itemPath, `"${group}" is listed twice`);
      return;
    }
    const parts = group.split('*').map((p) => p.trim());
    if (parts.some((p) => !ATTRIBUTE.test(p))) {
      r.problems.add(itemPath, `"${group}" is not an attribute name or an intersection a*b`);
      return;
    }
    if (parts.length === 1 && Object.hasOwn(features, group) && features[group] === 'numeric') {
      r.problems.add(
        itemPath,
        `"${group}" is a numeric feature; groups must be discrete (add a banded attribute, e.g. ${group}_band)`,
      );
    }
    if (parts.length > 1) {
      const unlisted = parts.filter((p) => !singles.includes(p));
      if (unlisted.length > 0)
        r.problems.add(
          itemPath,
          `the intersection "${group}" names ${unlisted.map((p) => `"${p}"`).join(', ')}, which ${unlisted.length === 1 ? 'is' : 'are'} not listed in groups on ${unlisted.length === 1 ? 'its' : 'their'} own`,
        );
      if (new Set(parts).size !== parts.length)
        r.problems.add(itemPath, `the intersection "${group}" repeats an attribute`);
    }
    // a*b and b*a are the same groups: report the second spelling.
    const canonical = [...parts].sort().join('*');
    const earlier = seen.get(canonical);
    if (earlier !== undefined && earlier !== group)
      r.problems.add(itemPath, `"${group}" is the same intersection as "${earlier}"`);
    seen.set(canonical, group);
    out.push(parts.join('*'));
  });
  return out;
}

function compileOwner(value: unknown, path: string, r: ConfigReader): OwnerConfig | undefined {
  const owner = r.object(value, path, ['name', 'email', 'webhook'], { required: true });
  if (!owner) return undefined;
  const name = r.string(owner.name, `${path}.name`, { required: true });
  const email = r.string(owner.email, `${path}.email`, { pattern: EMAIL, expected: 'an e-mail address' });
  const webhook = r.url(owner.webhook, `${path}.webhook`, ['https:', 'http:'], { secret: true });
  if (name === undefined) return undefined;
  const out: OwnerConfig = email === undefined ? { name } : { name, email };
  if (webhook !== undefined) defineSecret(out, 'webhook', webhook, 'capability');
  return out;
}

/**
 * `reviewers`: people (`{ name, email?, webhook? }`, reached like the owner) or names under `notifiers` (`owner`:
 * the model's owner). A person must be reachable: a webhook, or an e-mail with an smtp section.
 */
function compileReviewers(value: unknown, path: string, r: ConfigReader, context: ModelContext): ReviewerConfig[] {
  const out: ReviewerConfig[] = [];
  const targets = [OWNER_TARGET, ...(context.notifiers ?? [])];
  const names = new Set<string>();
  (r.list(value, path) ?? []).forEach((item, index) => {
    const itemPath = `${path}[${index}]`;
    if (typeof item === 'string') {
      const name = item.trim();
      if (!targets.includes(name)) {
        const suggestion = didYouMean(name, targets);
        const hint =
          suggestion === undefined
            ? `a person { name, email, webhook }, "${OWNER_TARGET}" or a name under notifiers`
            : `did you mean "${suggestion}"?`;
        r.problems.add(itemPath, `"${name}" is not a notifier (${hint})`);
      } else if (names.has(`notifier:${name}`)) r.problems.add(itemPath, `"${name}" is listed twice`);
      else {
        names.add(`notifier:${name}`);
        out.push({ notifier: name });
      }
      return;
    }
    const person = compileOwner(item, itemPath, r);
    if (person === undefined) return;
    if (names.has(`person:${person.name}`)) {
      r.problems.add(`${itemPath}.name`, `the reviewer "${person.name}" is listed twice`);
      return;
    }
    names.add(`person:${person.name}`);
    if (person.webhook === undefined && !(person.email !== undefined && context.smtp)) {
      const raw = isRecord(item) ? item : {};
      if (raw.webhook === undefined || raw.webhook === null) {
        r.problems.add(
          itemPath,
          `cannot be notified: ${person.email !== undefined ? 'it has only an email, and there is no smtp section' : 'it has neither a webhook nor an email'}`,
        );
        return;
      }
    }
    out.push(person);
  });
  return out;
}

function compileReference(value: unknown, path: string, r: ConfigReader, baseDir: string): ReferenceConfig | undefined {
  const ref = r.object(value, path, ['file', 'from', 'to']);
  if (!ref) return undefined;
  const hasFile = ref.file !== undefined && ref.file !== null;
  const hasRange = ref.from !== undefined || ref.to !== undefined;
  if (hasFile && hasRange) {
    r.problems.add(path, 'is either { file } or { from, to }, not both');
    return undefined;
  }
  if (hasFile) {
    const file = r.string(ref.file, `${path}.file`, { required: true });
    return file === undefined ? undefined : { file: isAbsolute(file) ? file : resolve(baseDir, file) };
  }
  if (!hasRange) {
    r.problems.add(path, 'needs a file, or a time range from/to of logged traffic');
    return undefined;
  }
  const from = instant(ref.from, `${path}.from`, r);
  const to = instant(ref.to, `${path}.to`, r);
  if (from === undefined || to === undefined) return undefined;
  if (Date.parse(from) >= Date.parse(to)) {
    r.problems.add(`${path}.to`, `must be after from (${from})`);
    return undefined;
  }
  return { from, to };
}

function instant(value: unknown, path: string, r: ConfigReader): string | undefined {
  const text = r.string(value, path, { required: true });
  if (text === undefined) return undefined;
  const ms = parseInstant(text);
  if (Number.isNaN(ms)) {
    r.problems.add(path, `"${text}" is not an ISO-8601 date or date-time (e.g. 2026-11-01T00:00:00Z)`);
    return undefined;
  }
  return new Date(ms).toISOString();
}

function compileWindow(value: unknown, path: string, r: ConfigReader): WindowConfig {
  const w = r.object(value, path, ['size', 'slide', 'allowedLateness', 'idleTimeout']) ?? {};
  const sizeMs = r.duration(w.size, `${path}.size`, { positive: true });
  const slideMs = r.duration(w.slide, `${path}.slide`, { positive: true });
  const allowedLatenessMs = r.duration(w.allowedLateness, `${path}.allowedLateness`);
  const idleTimeoutMs = r.duration(w.idleTimeout, `${path}.idleTimeout`);
  const size = sizeMs ?? WINDOW_DEFAULTS.sizeMs;
  const slide = slideMs ?? WINDOW_DEFAULTS.slideMs;
  // Each slide starts a window; if slides did not tile the window, windows would start off the size grid.
  if ((sizeMs !== undefined || slideMs !== undefined) && (slide > size || size % slide !== 0)) {
    r.problems.add(
      slideMs !== undefined ? `${path}.slide` : `${path}.size`,
      `the slide (${formatMs(slide)}) must divide the window size (${formatMs(size)})`,
    );
  }
  return {
    sizeMs: size,
    slideMs: slide,
    allowedLatenessMs: allowedLatenessMs ?? WINDOW_DEFAULTS.allowedLatenessMs,
    idleTimeoutMs: idleTimeoutMs ?? WINDOW_DEFAULTS.idleTimeoutMs,
  };
}

/** `90000000` → `25h`: a duration in the largest unit that divides it, as the configuration would write it. */
export function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
