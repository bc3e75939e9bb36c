import type { RedisConnection } from '../redis';
import { alertKeys } from './alert-keys';
import type { AlertRule } from './rule-model';
import { safeParse } from './rule-store';

/**
 * Every rule, as readRules gives them, for an evaluator that reads them each
 * period: a rule whose stored JSON did not change since the last read is not
 * parsed and checked again (with 1,000 rules the schema check alone took
 * ~100 ms of CPU a period). A rule edited or added is parsed once.
 */
export class RuleCache {
  private parsed = new Map<string, { json: string; rule: AlertRule | undefined }>();

  async read(redis: RedisConnection, onCorrupt?: (name: string) => void): Promise<AlertRule[]> {
    const all = await redis.hgetall(alertKeys().rules);
    const next = new Map<string, { json: string; rule: AlertRule | undefined }>();
    const out: AlertRule[] = [];
    for (const [name, json] of Object.entries(all)) {
      const was = this.parsed.get(name);
      const entry = was && was.json === json ? was : { json, rule: safeParse(json) };
      // A corrupt record is reported on every read, as readRules does.
      if (entry.rule) out.push(entry.rule);
      else onCorrupt?.(name);
      next.set(name, entry);
    }
    this.parsed = next;
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
