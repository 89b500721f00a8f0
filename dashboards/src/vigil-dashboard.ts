import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
} from '@grafana/grafana-foundation-sdk/dashboard';

/** Tag shared by every Vigil dashboard; the "Vigil" link menu lists the dashboards with it. */
export const VIGIL_TAG = 'vigil';

/** A dashboard with the settings all of Vigil's share: UTC, last 7 days, shared crosshair, links to the others. */
export function vigilDashboard(uid: string, title: string, description: string): DashboardBuilder {
  return new DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags([VIGIL_TAG])
    .timezone('utc')
    .time({ from: 'now-7d', to: 'now' })
    .refresh('1m')
    .tooltip(DashboardCursorSync.Crosshair)
    .link(
      new DashboardLinkBuilder('Vigil')
        .type(DashboardLinkType.Dashboards)
        .tags([VIGIL_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
        .targetBlank(false)
        .icon('external link')
        .tooltip('')
        .url(''),
    );
}
