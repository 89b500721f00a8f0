/**
 * The daemon's Prometheus registry (GET /metrics, docs/streaming.md "/metrics"), on prom-client: its counters and
 * gauges, the process and Node.js runtime metrics, and `vigil_build_info`. Each daemon has a registry of its own,
 * never prom-client's global one, so several in one process (the tests) do not share or collide.
 *
 * Only `vigil run` and the HTTP API import this file: `vigil report` does not load prom-client.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { vigilVersion } from '../version';

type Labels = Readonly<Record<string, string>>;

const NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** What the daemon's code counts with (the call sites do not depend on prom-client): a counter only goes up... */
export interface CounterMetric {
  inc(labels?: Labels, by?: number): void;
}

/** ...and a gauge is set. */
export interface GaugeMetric {
  set(value: number, labels?: Labels): void;
}

export class PrometheusRegistry {
  private readonly registry = new Registry();
  private readonly hooks: (() => void)[] = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // prom-client's gauges of these three names break the naming rules (`_total` is for counters; `promtool check
    // metrics` says so, prometheus/client_js#283): their labelled siblings (`nodejs_active_handles{type}` ...) stay,
    // and `sum without (type) (...)` gives the totals.
    for (const name of NAMED_LIKE_COUNTERS) this.registry.removeSingleMetric(name);
    const build = new Gauge({
      name: 'vigil_build_info',
      help: 'Always 1; the version of the running Vigil as a label',
      labelNames: ['version'],
      registers: [this.registry],
    });
    build.set({ version: vigilVersion() }, 1);
  }

  /**
   * A counter with these label names (and no others). Without labels its one series is 0 from the start, so
   * Prometheus has a series before the first event; a labelled one has a series per label set once counted (or
   * initialised with `inc(labels, 0)`).
   */
  counter(name: string, help: string, labelNames: readonly string[] = []): CounterMetric {
    const counter = new Counter({ name, help, labelNames, registers: [this.registry] });
    return { inc: (labels = {}, by = 1) => counter.inc(sorted(labels), by) };
  }

  /** A gauge with these label names; a labelled series has no sample until it is first set. */
  gauge(name: string, help: string, labelNames: readonly string[] = []): GaugeMetric {
    const gauge = new Gauge({ name, help, labelNames, registers: [this.registry] });
    return { set: (value, labels = {}) => gauge.set(sorted(labels), value) };
  }

  /** Runs `fn` before each rendering: for gauges read from live state (the analysis lag grows between events). */
  beforeRender(fn: () => void): void {
    this.hooks.push(fn);
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  render(): Promise<string> {
    for (const hook of this.hooks) hook();
    return this.registry.metrics();
  }

  /** The `Content-Type` of `render`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Labels in name order: a series prints them in the order of its first sample's object, and the text stays stable. */
function sorted(labels: Labels): Labels {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}
