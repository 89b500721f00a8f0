import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isVigilError, parseConfig, type ConfigProblem, type VigilConfig } from '@vigil/core';

export const EXAMPLE_PATH = join(__dirname, '../../../../examples/vigil.yaml');
export const EXAMPLE_TEXT = readFileSync(EXAMPLE_PATH, 'utf8');

/** The secrets examples/vigil.yaml refers to; each contains "s3cret" so a leak is easy to find. */
export const EXAMPLE_ENV: Record<string, string> = {
  VIGIL_DB_PASSWORD: 'db-pw-s3cret',
  KAFKA_PASSWORD: 'kafka-pw-s3cret',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/slack-s3cret',
  PAGERDUTY_ROUTING_KEY: 'pd-key-s3cret',
  SMTP_PASSWORD: 'smtp-pw-s3cret',
  ADMIN_TOKEN: 'admin-token-s3cret-0123456789',
  ONCALL_TOKEN: 'oncall-token-s3cret-0123456789',
};

/** The smallest valid file; tests append or replace parts of it. */
export const MINIMAL = `
models:
  - id: m
    task: binary
    owner: { name: Team, webhook: https://hooks.example.com/team }
    features: { age: numeric, region: categorical }
    groups: [sex]
`;

export function parse(text: string, env: Record<string, string | undefined> = {}): VigilConfig {
  return parseConfig(text, 'vigil.yaml', env);
}

/** A file with one model whose body (YAML lines at model indentation) is `extra`, appended to a valid model. */
export function withModel(extra: string, top = ''): string {
  const body = extra
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  return `${top}\n${MINIMAL.trimEnd()}\n${body}\n`;
}

/** The problems a file is refused with; fails the test when it is accepted. */
export function problemsOf(text: string, env: Record<string, string | undefined> = {}): ConfigProblem[] {
  try {
    parse(text, env);
  } catch (error) {
    if (!isVigilError(error, 'VIGIL_CONFIG_INVALID')) throw error;
    return (error.details?.problems ?? []) as ConfigProblem[];
  }
  throw new Error('the configuration was accepted');
}

/** The one problem at `path` (fails unless exactly one). */
export function problemAt(text: string, path: string, env: Record<string, string | undefined> = {}): ConfigProblem {
  const problems = problemsOf(text, env);
  const matching = problems.filter((p) => p.path === path);
  if (matching.length !== 1)
    throw new Error(`expected one problem at ${path}, got:\n${JSON.stringify(problems, null, 2)}`);
  return matching[0]!;
}
