/**
 * From escalation step targets to notifiers. `owner` means the model's owner and expands to the channels the
 * owner has: `owner:webhook` (the generic webhook) and `owner:email` (when `smtp` is configured). Other targets
 * are names under `notifiers` in vigil.yaml. Notifiers are built once per (model, target) and reused.
 */
import { compositeKey, type ModelConfig, type NotifierConfig, type VigilConfig } from '@vigil/core';
import { emailNotifier } from './email-notifier';
import { alertmanagerNotifier, pagerdutyNotifier, slackNotifier, webhookNotifier } from './http-notifiers';
import type { Notifier } from './notifier';

export const OWNER_WEBHOOK = 'owner:webhook';
export const OWNER_EMAIL = 'owner:email';

/** The delivery targets of a step's `notify` list for one model, in order, without duplicates. */
export function expandTargets(
  notify: readonly string[],
  model: ModelConfig,
  config: Pick<VigilConfig, 'smtp'>,
): string[] {
  const out: string[] = [];
  for (const name of notify) {
    if (name === 'owner') {
      if (model.owner.webhook !== undefined) out.push(OWNER_WEBHOOK);
      if (model.owner.email !== undefined && config.smtp !== undefined) out.push(OWNER_EMAIL);
    } else out.push(name);
  }
  return [...new Set(out)];
}

/** The prefix of a person reviewer's targets: `reviewer:<name>:webhook`, `reviewer:<name>:email`. */
export const REVIEWER_PREFIX = 'reviewer:';

/**
 * The delivery targets of a model's reviewers: each person's webhook (and e-mail, with `smtp`), each named notifier,
 * `owner` as the owner's channels. Persons are addressed by name so a notice still finds them after a reload.
 */
export function expandReviewers(model: ModelConfig, config: Pick<VigilConfig, 'smtp'>): string[] {
  const out: string[] = [];
  for (const reviewer of model.reviewers ?? []) {
    if ('notifier' in reviewer) out.push(...expandTargets([reviewer.notifier], model, config));
    else {
      if (reviewer.webhook !== undefined) out.push(`${REVIEWER_PREFIX}${reviewer.name}:webhook`);
      if (reviewer.email !== undefined && config.smtp !== undefined)
        out.push(`${REVIEWER_PREFIX}${reviewer.name}:email`);
    }
  }
  return [...new Set(out)];
}

export interface NotifierFactoryOptions {
  timeoutMs: number;
  now: () => number;
}

export class NotifierRegistry {
  private readonly cache = new Map<string, Notifier | null>();

  constructor(
    private readonly config: VigilConfig,
    private readonly options: NotifierFactoryOptions,
  ) {}

  /** The notifier for a target of a model, or undefined when the configuration has none by that name. */
  get(model: ModelConfig, target: string): Notifier | undefined {
    const key =
      target.startsWith('owner:') || target.startsWith(REVIEWER_PREFIX) ? compositeKey(model.id, target) : target;
    if (!this.cache.has(key)) this.cache.set(key, this.build(model, target) ?? null);
    return this.cache.get(key) ?? undefined;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.cache.values()].map((n) => n?.close?.()));
    this.cache.clear();
  }

  private build(model: ModelConfig, target: string): Notifier | undefined {
    const { timeoutMs, now } = this.options;
    if (target === OWNER_WEBHOOK)
      return model.owner.webhook === undefined ? undefined : webhookNotifier(target, model.owner.webhook, timeoutMs);
    if (target === OWNER_EMAIL) {
      const smtp = this.config.smtp;
      return smtp === undefined || model.owner.email === undefined
        ? undefined
        : emailNotifier(target, smtp, [model.owner.email], timeoutMs);
    }
    if (target.startsWith(REVIEWER_PREFIX)) {
      const channel = target.slice(target.lastIndexOf(':') + 1);
      const name = target.slice(REVIEWER_PREFIX.length, target.lastIndexOf(':'));
      const person = model.reviewers?.find(
        (r): r is Exclude<typeof r, { notifier: string }> => !('notifier' in r) && r.name === name,
      );
      if (person === undefined) return undefined;
      if (channel === 'webhook')
        return person.webhook === undefined ? undefined : webhookNotifier(target, person.webhook, timeoutMs);
      const smtp = this.config.smtp;
      return channel === 'email' && smtp !== undefined && person.email !== undefined
        ? emailNotifier(target, smtp, [person.email], timeoutMs)
        : undefined;
    }
    const n: NotifierConfig | undefined = this.config.notifiers[target];
    if (n === undefined) return undefined;
    switch (n.type) {
      case 'webhook':
        return webhookNotifier(target, n.url, timeoutMs);
      case 'slack':
        return slackNotifier(target, n.url, timeoutMs);
      case 'pagerduty':
        return pagerdutyNotifier(target, n.url, n.routingKey, timeoutMs);
      case 'alertmanager':
        return alertmanagerNotifier(target, n.url, timeoutMs, now, n.resendMs);
      case 'email':
        return this.config.smtp === undefined ? undefined : emailNotifier(target, this.config.smtp, n.to, timeoutMs);
    }
  }
}
