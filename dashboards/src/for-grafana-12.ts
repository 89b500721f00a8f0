import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';

/** The footer of a table panel as the SDK writes it (`options.footer`, the model before Grafana 12). */
interface LegacyTableFooter {
  show?: boolean;
  reducer?: string[];
  countRows?: boolean;
}

/**
 * Rewrites what the foundation SDK (built from Grafana's newest schema, with older table defaults) writes and
 * Grafana 12.2, the version docker-compose.yml runs, does not read, so every field of the JSON is one Grafana
 * knows (dashboards/test/grafana-schema.test.ts checks the result against @grafana/schema 12.2):
 * - `placement` of annotations and links is a Grafana 13 field (12.2 ignores it, 13 would hide them in the
 *   controls menu); without it, both show on the dashboard as in 12.2;
 * - a table's footer moved from `options.footer` to `fieldConfig.defaults.custom.footer.reducers` (a footer is
 *   shown when it has reducers), rewritten the way Grafana's own table migration does;
 * - `auto`, `auto_min` and `auto_count` are settings of interval variables only, which Vigil does not use.
 * No SDK release matches Grafana 12 (npm has 0.0.x from Grafana's main branch and 10.x/11.x builds), hence this.
 */
export function forGrafana12(dashboard: Dashboard): Dashboard {
  for (const annotation of dashboard.annotations?.list ?? []) delete annotation.placement;
  for (const link of dashboard.links ?? []) delete link.placement;
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === 'interval') continue;
    delete variable.auto;
    delete variable.auto_min;
    delete variable.auto_count;
  }
  for (const panel of dashboard.panels ?? []) {
    if (!('type' in panel) || panel.type !== 'table' || panel.options?.footer === undefined) continue;
    const { footer, ...options } = panel.options as { footer: LegacyTableFooter };
    const reducers = !footer.show
      ? []
      : footer.countRows && footer.reducer?.[0] === 'count'
        ? ['countAll']
        : (footer.reducer ?? []);
    panel.options = options;
    panel.fieldConfig ??= { defaults: {}, overrides: [] };
    panel.fieldConfig.defaults.custom = { ...panel.fieldConfig.defaults.custom, footer: { reducers } };
  }
  return dashboard;
}
