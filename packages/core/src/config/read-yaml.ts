import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { childPath, type ConfigProblems } from './config-problems';

export type Env = Record<string, string | undefined>;

/**
 * Parses YAML into plain values, recording the line of every key and item in `problems.lines` so later checks
 * can point at them, and substituting `${NAME}` references with environment variables (`$${` is a literal `${`).
 * Returns undefined when the text is not valid YAML (the syntax errors are in `problems`).
 */
export function readYaml(text: string, problems: ConfigProblems, env: Env): unknown {
  const lineCounter = new LineCounter();
  // prettyErrors would quote the offending source line in the message, and that line may hold a secret.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) problems.add('(yaml)', `invalid YAML: ${firstLine(error.message)}`, lineAt(error.pos[0]));
    return undefined;
  }
  return toValue(doc, doc.contents, '', { problems, env, lineAt, depth: 0 });
}

interface Walk {
  readonly problems: ConfigProblems;
  readonly env: Env;
  readonly lineAt: (offset: number) => number;
  readonly depth: number;
}

function toValue(doc: Document, node: unknown, path: string, walk: Walk): unknown {
  // Aliases can nest; a bound keeps a pathological file from recursing forever.
  if (walk.depth > 64) {
    walk.problems.add(path, 'is nested too deeply');
    return undefined;
  }
  const next = { ...walk, depth: walk.depth + 1 };
  if (isAlias(node)) return toValue(doc, node.resolve(doc), path, next);
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const keyPath = childPath(path, key);
      const start = keyNode?.range?.[0] ?? (pair.value as Node | null)?.range?.[0];
      if (start !== undefined) walk.problems.lines.set(keyPath, walk.lineAt(start));
      out[key] = toValue(doc, pair.value, keyPath, next);
    }
    return out;
  }
  if (isSeq(node)) {
    return node.items.map((item, index) => {
      const itemPath = childPath(path, index);
      const start = (item as Node | null)?.range?.[0];
      if (start !== undefined) walk.problems.lines.set(itemPath, walk.lineAt(start));
      return toValue(doc, item, itemPath, next);
    });
  }
  if (isScalar(node)) {
    return typeof node.value === 'string' ? interpolate(node.value, path, walk) : node.value;
  }
  return node ?? null;
}

function interpolate(text: string, path: string, walk: Walk): string {
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
