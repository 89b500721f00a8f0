import { childPath } from './config-problems';
import { type ConfigReader } from './config-reader';
import { unknownName } from './compile-rules';
import { type FeatureKind } from '../table';
import { type ExplainConfig } from './vigil-config';

/**
 * `models[].explain` (docs/explanations.md): which features are protected attributes and which are their proxies,
 * for the attribution metrics, and how many top places the ranking's NDCG counts. Names must be features of the
 * model: attributions are per feature, so a name that is not one would never carry any and its share would read 0
 * forever. A feature may not be both protected and a proxy.
 */
export function compileExplain(
  value: unknown,
  path: string,
  r: ConfigReader,
  features: Readonly<Record<string, FeatureKind>>,
): ExplainConfig | undefined {
  const e = r.object(value, path, ['protected', 'proxies', 'k']);
  if (!e) return undefined;
  const names = Object.keys(features);
  const check = (list: string[] | undefined, key: string): string[] =>
    (list ?? []).filter((name, index) => {
      if (Object.hasOwn(features, name)) return true;
      r.problems.add(childPath(`${path}.${key}`, index), unknownName('feature', name, names));
      return false;
    });
  const protectedFeatures = check(
    r.strings(e.protected, `${path}.protected`, { required: true, nonEmpty: true }),
    'protected',
  );
  const proxies = check(r.strings(e.proxies, `${path}.proxies`), 'proxies');
  proxies.forEach((name) => {
    if (protectedFeatures.includes(name)) r.problems.add(`${path}.proxies`, `"${name}" is already listed as protected`);
  });
  const k = r.number(e.k, `${path}.k`, { integer: true, min: 1 });
  return { protected: protectedFeatures, proxies, ...(k === undefined ? {} : { k }) };
}
