import { parseConfig, type VigilConfig } from '@vigil/core';

/** A vigil.yaml for the alert tests: one binary model with two psi rules, a two-step policy with a repeat. */
export interface ConfigParts {
  ownerUrl: string;
  oncallUrl: string;
  extra?: string;
  rules?: string;
  policy?: string;
  models?: string;
  top?: string;
  ownerEmail?: string;
}

export function alertConfig(o: ConfigParts): VigilConfig {
  return parseConfig(alertConfigText(o), 'test-vigil.yaml', {});
}

export function alertConfigText(o: ConfigParts): string {
  return `
${o.top ?? ''}
notifiers:
  oncall: { type: webhook, url: "${o.oncallUrl}" }
${o.extra ?? ''}
escalation:
  default:
${
  o.policy ??
  `    steps:
      - { after: 0m, notify: [owner] }
      - { after: 30m, notify: [oncall] }
    repeat: 4h`
}
models:
  - id: credit-risk
    task: binary
    owner: { name: Risk ML team, webhook: "${o.ownerUrl}"${o.ownerEmail ? `, email: ${o.ownerEmail}` : ''} }
    features: { age: numeric, region: categorical }
    groups: [sex]
    rules:
${
  o.rules ??
  `      - { metric: psi, threshold: 0.2, clearThreshold: 0.1, severity: warning, minSamples: 100 }
      - { metric: psi, threshold: 0.5, clearThreshold: 0.4, severity: critical }
      - { metric: ece, threshold: 0.1, clearThreshold: 0.07, breachesOfWindows: { n: 2, m: 3 } }`
}
${o.models ?? ''}
`;
}

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(public t: number) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const T0 = Date.parse('2026-11-22T10:00:00Z');
