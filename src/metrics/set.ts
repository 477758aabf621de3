// Prometheus metrics as plain data: a set of counters, gauges and histograms
// keyed by family and label values, small enough to send between a Worker
// isolate and the Durable Object that adds them up, and written out in the
// Prometheus text exposition format (0.0.4) that kube-apiserver serves.
import { FAMILIES, type Family } from './families';

export type Labels = Record<string, string>;

/** One series' value: a number for counters and gauges; bucket counts, sum and count for a histogram. */
export type Sample = number | { buckets: number[]; sum: number; count: number };

/** A metric set in the form it travels: family name -> label key -> [labels, sample]. */
export type MetricData = Record<string, Record<string, [Labels, Sample]>>;

const labelKey = (labels: Labels) => JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));

export class MetricSet {
  constructor(readonly data: MetricData = {}) {}

  get empty(): boolean {
    return Object.keys(this.data).length === 0;
  }

  private series(name: string, labels: Labels): [Labels, Sample] | undefined {
    return this.data[name]?.[labelKey(labels)];
  }

  private put(name: string, labels: Labels, sample: Sample) {
    (this.data[name] ??= {})[labelKey(labels)] = [labels, sample];
  }

  /** Adds to a counter (or a gauge kept as a sum). */
  add(name: string, labels: Labels, by = 1) {
    const s = this.series(name, labels);
    this.put(name, labels, (typeof s?.[1] === 'number' ? s[1] : 0) + by);
  }

  set(name: string, labels: Labels, value: number) {
    this.put(name, labels, value);
  }

  observe(name: string, labels: Labels, value: number) {
    const bounds = family(name).buckets ?? [];
    const s = this.series(name, labels)?.[1];
    const h = typeof s === 'object' ? s : { buckets: bounds.map(() => 0), sum: 0, count: 0 };
    // bucket counts are kept per bucket; the exposition makes them cumulative
    const i = bounds.findIndex((b) => value <= b);
    if (i >= 0) h.buckets[i]++;
    h.sum += value;
    h.count++;
    this.put(name, labels, h);
  }

  /** Adds another set into this one: counters and histograms sum, gauges too (each source reports its own share). */
  merge(other: MetricData) {
    for (const [name, series] of Object.entries(other)) {
      for (const [labels, sample] of Object.values(series)) {
        const mine = this.series(name, labels)?.[1];
        if (typeof sample === 'number') {
          this.put(name, labels, (typeof mine === 'number' ? mine : 0) + sample);
        } else {
          const h = typeof mine === 'object' ? mine : { buckets: sample.buckets.map(() => 0), sum: 0, count: 0 };
          this.put(name, labels, { buckets: h.buckets.map((b, i) => b + (sample.buckets[i] ?? 0)), sum: h.sum + sample.sum, count: h.count + sample.count });
        }
      }
    }
    return this;
  }

  /** The text exposition format, families and series in a stable order. */
  expose(): string {
    const out: string[] = [];
    for (const name of Object.keys(this.data).sort()) {
      const f = family(name);
      out.push(`# HELP ${name} ${f.stability ? `[${f.stability}] ` : ''}${escapeHelp(f.help)}`, `# TYPE ${name} ${f.type}`);
      const series = Object.values(this.data[name]).sort(([a], [b]) => (labelText(a) < labelText(b) ? -1 : 1));
      for (const [labels, sample] of series) {
        if (typeof sample === 'number') {
          out.push(`${name}${labelText(labels)} ${formatValue(sample)}`);
          continue;
        }
        let cumulative = 0;
        (f.buckets ?? []).forEach((le, i) => {
          cumulative += sample.buckets[i];
          out.push(`${name}_bucket${labelText({ ...labels, le: formatValue(le) })} ${cumulative}`);
        });
        out.push(`${name}_bucket${labelText({ ...labels, le: '+Inf' })} ${sample.count}`);
        out.push(`${name}_sum${labelText(labels)} ${formatValue(sample.sum)}`);
        out.push(`${name}_count${labelText(labels)} ${sample.count}`);
      }
    }
    return out.length ? `${out.join('\n')}\n` : '';
  }
}

function family(name: string): Family {
  const f = FAMILIES[name];
  if (!f) throw new Error(`metric ${name} is not defined`);
  return f;
}

/** Labels sorted by name, as the Prometheus client writes them; `le` last. */
function labelText(labels: Labels): string {
  const names = Object.keys(labels).filter((k) => k !== 'le').sort();
  if ('le' in labels) names.push('le');
  if (!names.length) return '';
  return `{${names.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(',')}}`;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** Numbers as the text format takes them (JavaScript's shortest form parses as Go's float). */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}
