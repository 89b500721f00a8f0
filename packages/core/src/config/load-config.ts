import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { VigilError } from '../errors';
import { parseConfig, type ConfigNeeds } from './parse-config';
import { type Env } from './read-yaml';
import { type VigilConfig } from './vigil-config';

/**
 * Reads, validates and compiles a vigil.yaml once, at start-up (see `parseConfig`).
 * @param env - @defaultValue `process.env`
 * @param name - the file as the user gave it, for messages (`vigil.yaml:3: …`, as git and kubectl print it);
 *   relative files it names are still resolved against `path`'s directory. @defaultValue `path`
 * @param needs - what the command needs of it (`{ kafkaBrokers: false }` for one that does not read Kafka).
 */
export async function loadConfig(
  path: string,
  env: Env = process.env,
  name = path,
  needs: ConfigNeeds = {},
): Promise<VigilConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read';
    throw new VigilError('VIGIL_FILE_NOT_FOUND', `${name}: ${reason} (the configuration file)`, { cause });
  }
  return parseConfig(text, name, env, dirname(resolve(path)), needs);
}
