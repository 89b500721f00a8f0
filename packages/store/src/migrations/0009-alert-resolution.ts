/**
 * What resolved an incident (issue 12): the window that cleared it, its value and the clear threshold it was judged
 * against, as `{ windowStart, windowEnd, rows, value, clearThreshold, comparison }` (epoch ms; null when the incident
 * was resolved by hand or by a model condition ending). The incident's own value, threshold and window stay those
 * of the last window that kept it firing, so a resolve notice can say both what cleared and what breached last.
 */
export const MIGRATION_0009_ALERT_RESOLUTION = `
ALTER TABLE vigil_incidents ADD COLUMN resolution jsonb;
`;
