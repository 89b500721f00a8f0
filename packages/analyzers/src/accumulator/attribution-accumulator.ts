/**
 * Additive accumulators of logged feature attributions (docs/explanations.md): per feature the count, sum and sum
 * of |a| of the rows that carried an attribution for it, and per group of each group attribute the same for the
 * protected features. Counts and sums only, so buckets merge by addition exactly as the rest of a
 * `WindowAccumulator` does, and a window's means are the merged sums over the merged counts.
 */
import { VigilError, type Table } from '@vigil/core';
import type { AnalysisSpec } from '../profile/analysis-spec';

export interface AttributionSums {
  count: number;
  sum: number;
  sumAbs: number;
}

export interface AttributionAccumulator {
  /** Rows that carried at least one attribution. */
  rows: number;
  /** Feature → sums over the rows that carried an attribution for it. */
  features: Record<string, AttributionSums>;
  /** Group attribute → group → protected feature → sums. */
  groups: Record<string, Record<string, Record<string, AttributionSums>>>;
}

/** Groups of one attribute an attribution accumulator keeps by name; the rest are summed under `(other)`. */
export const MAX_ATTRIBUTION_GROUPS = 100;
const OTHER = '(other)';
const MISSING = '(missing)';

export function emptyAttributions(): AttributionAccumulator {
  return { rows: 0, features: {}, groups: {} };
}

/**
 * Adds the attribution columns of `table` (`spec.attributions.prefix` + feature name; a table without them adds
 * nothing) to `acc`. `groupKeysOf(attribute)` gives the group of every row, as the fairness counts read it.
 */
export function addAttributions(
  acc: AttributionAccumulator,
  spec: AnalysisSpec,
  table: Table,
  groupKeysOf: (attribute: string) => readonly string[],
): AttributionAccumulator {
  const explain = spec.attributions;
  if (!explain) return acc;
  const carried = new Uint8Array(table.rowCount);
  const protectedColumns: [string, Float64Array][] = [];
  for (const { name } of spec.features) {
    const column = table.columns.get(explain.prefix + name);
    if (column === undefined) continue;
    if (column.kind !== 'numeric')
      throw new VigilError('VIGIL_BAD_VALUE', `${table.source}: attribution column "${column.name}" must be numeric`);
    const values = column.values;
    let count = 0;
    let sum = 0;
    let sumAbs = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (v !== v) continue;
      count++;
      sum += v;
      sumAbs += Math.abs(v);
      carried[i] = 1;
    }
    if (count > 0) addSums((acc.features[name] ??= zero()), { count, sum, sumAbs });
    if (explain.protected.includes(name)) protectedColumns.push([name, values]);
  }
  for (let i = 0; i < carried.length; i++) acc.rows += carried[i] as number;
  if (protectedColumns.length === 0) return acc;
  for (const attribute of spec.groups) {
    const keys = groupKeysOf(attribute);
    const byGroup = (acc.groups[attribute] ??= {});
    for (const [name, values] of protectedColumns) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i] as number;
        if (v !== v) continue;
        const sums = ((byGroup[keys[i] as string] ??= {})[name] ??= zero());
        sums.count++;
        sums.sum += v;
        sums.sumAbs += Math.abs(v);
      }
    }
    acc.groups[attribute] = capAttributionGroups(byGroup);
  }
  return acc;
}

/** Sum of two attribution accumulators (neither is modified). */
export function mergeAttributions(a: AttributionAccumulator, b: AttributionAccumulator): AttributionAccumulator {
  const features: Record<string, AttributionSums> = {};
  for (const side of [a.features, b.features]) {
    for (const [name, sums] of Object.entries(side)) addSums((features[name] ??= zero()), sums);
  }
  const groups: Record<string, Record<string, Record<string, AttributionSums>>> = {};
  for (const side of [a.groups, b.groups]) {
    for (const [attribute, byGroup] of Object.entries(side)) {
      const merged = (groups[attribute] ??= {});
      for (const [group, byFeature] of Object.entries(byGroup)) {
        const target = (merged[group] ??= {});
        for (const [name, sums] of Object.entries(byFeature)) addSums((target[name] ??= zero()), sums);
      }
    }
  }
  for (const attribute of Object.keys(groups)) groups[attribute] = capAttributionGroups(groups[attribute]!);
  return { rows: a.rows + b.rows, features, groups };
}

/**
 * Keeps the {@link MAX_ATTRIBUTION_GROUPS} groups with the most attributions (ties by name) and `(missing)`, and
 * adds the others into `(other)`; totals are unchanged.
 */
function capAttributionGroups(
  byGroup: Record<string, Record<string, AttributionSums>>,
): Record<string, Record<string, AttributionSums>> {
  const names = Object.keys(byGroup).filter((k) => k !== OTHER && k !== MISSING);
  if (names.length <= MAX_ATTRIBUTION_GROUPS) return byGroup;
  const size = (g: string) => Object.values(byGroup[g]!).reduce((n, s) => n + s.count, 0);
  names.sort((x, y) => size(y) - size(x) || (x < y ? -1 : x > y ? 1 : 0));
  const kept: Record<string, Record<string, AttributionSums>> = {};
  const other = byGroup[OTHER] ?? {};
  names.forEach((name, i) => {
    if (i < MAX_ATTRIBUTION_GROUPS) kept[name] = byGroup[name]!;
    else for (const [feature, sums] of Object.entries(byGroup[name]!)) addSums((other[feature] ??= zero()), sums);
  });
  if (byGroup[MISSING]) kept[MISSING] = byGroup[MISSING];
  kept[OTHER] = other;
  return kept;
}

function zero(): AttributionSums {
  return { count: 0, sum: 0, sumAbs: 0 };
}

function addSums(target: AttributionSums, add: AttributionSums): void {
  target.count += add.count;
  target.sum += add.sum;
  target.sumAbs += add.sumAbs;
}
