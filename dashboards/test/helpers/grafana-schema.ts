import type { DataQuery, Dashboard, FieldConfig, FieldConfigSource, Panel, RowPanel } from '@grafana/schema';
import type * as barchart from '@grafana/schema/dist/types/raw/composable/barchart/panelcfg/x/BarChartPanelCfg_types.gen';
import type * as stat from '@grafana/schema/dist/types/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type * as statetimeline from '@grafana/schema/dist/types/raw/composable/statetimeline/panelcfg/x/StateTimelinePanelCfg_types.gen';
import type * as statushistory from '@grafana/schema/dist/types/raw/composable/statushistory/panelcfg/x/StatusHistoryPanelCfg_types.gen';
import type * as table from '@grafana/schema/dist/types/raw/composable/table/panelcfg/x/TablePanelCfg_types.gen';
import type * as timeseries from '@grafana/schema/dist/types/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/**
 * The dashboard JSON model of the installed `@grafana/schema` (the Grafana version docker-compose.yml pins), as
 * TypeScript types strict enough to check a dashboard file with. An object literal assigned to `SchemaDashboard`
 * gets TypeScript's excess-property check at every level, so a field this Grafana version does not know is an
 * error, and so is a missing required one.
 *
 * Two things differ from `@grafana/schema`'s own `Dashboard`, both to make it as strict as the schema means it:
 * - a panel's `options` and `fieldConfig.defaults.custom` are typed by its panel plugin's `panelcfg` (the generic
 *   `Panel` types them as any record, and the veneer's `custom` adds an index signature that would let any field
 *   through);
 * - enum types become the strings and numbers a JSON file holds (`TableCellDisplayMode.Auto` → `'auto'`).
 * Queries stay open: a target's fields belong to its datasource plugin (PostgreSQL), which the dashboard schema
 * does not describe; the SQL tests run every query instead.
 */
export type SchemaDashboard = JsonOf<
  Omit<Dashboard, 'panels' | 'annotations'> & {
    panels?: Array<SchemaPanel | RowPanel>;
    annotations?: {
      list?: Array<
        Omit<NonNullable<NonNullable<Dashboard['annotations']>['list']>[number], 'target'> & { target?: Target }
      >;
    };
  }
>;

/** The panel types Vigil's dashboards use; a new one must be added here (with its plugin's types) to validate. */
export type SchemaPanel =
  | PluginPanel<'table', table.Options, table.FieldConfig>
  | PluginPanel<'timeseries', timeseries.Options, timeseries.FieldConfig>
  | PluginPanel<'stat', stat.Options, Record<string, never>>
  | PluginPanel<'barchart', barchart.Options, barchart.FieldConfig>
  | PluginPanel<'status-history', statushistory.Options, statushistory.FieldConfig>
  | PluginPanel<'state-timeline', statetimeline.Options, statetimeline.FieldConfig>;

type Target = DataQuery & { [field: string]: unknown };

type PluginPanel<Type extends string, Options, Custom> = Omit<Panel, 'type' | 'options' | 'fieldConfig' | 'targets'> & {
  type: Type;
  options?: Options;
  fieldConfig?: Omit<FieldConfigSource, 'defaults'> & { defaults: Omit<FieldConfig, 'custom'> & { custom?: Custom } };
  targets?: Target[];
};

/** `T` as parsed from JSON: enum members become their values; `any` and `unknown` stay as they are. */
type JsonOf<T> = 0 extends 1 & T
  ? T
  : T extends string
    ? `${T}`
    : T extends number | boolean | null | undefined
      ? T
      : T extends ReadonlyArray<infer E>
        ? Array<JsonOf<E>>
        : T extends object
          ? { [K in keyof T]: JsonOf<T[K]> }
          : T;
