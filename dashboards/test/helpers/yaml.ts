import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The YAML parser the workspace already has (`yaml`, a dependency of @vigil/core), loaded from core's folder:
 * the dashboards package takes no dependency of its own for a test-only check.
 */
const fromCore = createRequire(join(__dirname, '../../../packages/core/package.json'));
const yaml = fromCore('yaml') as { parse(text: string): unknown };

export function parseYaml(text: string): unknown {
  return yaml.parse(text);
}
