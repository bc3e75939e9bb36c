import type { RedisConnection } from '../redis';
import { readRules } from '../alerts/rule-store';
import { alertKeys } from '../alerts/alert-keys';
import type { RuleState } from '../alerts/alert-engine';

/** Every rule with the evaluator's state of it (open incident, since when its condition holds): the API's list and the rules page's first render. */
export async function listRuleDtos(redis: RedisConnection) {
  const [rules, states] = await Promise.all([readRules(redis), redis.hgetall(alertKeys().state)]);
  return rules.map((r) => {
    const s = states[r.name] ? (JSON.parse(states[r.name]!) as RuleState) : null;
    return { ...r, incident: s?.incident ?? null, pendingSince: s?.pendingSince ?? null };
  });
}
