import type { RedisConnection } from '../redis';
import { parseOrThrow } from '../validation';
import { FinishedFeed } from './finished-feed';
import { ruleInputSchema, type RuleSpec } from './rule-model';
import { feedQueues, feedWindowMs, readRule, ReadingContext, type Reading } from './rule-readings';

/**
 * A rule's current figure and whether it would fire now, for the form's
 * preview (an unsaved rule) and a rule's page. The same readings as the
 * evaluator's, from a fresh read of the window (the `for` duration is not
 * applied: this is the condition, not the incident).
 */
export async function previewRule(redis: RedisConnection, spec: RuleSpec, now = Date.now()): Promise<Reading> {
  const feed = new FinishedFeed(redis);
  const ctx = new ReadingContext(redis, feed, now);
  await feed.update(await feedQueues([spec], ctx), feedWindowMs([spec]), now);
  return readRule(spec, ctx);
}

/** Preview a rule as a client sends it (400 naming the field, under `rule.`, when it is not one). */
export function previewRuleInput(redis: RedisConnection, raw: unknown): Promise<Reading> {
  return previewRule(redis, parseOrThrow(ruleInputSchema, raw, 'rule'));
}
