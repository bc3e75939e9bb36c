import { describe, expect, it } from 'vitest';
import { MetricsText } from './prometheus';
import { parsePrometheus } from '../../test/security-support';

describe('MetricsText', () => {
  it('writes HELP and TYPE once per family and escapes hostile label values', () => {
    const hostile = 'q"\\\n<script>';
    const text = new MetricsText()
      .gauge('x_jobs', 'Jobs.', 3, { queue: hostile, state: 'waiting' })
      .gauge('x_jobs', '', 4, { queue: 'b', state: 'active' })
      .counter('x_done_total', 'Done.\nTwo lines.', 7)
      .toString();
    expect(text.match(/# TYPE x_jobs gauge/g)).toHaveLength(1);
    expect(text).toContain('x_jobs{queue="q\\"\\\\\\n<script>",state="waiting"} 3');
    expect(text).toContain('# HELP x_done_total Done.\\nTwo lines.');
    const { samples, types } = parsePrometheus(text);
    expect(types.get('x_done_total')).toBe('counter');
    expect(samples.find((s) => s.labels.state === 'waiting')?.labels.queue).toBe(hostile);
  });

  it('writes cumulative histogram buckets ending in +Inf = count', () => {
    const text = new MetricsText().histogram('x_seconds', 'Durations.', { bounds: [0.1, 1], counts: [2, 3, 1], sum: 4.5 }, { task: 't' }).toString();
    expect(text).toContain('x_seconds_bucket{task="t",le="0.1"} 2');
    expect(text).toContain('x_seconds_bucket{task="t",le="1"} 5');
    expect(text).toContain('x_seconds_bucket{task="t",le="+Inf"} 6');
    expect(text).toContain('x_seconds_count{task="t"} 6');
    expect(() => parsePrometheus(text)).not.toThrow();
  });

  it('refuses bad names and counters without _total', () => {
    expect(() => new MetricsText().gauge('bad-name', '', 1)).toThrow();
    expect(() => new MetricsText().counter('x', '', 1)).toThrow();
    expect(() => new MetricsText().gauge('x', '', 1, { 'bad-label': 'v' })).toThrow();
  });

  it('the test parser rejects what Prometheus would', () => {
    expect(() => parsePrometheus('x 1')).toThrow(/newline/);
    expect(() => parsePrometheus('x{a="b} 1\n')).toThrow();
    expect(() => parsePrometheus('x one\n')).toThrow();
    expect(() => parsePrometheus('x 1\n# TYPE x gauge\n')).toThrow(/after samples/);
  });
});
