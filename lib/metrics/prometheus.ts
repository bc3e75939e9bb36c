/**
 * A small writer for the Prometheus text exposition format (version 0.0.4):
 * `# HELP` / `# TYPE` once per family, label values escaped (queue and task
 * names can hold any character, including quotes and newlines).
 */

export type Labels = Record<string, string>;
export type MetricType = 'gauge' | 'counter' | 'histogram';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escape a label value: backslash, double quote and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  for (const [k] of entries) if (!LABEL.test(k)) throw new Error(`bad label name ${k}`);
  return `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

interface Family {
  help: string;
  type: MetricType;
  lines: string[];
}

export interface HistogramValue {
  /** Upper bounds, ascending, without +Inf. */
  bounds: readonly number[];
  /** Observations per bucket (NOT cumulative), one more than `bounds` (the last is +Inf). */
  counts: readonly number[];
  sum: number;
}

export class MetricsText {
  private readonly families = new Map<string, Family>();

  private family(name: string, help: string, type: MetricType): Family {
    if (!NAME.test(name)) throw new Error(`bad metric name ${name}`);
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, lines: [] };
      this.families.set(name, f);
    } else if (f.type !== type) throw new Error(`metric ${name} declared as ${f.type} and ${type}`);
    return f;
  }

  /** Declare a family with no samples yet (it is still listed with HELP and TYPE). */
  declare(name: string, help: string, type: MetricType): this {
    this.family(name, help, type);
    return this;
  }

  gauge(name: string, help: string, value: number, labels?: Labels): this {
    this.family(name, help, 'gauge').lines.push(`${name}${labelText(labels)} ${formatValue(value)}`);
    return this;
  }

  counter(name: string, help: string, value: number, labels?: Labels): this {
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must end in _total`);
    this.family(name, help, 'counter').lines.push(`${name}${labelText(labels)} ${formatValue(value)}`);
    return this;
  }

  histogram(name: string, help: string, h: HistogramValue, labels?: Labels): this {
    const f = this.family(name, help, 'histogram');
    let cumulative = 0;
    h.bounds.forEach((b, i) => {
      cumulative += h.counts[i] ?? 0;
      f.lines.push(`${name}_bucket${labelText({ ...labels, le: formatValue(b) })} ${cumulative}`);
    });
    cumulative += h.counts[h.bounds.length] ?? 0;
    f.lines.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${cumulative}`);
    f.lines.push(`${name}_sum${labelText(labels)} ${formatValue(h.sum)}`);
    f.lines.push(`${name}_count${labelText(labels)} ${cumulative}`);
    return this;
  }

  toString(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) {
      out.push(`# HELP ${name} ${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`, ...f.lines);
    }
    return out.join('\n') + '\n';
  }
}
