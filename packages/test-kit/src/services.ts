import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';

const HOW_TO_START = 'start it with `bash scripts/services/start.sh redis` (after `bash scripts/services/install.sh`)';
const ENV_FILE = resolve(__dirname, '../../../.cache/services/env');

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
    `VIGIL_REDIS_URL is not set and ${ENV_FILE} does not name it: Redis is needed by these tests; ${HOW_TO_START}`,
  );
}

/** `redisUrl()`, after checking that something listens there: fails at once with how to start Redis, never hangs. */
export async function reachableRedisUrl(): Promise<string> {
  const url = redisUrl();
  const u = new URL(url);
  const port = Number(u.port || 6379);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: u.hostname, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
    const fail = (why: string) => {
      socket.destroy();
      reject(
        new Error(`Redis does not answer at ${u.hostname}:${port} (${why}): these tests need it; ${HOW_TO_START}`),
      );
    };
    socket.once('timeout', () => fail('timeout'));
    socket.once('error', (e) => fail(e.message));
  });
  return url;
}
