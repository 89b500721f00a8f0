export const ALERTS_PACKAGE = '@vigil/alerts';
