import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import { InvalidError } from '../errors';
import type { CodeAlert } from './define-alert';
import type { RuleSpec } from './rule-model';
import { readRule, sameSpec, writeRule } from './rule-store';

/**
 * Store the code rules: new ones as declared; a changed one is rewritten but
 * keeps its `enabled` flag; an unchanged one is not written. A console rule of
 * the same name wins (logged). Channels are named by id and may be created later
 * in the console (a delivery to a channel that does not exist fails, recorded).
 */
export async function syncCodeAlerts(redis: RedisConnection, alerts: readonly CodeAlert[], logger: Logger, now = new Date()): Promise<void> {
  const seen = new Set<string>();
  for (const { spec } of alerts) {
    if (seen.has(spec.name)) throw new InvalidError(`alert "${spec.name}" is defined twice`);
    seen.add(spec.name);
    const existing = await readRule(redis, spec.name);
    if (existing && existing.source !== 'code') {
      logger.warn('an alert rule created in the console has the name of a code rule; keeping the console one', { name: spec.name });
      continue;
    }
    const merged = { ...spec, enabled: existing?.enabled ?? spec.enabled } as RuleSpec;
    if (existing && sameSpec(existing, merged)) continue;
    const stamp = now.toISOString();
    await writeRule(redis, { ...merged, source: 'code', createdAt: existing?.createdAt ?? stamp, updatedAt: stamp });
  }
}
