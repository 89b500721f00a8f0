import { childPath, didYouMean } from './config-problems';
import { isRecord, type ConfigReader } from './config-reader';
import { EMAIL } from './compile-connections';
import { defineSecret } from './redacted-config';
import {
  type EscalationPolicyConfig,
  type EscalationStepConfig,
  type NotifierConfig,
  type NotifierType,
} from './vigil-config';

/** The escalation target that means "the owner of the model the incident is about". */
export const OWNER_TARGET = 'owner';
export const DEFAULT_POLICY = 'default';
/** Used when the file defines no `default` policy: tell the owner at once, no repeat. */
export const BUILT_IN_DEFAULT_POLICY: EscalationPolicyConfig = { steps: [{ afterMs: 0, notify: [OWNER_TARGET] }] };

const NOTIFIER_KEYS: Record<NotifierType, readonly string[]> = {
  webhook: ['type', 'url'],
  slack: ['type', 'url'],
  pagerduty: ['type', 'routingKey', 'url'],
  email: ['type', 'to'],
  alertmanager: ['type', 'url', 'resend'],
};
const NOTIFIER_TYPES = Object.keys(NOTIFIER_KEYS) as NotifierType[];
const HTTP = ['https:', 'http:'];
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export function compileNotifiers(value: unknown, r: ConfigReader): Record<string, NotifierConfig> {
  const out: Record<string, NotifierConfig> = {};
  for (const [name, entry] of Object.entries(r.record(value, 'notifiers') ?? {})) {
    const path = childPath('notifiers', name);
    if (name === OWNER_TARGET) {
      r.problems.add(path, `"${OWNER_TARGET}" is reserved for the owner of each model; choose another name`);
      continue;
    }
    if (!isRecord(entry)) {
      r.object(entry, path, [], { required: true });
      continue;
    }
    const type = r.oneOf(entry.type, `${path}.type`, NOTIFIER_TYPES, { required: true });
    if (type === undefined) continue;
    const notifier = r.object(entry, path, NOTIFIER_KEYS[type], { required: true });
    if (!notifier) continue;
    const compiled = compileNotifier(type, notifier, path, r);
    if (compiled) out[name] = compiled;
  }
  return out;
}

function compileNotifier(
  type: NotifierType,
  n: Record<string, unknown>,
  path: string,
  r: ConfigReader,
): NotifierConfig | undefined {
  switch (type) {
    case 'email': {
      const to = r.strings(n.to, `${path}.to`, { required: true, nonEmpty: true });
      to?.forEach((address, i) => {
        if (!EMAIL.test(address)) r.problems.add(`${path}.to[${i}]`, `"${address}" is not an e-mail address`);
      });
      return to === undefined ? undefined : { type, to };
    }
    case 'pagerduty': {
      const routingKey = r.string(n.routingKey, `${path}.routingKey`, { required: true, secret: true });
      const url = r.url(n.url, `${path}.url`, HTTP) ?? PAGERDUTY_EVENTS_URL;
      if (routingKey === undefined) return undefined;
      const out = { type, url } as NotifierConfig;
      defineSecret(out, 'routingKey', routingKey, 'value');
      return out;
    }
    default: {
      const url = r.url(n.url, `${path}.url`, HTTP, { required: true, secret: true });
      // Alertmanager forgets alerts that are not re-sent (and everything on a restart): how often Vigil re-sends.
      const resendMs = type === 'alertmanager' ? r.duration(n.resend, `${path}.resend`, { positive: true }) : undefined;
      if (resendMs !== undefined && resendMs < 1000)
        r.problems.add(`${path}.resend`, 'must be at least 1s (Alertmanager asks for 30s to 3m)');
      if (url === undefined) return undefined;
      const out = (resendMs === undefined ? { type } : { type, resendMs }) as NotifierConfig;
      // Alertmanager URLs are plain service addresses; webhook and Slack URLs are capabilities.
      defineSecret(out, 'url', url, type === 'alertmanager' ? 'connection' : 'capability');
      return out;
    }
  }
}

export function compileEscalation(
  value: unknown,
  r: ConfigReader,
  notifiers: readonly string[],
): Record<string, EscalationPolicyConfig> {
  const out: Record<string, EscalationPolicyConfig> = {};
  const targets = [OWNER_TARGET, ...notifiers];
  for (const [name, entry] of Object.entries(r.record(value, 'escalation') ?? {})) {
    const path = childPath('escalation', name);
    const policy = r.object(entry, path, ['steps', 'repeat'], { required: true });
    if (!policy) continue;
    const steps: EscalationStepConfig[] = [];
    const list = r.list(policy.steps, `${path}.steps`, { required: true });
    if (list?.length === 0) r.problems.add(`${path}.steps`, 'must have at least one step');
    list?.forEach((item, index) => {
      const stepPath = `${path}.steps[${index}]`;
      const step = r.object(item, stepPath, ['after', 'notify'], { required: true });
      if (!step) return;
      const afterMs = r.duration(step.after, `${stepPath}.after`, { required: true });
      const notify = r.strings(step.notify, `${stepPath}.notify`, { required: true, nonEmpty: true });
      notify?.forEach((target, i) => {
        if (targets.includes(target)) return;
        const suggestion = didYouMean(target, targets);
        const hint =
          suggestion === undefined ? `"${OWNER_TARGET}" or a name under notifiers` : `did you mean "${suggestion}"?`;
        r.problems.add(`${stepPath}.notify[${i}]`, `"${target}" is not a notifier (${hint})`);
      });
      const previous = steps[steps.length - 1];
      if (afterMs !== undefined && previous && afterMs < previous.afterMs) {
        r.problems.add(
          `${stepPath}.after`,
          'must not be earlier than the previous step (steps are in order of their delay)',
        );
      }
      if (afterMs !== undefined && notify !== undefined) steps.push({ afterMs, notify });
    });
    const repeatMs = r.duration(policy.repeat, `${path}.repeat`, { positive: true });
    out[name] = repeatMs === undefined ? { steps } : { steps, repeatMs };
  }
  if (!Object.hasOwn(out, DEFAULT_POLICY)) out[DEFAULT_POLICY] = BUILT_IN_DEFAULT_POLICY;
  return out;
}

export function unknownPolicy(name: string, known: readonly string[]): string {
  const suggestion = didYouMean(name, known);
  const hint = suggestion === undefined ? `defined: ${known.join(', ')}` : `did you mean "${suggestion}"?`;
  return `the escalation policy "${name}" is not defined under escalation (${hint})`;
}
