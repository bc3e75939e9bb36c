import type { RedisConnection } from '../redis';
import { ConflictError, InvalidError, NotFoundError } from '../errors';
import { parseOrThrow } from '../validation';
import { alertKeys } from './alert-keys';
import { publishIncidentChange } from './incident-feed';
import type { TimelineEntry } from './incident-store';
import { alertRuleSchema, ruleInputSchema, rulePatchSchema, type AlertRule, type RuleSpec } from './rule-model';

/**
 * Rules in Redis (one hash, name → JSON): what the API and `defineAlert`
 * write and the evaluator reads each period. Every write is checked in full
 * before anything is stored, so a refused request changes nothing.
 */

/** Every rule, by name (a record that no longer parses is skipped and reported). */
export async function readRules(redis: RedisConnection, onCorrupt?: (name: string) => void): Promise<AlertRule[]> {
  const all = await redis.hgetall(alertKeys().rules);
  const out: AlertRule[] = [];
  for (const [name, json] of Object.entries(all)) {
    const r = safeParse(json);
    if (r) out.push(r);
    else onCorrupt?.(name);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A stored rule's JSON as a rule; undefined when it no longer parses. */
export function safeParse(json: string): AlertRule | undefined {
  try {
    const r = alertRuleSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export async function readRule(redis: RedisConnection, name: string): Promise<AlertRule | undefined> {
  const json = await redis.hget(alertKeys().rules, name);
  return json ? safeParse(json) : undefined;
}

/** One rule; NotFoundError when there is none. */
export async function requireRule(redis: RedisConnection, name: string): Promise<AlertRule> {
  const r = await readRule(redis, name);
  if (!r) throw new NotFoundError(`No alert rule "${name}"`);
  return r;
}

/** Every channel a rule names must exist: `channels.<i>` names the first that does not. */
async function checkChannels(redis: RedisConnection, channels: readonly string[]): Promise<void> {
  if (channels.length === 0) return;
  const exists = await redis.hmget(alertKeys().channels, ...channels);
  const i = exists.findIndex((v) => v === null);
  if (i !== -1) throw new InvalidError(`channels.${i}: no channel "${channels[i]}"`, `channels.${i}`);
}

/** Create a rule from the console; 409 when the name is taken. */
export async function createRule(redis: RedisConnection, raw: unknown, now = new Date()): Promise<AlertRule> {
  const spec = parseOrThrow(ruleInputSchema, raw);
  await checkChannels(redis, spec.channels);
  const rule: AlertRule = { ...spec, source: 'console', createdAt: now.toISOString(), updatedAt: now.toISOString() };
  if (!(await redis.hsetnx(alertKeys().rules, rule.name, JSON.stringify(rule)))) throw new ConflictError(`An alert rule "${rule.name}" exists`);
  return rule;
}

/** Replace a rule's condition and settings (the name stays); its incident state is kept. */
export async function replaceRule(redis: RedisConnection, name: string, raw: unknown, now = new Date()): Promise<AlertRule> {
  const old = await requireRule(redis, name);
  const body = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>), name } : raw;
  const spec = parseOrThrow(ruleInputSchema, body);
  await checkChannels(redis, spec.channels);
  const rule: AlertRule = { ...spec, source: old.source, createdAt: old.createdAt, updatedAt: now.toISOString() };
  await redis.hset(alertKeys().rules, name, JSON.stringify(rule));
  return rule;
}

/** Enable, disable, or change the notification settings. */
export async function patchRule(redis: RedisConnection, name: string, raw: unknown, now = new Date()): Promise<AlertRule> {
  const patch = parseOrThrow(rulePatchSchema, raw);
  const old = await requireRule(redis, name);
  if (patch.channels) await checkChannels(redis, patch.channels);
  const rule = { ...old, ...patch, updatedAt: now.toISOString() } as AlertRule;
  await redis.hset(alertKeys().rules, name, JSON.stringify(rule));
  return rule;
}

/** Delete a rule and its evaluator state (its incidents stay in the history). */
export async function deleteRule(redis: RedisConnection, name: string, by = 'console', now = Date.now()): Promise<void> {
  await requireRule(redis, name);
  const k = alertKeys();
  // Its open incident closes with it (the evaluator, which no longer sees the rule, would leave it open for good);
  // not notified: whoever deleted the rule knows. Dropping the revision refuses a transition decided before.
  const incident = await openIncidentOf(redis, name);
  const tx = redis.multi().hdel(k.rules, name).hdel(k.state, name, `${name}:rev`);
  if (incident) {
    tx.hset(k.incident(incident), 'status', 'resolved', 'resolvedAt', String(now), 'summary', 'rule deleted');
    tx.rpush(
      k.timeline(incident),
      JSON.stringify({ at: now, type: 'resolved', text: `Resolved: rule deleted by ${by} (not notified)`, by } satisfies TimelineEntry),
    );
  }
  await tx.exec();
  if (incident) publishIncidentChange(incident, name, 'resolved', now);
}

/** The id of the rule's open incident, if it has one (the evaluator's state of the rule names it). */
async function openIncidentOf(redis: RedisConnection, name: string): Promise<string | null> {
  const raw = await redis.hget(alertKeys().state, name);
  const id = raw ? ((JSON.parse(raw) as { incident?: string | null }).incident ?? null) : null;
  return id && (await redis.hget(alertKeys().incident(id), 'status')) === 'open' ? id : null;
}

/** Write a rule as given (code rules: lib/alerts/define-alert.ts). */
export async function writeRule(redis: RedisConnection, rule: AlertRule): Promise<void> {
  await redis.hset(alertKeys().rules, rule.name, JSON.stringify(rule));
}

/** Whether the rule's condition and settings differ from a spec (code rules are rewritten only then). */
export function sameSpec(rule: AlertRule, spec: RuleSpec): boolean {
  const { source: _s, createdAt: _c, updatedAt: _u, ...stored } = rule;
  return JSON.stringify(sortKeys(stored)) === JSON.stringify(sortKeys(spec));
}

function sortKeys(o: object): object {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
