/**
 * A minimal Prometheus registry: counters and gauges with labels, rendered in the text exposition format at
 * GET /metrics. Enough for the daemon's own numbers without a client library.
 */
type Labels = Readonly<Record<string, string>>;

interface Family {
  type: 'counter' | 'gauge';
  help: string;
  values: Map<string, { labels: Labels; value: number }>;
}

export interface Metric {
  inc(labels?: Labels, by?: number): void;
  set(value: number, labels?: Labels): void;
}

export class PrometheusRegistry {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string): Metric {
    return this.family(name, 'counter', help);
  }

  gauge(name: string, help: string): Metric {
    return this.family(name, 'gauge', help);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, f] of this.families) {
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`);
      for (const { labels, value } of f.values.values()) lines.push(`${name}${formatLabels(labels)} ${Number.isFinite(value) ? value : 'NaN'}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private family(name: string, type: Family['type'], help: string): Metric {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`invalid metric name "${name}"`);
    let f = this.families.get(name);
    if (!f) {
      f = { type, help, values: new Map() };
      this.families.set(name, f);
    }
    const family = f;
    const slot = (labels: Labels) => {
      const key = formatLabels(labels);
      let v = family.values.get(key);
      if (!v) {
        v = { labels, value: 0 };
        family.values.set(key, v);
      }
      return v;
    };
    return {
      inc: (labels = {}, by = 1) => {
        slot(labels).value += by;
      },
      set: (value, labels = {}) => {
        slot(labels).value = value;
      },
    };
  }
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
