/** Alerts: incidents, outbox, audit log, silences, reviews, paused models (issue 4). */
export const MIGRATION_0003_ALERTS = `
CREATE TABLE vigil_alerts_placeholder (id integer PRIMARY KEY);
`;
