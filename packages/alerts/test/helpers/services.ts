import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const ENV_FILE = resolve(__dirname, '../../../../.cache/services/env');

/** VIGIL_REDIS_URL from the environment, else from the file scripts/services/start.sh writes; fails (never skips). */
export function redisUrl(): string {
  const fromEnv = process.env.VIGIL_REDIS_URL;
  if (fromEnv) return fromEnv;
  if (existsSync(ENV_FILE)) {
    const line = readFileSync(ENV_FILE, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VIGIL_REDIS_URL='));
    if (line) return line.slice('VIGIL_REDIS_URL='.length).trim();
  }
  throw new Error(
    `VIGIL_REDIS_URL is not set and ${ENV_FILE} does not name it: Redis is needed by these tests; start it with \`bash scripts/services/start.sh redis\` (after \`bash scripts/services/install.sh\`)`,
  );
}
