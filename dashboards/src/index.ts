export const DASHBOARDS_PACKAGE = '@vigil/dashboards';
