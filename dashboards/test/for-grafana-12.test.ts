import {
  AnnotationQueryBuilder,
  DashboardBuilder,
  DashboardLinkBuilder,
  IntervalVariableBuilder,
  QueryVariableBuilder,
  type Dashboard,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { TableFooterOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { forGrafana12 } from '../src/for-grafana-12';

/** A dashboard as the SDK writes it, with one table whose footer is `footer`. */
function sdkDashboard(footer?: TableFooterOptionsBuilder): Dashboard {
  const table = new TableBuilder().title('t');
  if (footer) table.footer(footer);
  return new DashboardBuilder('d')
    .annotation(new AnnotationQueryBuilder().name('a').iconColor('red'))
    .link(new DashboardLinkBuilder('l'))
    .withVariable(new QueryVariableBuilder('q'))
    .withVariable(new IntervalVariableBuilder('i').values('1h,1d'))
    .withPanel(table)
    .build();
}

const tableOf = (d: Dashboard) =>
  d.panels![0] as { options: Record<string, unknown>; fieldConfig: { defaults: { custom: Record<string, unknown> } } };

describe('forGrafana12', () => {
  it('removes the Grafana 13 placement of annotations and links the SDK writes', () => {
    const sdk = sdkDashboard();
    expect([sdk.annotations!.list![0]!.placement, sdk.links![0]!.placement]).toEqual([
      'inControlsMenu',
      'inControlsMenu',
    ]);
    const d = forGrafana12(sdk);
    expect(['placement' in d.annotations!.list![0]!, 'placement' in d.links![0]!]).toEqual([false, false]);
  });

  it('keeps the interval settings on interval variables only', () => {
    const sdk = sdkDashboard();
    expect(sdk.templating!.list!.map((v) => [v.type, v.auto_min])).toEqual([
      ['query', '10s'],
      ['interval', '10s'],
    ]);
    const d = forGrafana12(sdk);
    expect(d.templating!.list!.map((v) => [v.type, 'auto' in v, 'auto_min' in v, 'auto_count' in v])).toEqual([
      ['query', false, false, false],
      ['interval', true, true, true],
    ]);
  });

  it.each([
    ['the hidden footer the SDK writes by default', undefined, []],
    ['a hidden footer', new TableFooterOptionsBuilder().show(false).reducer(['sum']), []],
    ['a shown footer', new TableFooterOptionsBuilder().show(true).reducer(['sum', 'max']), ['sum', 'max']],
    ['a row count', new TableFooterOptionsBuilder().show(true).reducer(['count']).countRows(true), ['countAll']],
  ])('moves %s from options.footer to fieldConfig.defaults.custom.footer', (_name, footer, reducers) => {
    const sdk = sdkDashboard(footer);
    expect(tableOf(sdk).options.footer).toBeDefined();
    const table = tableOf(forGrafana12(sdk));
    expect('footer' in table.options).toBe(false);
    expect(table.fieldConfig.defaults.custom.footer).toEqual({ reducers });
  });
});
