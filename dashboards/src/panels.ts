import { PanelBuilder as BarChartBuilder } from '@grafana/grafana-foundation-sdk/barchart';
import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import {
  LegendDisplayMode,
  LegendPlacement,
  GraphDrawStyle,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  ReduceDataOptionsBuilder,
  SortOrder,
  TableCellDisplayMode,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizOrientation,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  MappingType,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type Panel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as StatusHistoryBuilder } from '@grafana/grafana-foundation-sdk/statushistory';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeSeriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { VIGIL_DATASOURCE, sqlQuery } from './sql-query';

/** Grid size of a panel: width in 24ths of the dashboard, height in grid rows (30 px). */
export interface Size {
  w: number;
  h: number;
}

export interface PanelText {
  title: string;
  description: string;
}

const legend = () =>
  new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.List)
    .placement(LegendPlacement.Bottom)
    .calcs([]);
const tooltip = () => new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending);

/** Green below `red`, red from it on (a metric's usual alert threshold, drawn as a dashed line on time series). */
function redFrom(red: number) {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: 'green' },
    { value: red, color: 'red' },
  ]);
}

/** Red below `green`, green from it on: the same line for a metric where lower is worse (NDCG, R²). */
function greenFrom(green: number) {
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null, color: 'red' },
    { value: green, color: 'green' },
  ]);
}

export interface TimeSeriesOptions {
  unit?: string;
  min?: number;
  max?: number;
  /** Draws this value as a dashed threshold line. */
  threshold?: number;
  /** Lower values are worse: red below the threshold line instead of above it. */
  lowerIsWorse?: boolean;
  /** Bars for counts per interval. */
  bars?: boolean;
}

/**
 * Panels over `vigil_metric_points` (migration 0025) plot windows where retention kept them and roll-ups before: the
 * description says so, since an hour's point is not one window's value.
 */
function describe(text: PanelText, sql: string): string {
  return sql.includes('vigil_metric_points')
    ? `${text.description} Where retention.metricRows deleted the windows: one point per hour (then per day) summarising its windows (their mean; their maximum for drift flags and worst-of panels).`
    : text.description;
}

/** A time series over `format: time_series` SQL (columns `time`, optionally `metric`, then values). */
export function timeSeries(text: PanelText, size: Size, sql: string, options: TimeSeriesOptions = {}): Builder<Panel> {
  const p = new TimeSeriesBuilder()
    .title(text.title)
    .description(describe(text, sql))
    .datasource(VIGIL_DATASOURCE)
    .withTarget(sqlQuery(sql, 'time_series'))
    .span(size.w)
    .height(size.h)
    .legend(legend())
    .tooltip(tooltip())
    .spanNulls(true)
    .showPoints(VisibilityMode.Auto);
  if (options.unit !== undefined) p.unit(options.unit);
  if (options.min !== undefined) p.min(options.min);
  if (options.max !== undefined) p.max(options.max);
  if (options.bars) p.drawStyle(GraphDrawStyle.Bars).fillOpacity(60);
  if (options.threshold !== undefined) {
    p.thresholds(options.lowerIsWorse ? greenFrom(options.threshold) : redFrom(options.threshold)).thresholdsStyle(
      new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed),
    );
  }
  return p;
}

/** Big numbers from one row of `format: table` SQL (each numeric column is one number). */
export function stat(
  text: PanelText,
  size: Size,
  sql: string,
  options: { unit?: string; red?: number } = {},
): Builder<Panel> {
  const p = new StatBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(VIGIL_DATASOURCE)
    .withTarget(sqlQuery(sql, 'table'))
    .span(size.w)
    .height(size.h)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .orientation(VizOrientation.Auto)
    .noValue('0');
  if (options.unit !== undefined) p.unit(options.unit);
  if (options.red !== undefined) p.thresholds(redFrom(options.red));
  return p;
}

/** Rows of `format: table` SQL. */
export function table(text: PanelText, size: Size, sql: string, options: { unit?: string } = {}): Builder<Panel> {
  const p = new TableBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(VIGIL_DATASOURCE)
    .withTarget(sqlQuery(sql, 'table'))
    .span(size.w)
    .height(size.h)
    .filterable(true)
    // Required by Grafana 12's table field config: cells show values as they are (text, numbers with the unit).
    .cellOptions({ type: TableCellDisplayMode.Auto });
  if (options.unit !== undefined) p.unit(options.unit);
  return p;
}

/** Grouped bars of `format: table` SQL: `xField` labels the groups, every numeric column is one bar. */
export function barChart(
  text: PanelText,
  size: Size,
  sql: string,
  xField: string,
  options: { unit?: string; min?: number; max?: number } = {},
): Builder<Panel> {
  const p = new BarChartBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(VIGIL_DATASOURCE)
    .withTarget(sqlQuery(sql, 'table'))
    .span(size.w)
    .height(size.h)
    .xField(xField)
    .orientation(VizOrientation.Vertical)
    .showValue(VisibilityMode.Never)
    .legend(legend())
    .tooltip(tooltip());
  if (options.unit !== undefined) p.unit(options.unit);
  if (options.min !== undefined) p.min(options.min);
  if (options.max !== undefined) p.max(options.max);
  return p;
}

/** One row per series of `format: time_series` SQL, coloured by value (0 green, 1 red). */
export function statusHistory(text: PanelText, size: Size, sql: string): Builder<Panel> {
  return new StatusHistoryBuilder()
    .title(text.title)
    .description(describe(text, sql))
    .datasource(VIGIL_DATASOURCE)
    .withTarget(sqlQuery(sql, 'time_series'))
    .span(size.w)
    .height(size.h)
    .thresholds(redFrom(1))
    .showValue(VisibilityMode.Never)
    .legend(legend());
}

/** A state shown by a state timeline: the number the SQL returns, its label and colour. */
export interface TimelineState {
  value: number;
  text: string;
  color: string;
}

/** One row per series of `format: time_series` SQL whose values are states, drawn as coloured spans. */
export function stateTimeline(
  text: PanelText,
  size: Size,
  sql: string,
  states: readonly TimelineState[],
): Builder<Panel> {
  return new StateTimelineBuilder()
    .title(text.title)
    .description(text.description)
    .datasource(VIGIL_DATASOURCE)
    .withTarget(sqlQuery(sql, 'time_series'))
    .span(size.w)
    .height(size.h)
    .mappings([
      {
        type: MappingType.ValueToText,
        options: Object.fromEntries(
          states.map((s, index) => [String(s.value), { text: s.text, color: s.color, index }]),
        ),
      },
    ])
    .showValue(VisibilityMode.Never)
    .mergeValues(true)
    .legend(legend());
}
