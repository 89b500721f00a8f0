import { buildDashboards } from '@vigil/dashboards';

/** The parts of Grafana's dashboard JSON the tests read. */
export interface SqlTarget {
  refId: string;
  rawSql: string;
  format: 'time_series' | 'table';
  datasource?: { type?: string; uid?: string };
}

export interface PanelJson {
  id?: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: SqlTarget[];
  options?: Record<string, unknown>;
}

export interface VariableJson {
  type: string;
  name: string;
  query?: string;
  multi?: boolean;
  includeAll?: boolean;
  datasource?: { type?: string; uid?: string };
  options?: Array<{ text: string; value: string }>;
  current?: { value: string | string[] };
}

export interface DashboardJson {
  uid: string;
  title: string;
  panels: PanelJson[];
  templating: { list: VariableJson[] };
  annotations: { list: Array<{ name: string; datasource?: { type?: string; uid?: string }; target?: SqlTarget }> };
}

/** Every dashboard as Grafana reads it: parsed from the JSON files `buildDashboards()` writes. */
export function dashboardsJson(): DashboardJson[] {
  const { files } = buildDashboards();
  return Object.entries(files)
    .filter(([path]) => path.endsWith('.json'))
    .map(([, text]) => JSON.parse(text) as DashboardJson);
}
