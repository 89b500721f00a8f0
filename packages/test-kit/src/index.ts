/**
 * The shared test harnesses of the workspace (dev-only): the real services' setup (PostgreSQL schemas and the
 * PGlite backend, Kafka topics, Redis), the webhook sink that stands in for a notified endpoint, tolerant comparisons (`roughly`, `differences`), and the compressed
 * topics of the codec tests, seeded prediction events. The daemon's harness (a spawned `vigil run` against them) is `@vigil/test-kit/daemon-harness`,
 * kept apart so a store or collector test does not load the daemon.
 */
export * from './database';
export * from './services';
export * from './webhook-sink';
export * from './kafka-test-kit';
export * from './compressed-topics-kit';
export * from './stream-fixtures';
export * from './roughly';
export * from './differences';
