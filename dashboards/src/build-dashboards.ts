import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { calibrationDashboard } from './calibration-dashboard';
import { driftDashboard } from './drift-dashboard';
import { explanationsDashboard } from './explanations-dashboard';
import { fairnessDashboard } from './fairness-dashboard';
import { fleetDashboard } from './fleet-dashboard';
import { forGrafana12 } from './for-grafana-12';
import { incidentsDashboard } from './incidents-dashboard';
import { modelDashboard } from './model-dashboard';
import { reviewDashboard } from './review-dashboard';
import { DEFAULT_DASHBOARDS_PATH, dashboardProviderYaml, datasourceYaml, type DatasourceOptions } from './provisioning';

/**
 * Every Vigil dashboard, in menu order, its panels numbered in order (stable `viewPanel=` links), in the JSON model
 * of the Grafana version docker-compose.yml runs.
 */
export function vigilDashboards(): Dashboard[] {
  const dashboards = [
    fleetDashboard(),
    modelDashboard(),
    driftDashboard(),
    calibrationDashboard(),
    fairnessDashboard(),
    explanationsDashboard(),
    incidentsDashboard(),
    reviewDashboard(),
  ];
  for (const dashboard of dashboards) (dashboard.panels ?? []).forEach((panel, i) => (panel.id = i + 1));
  return dashboards.map(forGrafana12);
}

export interface BuildDashboardsOptions {
  /**
   * Where Grafana finds the dashboard JSON files: the provider's `options.path`, as seen by the Grafana server.
   * @defaultValue `/etc/grafana/provisioning/dashboards/vigil` (the output folder mounted at /etc/grafana/provisioning)
   */
  dashboardsPath?: string;
  /** The provisioned PostgreSQL datasource. */
  datasource?: DatasourceOptions;
}

export interface BuiltDashboards {
  /**
   * File contents by path relative to the output folder, which is laid out as Grafana's provisioning folder:
   * `datasources/vigil.yaml`, `dashboards/vigil.yaml`, `dashboards/vigil/<uid>.json`.
   */
  files: Record<string, string>;
}

/** The dashboard JSON and provisioning files of Vigil; deterministic, so the output can be committed and diffed. */
export function buildDashboards(options: BuildDashboardsOptions = {}): BuiltDashboards {
  const files: Record<string, string> = {
    'datasources/vigil.yaml': datasourceYaml(options.datasource),
    'dashboards/vigil.yaml': dashboardProviderYaml(options.dashboardsPath ?? DEFAULT_DASHBOARDS_PATH),
  };
  for (const dashboard of vigilDashboards()) {
    if (dashboard.uid === undefined) throw new Error(`dashboard "${dashboard.title}" has no uid`);
    files[`dashboards/vigil/${dashboard.uid}.json`] = `${JSON.stringify(dashboard, null, 2)}\n`;
  }
  return { files };
}
