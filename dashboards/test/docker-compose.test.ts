import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseConfig } from '@vigil/core';
import { DEFAULT_DASHBOARDS_PATH, buildDashboards } from '@vigil/dashboards';
import { parseYaml } from './helpers/yaml';

/**
 * docker-compose.yml cannot run here (no Docker engine), so its pieces are checked one by one: the files Grafana
 * mounts exist and are the ones `vigil dashboards` writes, the environment the provisioning files need is set
 * and agrees with the services, and the daemon's configuration is valid.
 */
const ROOT = join(__dirname, '../..');

interface Service {
  image?: string;
  build?: { context: string; dockerfile_inline?: string };
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
  configs?: Array<{ source: string; target: string }>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

interface Compose {
  services: Record<string, Service>;
  configs: Record<string, { content: string }>;
}

const compose = parseYaml(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as Compose;
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const env = (name: string) =>
  Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v)]));

/** The host folder mounted at `target` in `service`, and the rest of the path below it. */
function hostPath(serviceName: string, containerPath: string): string | undefined {
  for (const volume of service(serviceName).volumes ?? []) {
    const [source, target] = volume.split(':') as [string, string];
    if (!source.startsWith('.')) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`))
      return join(ROOT, source, posix.relative(target, containerPath));
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  it('runs Kafka (KRaft), PostgreSQL, Redis, Grafana and the daemon built from this checkout', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'grafana',
      'kafka',
      'kafka-topics',
      'postgres',
      'redis',
      'vigil',
    ]);
    expect(env('kafka').KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(service('vigil').build?.context).toBe('.');
    expect(service('vigil').build?.dockerfile_inline).toMatch(/pnpm install --frozen-lockfile && pnpm run build/);
    expect(service('vigil').build?.dockerfile_inline).toMatch(
      /ENTRYPOINT \["node", "--max-semi-space-size=8", "packages\/daemon\/dist\/bin.js"\]/,
    );
    expect(existsSync(join(ROOT, 'packages/daemon/src/bin.ts'))).toBe(true);
    expect(service('vigil').command?.slice(0, 2)).toEqual(['run', '-c']);
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        // A one-shot service (creating the topics) is waited for until it has exited with 0; the others until healthy.
        if (dependency === 'kafka-topics') {
          expect({ name, dependency, condition }).toEqual({
            name,
            dependency,
            condition: 'service_completed_successfully',
          });
          continue;
        }
        expect({ name, dependency, condition, healthcheck: service(dependency).healthcheck !== undefined }).toEqual({
          name,
          dependency,
          condition: 'service_healthy',
          healthcheck: true,
        });
      }
    }
  });

  it('mounts the provisioning folder `vigil dashboards` writes where Grafana reads it', () => {
    const mounted = hostPath('grafana', '/etc/grafana/provisioning');
    expect(mounted).toBe(join(ROOT, 'dashboards/provisioning'));
    const { files } = buildDashboards();
    for (const [path, text] of Object.entries(files))
      expect({ path, same: readFileSync(join(mounted!, path), 'utf8') === text }).toEqual({ path, same: true });
    // The provider's folder and the home dashboard resolve, through the mount, to the generated JSON files.
    const provider = hostPath('grafana', DEFAULT_DASHBOARDS_PATH)!;
    expect(existsSync(join(provider, 'vigil-fleet.json'))).toBe(true);
    expect(existsSync(hostPath('grafana', env('grafana').GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!)!)).toBe(true);
  });

  it('gives Grafana every variable the datasource file names, pointing at the postgres service', () => {
    const datasource = buildDashboards().files['datasources/vigil.yaml']!;
    const needed = [...datasource.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
    expect(needed.sort()).toEqual([
      'VIGIL_PG_DATABASE',
      'VIGIL_PG_HOST',
      'VIGIL_PG_PASSWORD',
      'VIGIL_PG_SSLMODE',
      'VIGIL_PG_USER',
    ]);
    const grafana = env('grafana');
    for (const name of needed)
      expect({ name, set: grafana[name] !== undefined && grafana[name] !== '' }).toEqual({ name, set: true });
    const pg = env('postgres');
    expect(grafana).toEqual(
      expect.objectContaining({
        VIGIL_PG_HOST: 'postgres:5432',
        VIGIL_PG_DATABASE: pg.POSTGRES_DB,
        VIGIL_PG_USER: pg.POSTGRES_USER,
        VIGIL_PG_PASSWORD: pg.POSTGRES_PASSWORD,
      }),
    );
  });

  it('connects the daemon to the same database, broker and Redis', () => {
    const vigil = env('vigil');
    const pg = env('postgres');
    expect(vigil.VIGIL_DATABASE_URL).toBe(
      `postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`,
    );
    expect(env('kafka').KAFKA_ADVERTISED_LISTENERS!.split(',')).toContain(`PLAINTEXT://${vigil.VIGIL_KAFKA_BROKERS}`);
    expect(vigil.VIGIL_REDIS_URL).toBe('redis://redis:6379');
    expect(service('vigil').ports).toContain(`${vigil.VIGIL_HTTP_PORT}:${vigil.VIGIL_HTTP_PORT}`);
  });

  it('hands the daemon a configuration Vigil accepts', () => {
    const [mount] = service('vigil').configs ?? [];
    expect(service('vigil').command).toEqual(['run', '-c', mount!.target]);
    const config = parseConfig(
      compose.configs[mount!.source]!.content,
      'docker-compose.yml#configs.vigil-config',
      env('vigil'),
    );
    expect(config.models.map((m) => m.id)).toEqual(['credit-risk']);
    expect(config.database?.url).toBe(env('vigil').VIGIL_DATABASE_URL);
    // vigil run refuses to start without its topics: the one-shot service creates each one this configuration names,
    // and the daemon waits for it.
    const create = (service('kafka-topics').command ?? []).join(' ');
    const topics = config.kafka!.topics;
    for (const topic of [topics.predictions, topics.labels, topics.control])
      expect({
        topic,
        created: new RegExp(`for topic in [^;]*\\b${topic.replace(/\./g, '\\.')}\\b`).test(create),
      }).toEqual({
        topic,
        created: true,
      });
    expect(create).toMatch(/kafka-topics\.sh --bootstrap-server kafka:9092 --create --if-not-exists --topic \$\$topic/);
    expect(service('vigil').depends_on?.['kafka-topics']?.condition).toBe('service_completed_successfully');
  });
});
