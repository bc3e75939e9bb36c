import type { RedisConnection } from '../redis';
import type { Logger } from '../logger';
import { luaScript } from '../queue/lua-script';
import { alertKeys } from './alert-keys';
import { incidentMessage, type NotificationEvent } from './alert-message';
import { newDelivery, queueDeliveryCommands } from './deliveries';
import { FinishedFeed } from './finished-feed';
import { publishTransition } from './incident-feed';
import { newIncidentId, openIncidentCommands, timelineCommand, trimIncidents, type TimelineEntry } from './incident-store';
import { feedQueues, feedWindowMs, readRule, ReadingContext, type Reading } from './rule-readings';
import type { AlertRule } from './rule-model';
import { RuleCache } from './rule-cache';

/** What the evaluator remembers of a rule between evaluations (in Redis, so a new leader carries on). */
export interface RuleState {
  /** Since when the condition has held without an incident (the `for` clock). */
  pendingSince: number | null;
  incident: string | null;
  openedAt: number | null;
  lastNotifiedAt: number | null;
}
/** Rules evaluated between two turns of the event loop. */
const SLICE = 100;
const IDLE: RuleState = { pendingSince: null, incident: null, openedAt: null, lastNotifiedAt: null };

/**
 * Apply a rule's transition only if its state is still the one it was decided
 * from (its revision): two evaluators — an old leader finishing a pass while a
 * new one starts — can never both open an incident or both queue a notification.
 * ARGV[3] is the JSON list of the transition's commands (all on the alerts' slot).
 */
const COMMIT = luaScript(`
local rev = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':rev') or '0')
if rev ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1] .. ':rev', rev + 1)
for _, c in ipairs(cjson.decode(ARGV[3])) do redis.call(unpack(c)) end
return 1
`);

export interface AlertEngineOptions {
  redis: RedisConnection;
  logger?: Logger;
  /** The console's public URL (links in messages). */
  publicUrl: string;
  /** Checked before each transition: a console that lost the lease stops writing at once. */
  leading: () => boolean;
  /** Deliveries were queued (wakes the sender). */
  onQueued?: () => void;
}

/**
 * One evaluation of every rule: read each rule's figure, then move its
 * incident along — open once the condition has held for `forMs`, remind after
 * `cooldownMs` while open and neither acknowledged nor silenced, resolve when
 * the condition no longer holds — queuing one delivery per channel for each
 * notification, in the same script as the transition.
 */
export class AlertEngine {
  private readonly feed: FinishedFeed;
  private readonly rules = new RuleCache();
  private lastTrim = 0;

  constructor(private readonly opts: AlertEngineOptions) {
    this.feed = new FinishedFeed(opts.redis);
  }

  async tick(now = Date.now()): Promise<void> {
    const { redis, logger } = this.opts;
    const k = alertKeys();
    const [rules, stateHash] = await Promise.all([
      this.rules.read(redis, (name) => logger?.warn('alert rule does not parse; skipped', { rule: name })),
      redis.hgetall(k.state),
    ]);
    const ctx = new ReadingContext(redis, this.feed, now);
    const active = rules.filter((r) => r.enabled);
    // Every figure the rules need, read once for all of them before any rule looks.
    await Promise.all([this.feed.update(await feedQueues(active, ctx), feedWindowMs(active), now), ctx.prefetch(active)]);
    // In slices, letting the event loop run between them: the console's other work (the live relay's
    // stream reading, requests) is not held up for the whole evaluation of many rules.
    for (let i = 0; i < rules.length; i += SLICE) {
      if (i > 0) await new Promise((r) => setImmediate(r));
      await Promise.all(rules.slice(i, i + SLICE).map((rule) => this.evaluate(rule, stateHash, ctx, now)));
    }
    // The history stays bounded: once a minute, the oldest resolved incidents beyond the kept number go.
    if (now - this.lastTrim > 60_000 && this.opts.leading()) {
      this.lastTrim = now;
      await trimIncidents(redis);
    }
  }

  /** One rule: its reading, then its transition (if any). */
  private async evaluate(rule: AlertRule, stateHash: Record<string, string>, ctx: ReadingContext, now: number): Promise<void> {
    const { logger } = this.opts;
    const state = stateHash[rule.name] ? (JSON.parse(stateHash[rule.name]!) as RuleState) : IDLE;
    // A disabled rule reads nothing: its open incident (if any) resolves.
    if (!rule.enabled && !state.incident) return;
    try {
      const reading = rule.enabled ? await readRule(rule, ctx) : { firing: false, value: null, summary: 'rule disabled', path: '/alerts', details: {} };
      // Most rules, most of the time: quiet, nothing pending, nothing open — no transition to decide.
      if (!reading.firing && !state.incident && state.pendingSince === null) return;
      await this.step(rule, reading, state, Number(stateHash[`${rule.name}:rev`] ?? 0), now);
    } catch (err) {
      logger?.warn('alert rule evaluation failed', { rule: rule.name, error: (err as Error).message });
    }
  }

  private async step(rule: AlertRule, reading: Reading, state: RuleState, rev: number, now: number): Promise<void> {
    const next = await this.decide(rule, reading, state, now);
    if (!next) return;
    if (!this.opts.leading()) return;
    const k = alertKeys();
    const commands = [['HSET', k.state, rule.name, JSON.stringify(next.state)], ...next.commands];
    const done = Number(await COMMIT.run(this.opts.redis, [k.state], [rule.name, rev, JSON.stringify(commands)]));
    if (done && next.notified) this.opts.onQueued?.();
    // Pages showing incidents follow at once (lib/alerts/incident-feed.ts); the `for` clock alone is no change to show.
    if (done) publishTransition(rule.name, state.incident, next.state.incident, now);
  }

  /** The rule's next state and the commands that get there; undefined when nothing changes. */
  private async decide(
    rule: AlertRule,
    reading: Reading,
    state: RuleState,
    now: number,
  ): Promise<{ state: RuleState; commands: string[][]; notified: boolean } | undefined> {
    const k = alertKeys();
    if (reading.firing && !state.incident) {
      const pendingSince = state.pendingSince ?? now;
      if (now - pendingSince < rule.forMs) return state.pendingSince === null ? { state: { ...IDLE, pendingSince }, commands: [], notified: false } : undefined;
      const id = newIncidentId(now);
      const link = this.link(reading.path);
      const commands = [
        ...openIncidentCommands({ id, rule: rule.name, kind: rule.kind, openedAt: now, summary: reading.summary, value: reading.value, link }),
        ...this.notify(rule, reading, { id, openedAt: now }, 'firing', now),
      ];
      return { state: { pendingSince, incident: id, openedAt: now, lastNotifiedAt: now }, commands, notified: rule.channels.length > 0 };
    }
    if (reading.firing && state.incident) {
      const [summary, ackedAt, silencedUntil] = await this.opts.redis.hmget(k.incident(state.incident), 'summary', 'ackedAt', 'silencedUntil');
      const commands: string[][] = [];
      if (summary !== reading.summary)
        commands.push(['HSET', k.incident(state.incident), 'summary', reading.summary, 'value', reading.value === null ? '' : String(reading.value)]);
      const quiet = !!ackedAt || Number(silencedUntil || 0) > now;
      const remind = rule.cooldownMs > 0 && !quiet && now - (state.lastNotifiedAt ?? 0) >= rule.cooldownMs;
      if (remind) commands.push(...this.notify(rule, reading, { id: state.incident, openedAt: state.openedAt ?? now }, 'reminder', now));
      if (commands.length === 0) return undefined;
      return { state: remind ? { ...state, lastNotifiedAt: now } : state, commands, notified: remind && rule.channels.length > 0 };
    }
    if (!state.incident) return state.pendingSince !== null ? { state: IDLE, commands: [], notified: false } : undefined;
    // Not firing, incident open: resolve it (and say so, unless silenced).
    const id = state.incident;
    const silencedUntil = Number((await this.opts.redis.hget(k.incident(id), 'silencedUntil')) || 0);
    const silenced = silencedUntil > now;
    const commands: string[][] = [['HSET', k.incident(id), 'status', 'resolved', 'resolvedAt', String(now), 'summary', reading.summary]];
    if (silenced) commands.push(timelineCommand(id, { at: now, type: 'resolved', text: `Resolved (silenced: not notified): ${reading.summary}` }));
    else commands.push(...this.notify(rule, reading, { id, openedAt: state.openedAt ?? now, resolvedAt: now }, 'resolved', now));
    return { state: IDLE, commands, notified: !silenced && rule.channels.length > 0 };
  }

  /** Timeline entry, notification counter, and one delivery per channel. */
  private notify(
    rule: AlertRule,
    reading: Reading,
    incident: { id: string; openedAt: number; resolvedAt?: number },
    event: Exclude<NotificationEvent, 'test'>,
    now: number,
  ): string[][] {
    const k = alertKeys();
    const message = incidentMessage({
      event,
      rule,
      incident,
      summary: reading.summary,
      value: reading.value,
      link: this.link(reading.path),
      details: reading.details,
    });
    const to = rule.channels.length ? ` → ${rule.channels.join(', ')}` : ' (no channel)';
    const type: TimelineEntry['type'] = event === 'firing' ? 'notified' : event === 'reminder' ? 'reminded' : 'resolved';
    const text =
      event === 'resolved' ? `Resolved after ${message.title.split(' resolved after ')[1] ?? ''}${to}` : `${event === 'firing' ? 'Notified' : 'Reminded'}${to}`;
    return [
      timelineCommand(incident.id, { at: now, type, text }),
      ['HINCRBY', k.incident(incident.id), 'notifications', '1'],
      ...rule.channels.flatMap((c) => queueDeliveryCommands(newDelivery(c, message, now))),
    ];
  }

  private link(path: string): string {
    return `${this.opts.publicUrl.replace(/\/$/, '')}${path}`;
  }
}
