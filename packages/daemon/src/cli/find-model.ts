import { VigilError, type ModelConfig, type VigilConfig } from '@vigil/core';
import { closest } from './command-args';

/** The model `id` of a loaded configuration, or a usage error naming the nearest configured id, else listing them. */
export function findModel(config: VigilConfig, id: string, configPath: string, command: string): ModelConfig {
  const model = config.models.find((m) => m.id === id);
  if (!model)
    throw unknownModel(
      command,
      id,
      configPath,
      config.models.map((m) => m.id),
      'VIGIL_USAGE',
    );
  return model;
}

/**
 * `WHAT: no model "ID" in WHERE`, with the nearest of `ids` when one is near (`; did you mean "m10"?`), else the first
 * ten of them: `vigil model show`'s and `vigil model pause`'s VIGIL_NOT_FOUND, and the VIGIL_USAGE of a command whose
 * `--model` names no model of its configuration (`vigil report`, `vigil reference fit`).
 */
export function unknownModel(
  what: string,
  id: string,
  where: string,
  ids: readonly string[],
  code: 'VIGIL_NOT_FOUND' | 'VIGIL_USAGE' = 'VIGIL_NOT_FOUND',
): VigilError {
  const guess = closest(id, ids);
  const hint =
    guess !== undefined
      ? `; did you mean "${guess}"?`
      : ids.length > 0
        ? ` (models: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', ...' : ''})`
        : '';
  return new VigilError(code, `${what}: no model "${id}" in ${where}${hint}`);
}
