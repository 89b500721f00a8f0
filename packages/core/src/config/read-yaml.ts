import type { Alias, Node } from 'yaml';
import type * as YamlModule from 'yaml';
import { childPath, didYouMean, type ConfigProblems } from './config-problems';
import { readPlainYaml } from './plain-yaml';

export type Env = Record<string, string | undefined>;

/**
 * The yaml package, loaded at the first configuration read rather than with @vigil/core: it takes ~0.1 s to load,
 * and every process and worker thread that imports @vigil/core (`vigil report` starts five) paid it without reading
 * any YAML.
 */
let yamlModule: typeof YamlModule | undefined;
function yaml(): typeof YamlModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  yamlModule ??= require('yaml') as typeof YamlModule;
  return yamlModule;
}

/**
 * The most values a file may expand to. Aliases are expanded as they are read, so a few lines of aliases that
 * repeat aliases (a "billion laughs" file) would otherwise expand to billions of values and hang the daemon; a
 * real vigil.yaml has a few hundred.
 */
export const MAX_YAML_VALUES = 100_000;

/**
 * Parses YAML into plain values, recording the line of every key and item in `problems.lines` so later checks
 * can point at them, and substituting `${NAME}` references with environment variables (`$${` is a literal `${`).
 * Returns undefined when the text is not valid YAML (the syntax errors are in `problems`).
 */
export function readYaml(text: string, problems: ConfigProblems, env: Env): unknown {
  // Most files are plain YAML, which plain-yaml.ts reads without the library (the same values and lines).
  const plain = readPlainYaml(text);
  if (plain !== undefined) {
    for (const [path, line] of plain.lines) problems.lines.set(path, line);
    for (const s of plain.strings) s.set(interpolate(s.text, s.path, { problems, env }));
    return plain.value;
  }
  return readYamlDocument(text, problems, env);
}

/** `readYaml` through the `yaml` library's document model: any YAML, and its syntax errors with their lines. */
export function readYamlDocument(text: string, problems: ConfigProblems, env: Env): unknown {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  // prettyErrors would quote the offending source line in the message, and that line may hold a secret.
  // merge: YAML 1.1's `<<` merge key, which most YAML users expect (`<<: *model` in a fleet of models); the plain
  // reader gives up on `<<`, so such a file always comes here.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    for (const error of doc.errors)
      problems.add('(yaml)', `invalid YAML: ${firstLine(error.message)}`, lineAt(error.pos[0]));
    return undefined;
  }
  const budget = { values: 0 };
  const walk = { problems, env, lineAt, depth: 0, budget, aliases: aliasTargets(doc), anchorPaths: new Map() };
  const value = toValue(doc.contents, '', walk);
  return budget.values > MAX_YAML_VALUES ? undefined : value;
}

interface Walk {
  readonly problems: ConfigProblems;
  readonly env: Env;
  readonly lineAt: (offset: number) => number;
  readonly depth: number;
  /** Values read so far, shared by the whole walk. */
  readonly budget: { values: number };
  readonly aliases: AliasTargets;
  /** The path where each anchored node was first read: what its aliases and merges copy. */
  readonly anchorPaths: Map<Node, string>;
  /**
   * Where the node being read was written, when it is read through an alias or a merge (`x-model.task` for
   * `models[3].task`): recorded in `problems.origins`, so a problem in a template is reported once.
   */
  readonly origin?: string;
}

/**
 * The node each alias stands for: the closest anchor of its name before it. Computed in one pass, since
 * `Alias.resolve(doc)` searches the whole document again for every alias.
 */
function aliasTargets(doc: Parameters<typeof YamlModule.visit>[0]): AliasTargets {
  const { isAlias, visit } = yaml();
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>() as AliasTargets;
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor !== undefined) anchors.set(node.anchor, node);
    },
  });
  targets.anchorNames = [...anchors.keys()];
  return targets;
}

/** Each alias's anchored node (undefined: no anchor of its name before it), and every anchor's name. */
type AliasTargets = Map<Alias, Node | undefined> & { anchorNames: readonly string[] };

/** `*modle` names no anchor before it: said where it is written, with the nearest anchor's name. */
function unknownAnchor(alias: Alias, path: string, walk: Walk): void {
  const guess = didYouMean(alias.source, walk.aliases.anchorNames);
  const start = alias.range?.[0];
  walk.problems.add(
    path === '' ? '(root)' : path,
    `*${alias.source}: no anchor &${alias.source} is defined before it${guess === undefined ? '' : ` (did you mean *${guess}?)`}`,
    start === undefined ? undefined : walk.lineAt(start),
  );
}

function toValue(node: unknown, path: string, walk: Walk): unknown {
  if (walk.budget.values > MAX_YAML_VALUES) return undefined;
  if (++walk.budget.values > MAX_YAML_VALUES) {
    walk.problems.add(
      path === '' ? '(root)' : path,
      `expands to more than ${MAX_YAML_VALUES} values (aliases that repeat aliases?)`,
    );
    return undefined;
  }
  // Aliases can nest; a bound keeps a pathological file from recursing forever.
  if (walk.depth > 64) {
    walk.problems.add(path, 'is nested too deeply');
    return undefined;
  }
  const next = { ...walk, depth: walk.depth + 1 };
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  if (isAlias(node)) {
    const target = walk.aliases.get(node);
    if (target === undefined) {
      unknownAnchor(node, path, walk);
      return undefined;
    }
    const origin = walk.anchorPaths.get(target);
    return toValue(target, path, origin === undefined ? next : { ...next, origin });
  }
  if ((node as Node | null)?.anchor !== undefined && !walk.anchorPaths.has(node as Node))
    walk.anchorPaths.set(node as Node, walk.origin ?? path);
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const { key, keyNode, valueNode, origin } of mergedPairs(node, path, walk.origin, walk)) {
      const keyPath = childPath(path, key);
      const start = keyNode?.range?.[0] ?? (valueNode as Node | null)?.range?.[0];
      if (start !== undefined) walk.problems.lines.set(keyPath, walk.lineAt(start));
      if (origin !== undefined) walk.problems.origins.set(keyPath, origin);
      const value = toValue(valueNode, keyPath, { ...next, origin });
      // Defined, not assigned: `out.__proto__ = value` would replace the mapping's prototype instead of adding a
      // key, which the checks of unknown keys would then miss, and the value's members would read as the mapping's.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }
  if (isSeq(node)) {
    return node.items.map((item, index) => {
      const itemPath = childPath(path, index);
      const start = (item as Node | null)?.range?.[0];
      if (start !== undefined) walk.problems.lines.set(itemPath, walk.lineAt(start));
      const origin = walk.origin === undefined ? undefined : childPath(walk.origin, index);
      if (origin !== undefined) walk.problems.origins.set(itemPath, origin);
      return toValue(item, itemPath, { ...next, origin });
    });
  }
  if (isScalar(node)) {
    return typeof node.value === 'string' ? interpolate(node.value, path, walk) : node.value;
  }
  return node ?? null;
}

interface MapEntry {
  readonly key: string;
  readonly keyNode: Node | null;
  readonly valueNode: unknown;
  /** Where the entry was written, when it is not where it is read (merged, or in an aliased mapping). */
  readonly origin: string | undefined;
}

/**
 * A mapping's entries (`written`: where the mapping was written, when it is read as a copy) with YAML 1.1's merge keys applied (`<<: *template`, `<<: [*a, *b]`): the mapping's own keys
 * win over merged ones, and an earlier merged mapping over a later one, as the library's `toJS` merges; a merged
 * mapping's own merge keys are applied in turn. Merging is shallow: a key the mapping sets replaces the whole value
 * the template gives it.
 */
function mergedPairs(node: YamlModule.YAMLMap, path: string, written: string | undefined, walk: Walk): MapEntry[] {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  const own: MapEntry[] = [];
  const merged: MapEntry[] = [];
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    if (isScalar(keyNode) && typeof keyNode.value === 'symbol') {
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const source of sources) {
        const target = isAlias(source) ? walk.aliases.get(source) : source;
        if (isAlias(source) && target === undefined) {
          unknownAnchor(source, childPath(path, '<<'), walk);
          continue;
        }
        if (!isMap(target)) {
          // The library's parse accepts `<<: 5`, and only its toJS refuses it.
          const start = (source as Node | null)?.range?.[0] ?? keyNode.range?.[0];
          walk.problems.add(
            childPath(path, '<<'),
            'merges a mapping (`<<: *template`, `<<: { key: value }`) or a list of them, not a scalar or a list',
            start === undefined ? undefined : walk.lineAt(start),
          );
          continue;
        }
        // An inline mapping (`<<: { task: binary }`) is written where it is merged, unless that place is a copy.
        const base = isAlias(source) ? walk.anchorPaths.get(target) : written;
        merged.push(...mergedPairs(target, path, base, walk));
      }
      continue;
    }
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const origin = written === undefined ? undefined : childPath(written, key);
    own.push({ key, keyNode, valueNode: pair.value, origin });
  }
  const out = [...own];
  const seen = new Set(own.map((e) => e.key));
  for (const entry of merged) {
    if (seen.has(entry.key)) continue;
    seen.add(entry.key);
    out.push(entry);
  }
  return out;
}

function interpolate(text: string, path: string, walk: Pick<Walk, 'problems' | 'env'>): string {
  return text.replace(/\$\$\{|\$\{([^}]*)\}/g, (match, name: string | undefined) => {
    if (match === '$${') return '${';
    const trimmed = (name ?? '').trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(trimmed)) {
      walk.problems.add(path, `"\${${trimmed}}" is not a valid environment variable reference`);
      return '';
    }
    const value = walk.env[trimmed];
    if (value === undefined) {
      walk.problems.add(path, `refers to the environment variable ${trimmed}, which is not set`);
      return '';
    }
    return value;
  });
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
