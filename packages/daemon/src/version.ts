import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/**
 * Vigil's version: the `version` of packages/daemon/package.json (the package that holds the `vigil` executable;
 * the workspace root has none). Read once from the file beside the build, so a release bumps one place.
 */
export function vigilVersion(): string {
  // src and dist are both one level below the package.
  cached ??= (JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
