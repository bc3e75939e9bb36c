import { getRedis } from '@/lib/redis';
import { readRules } from '@/lib/alerts/rule-store';
import { alertKeys } from '@/lib/alerts/alert-keys';
import { listChannels } from '@/lib/alerts/channel-store';
import type { RuleState } from '@/lib/alerts/alert-engine';
import { listQueueSummaries } from '@/lib/data/queue-dto';
import { listTaskDtos } from '@/lib/data/task-dto';
import { readDefinitions } from '@/lib/scheduler/schedule-store';
import type { RuleRow } from '@/components/alerts/rules/RulesView';
import type { RuleTargets } from '@/components/alerts/rules/RuleForm';

/** Every rule with the evaluator's state of it, as GET /api/v1/alerts/rules answers (the table's first render). */
export async function loadRuleRows(): Promise<RuleRow[]> {
  const redis = getRedis();
  const [rules, states] = await Promise.all([readRules(redis), redis.hgetall(alertKeys().state)]);
  return rules.map((r) => {
    const s = states[r.name] ? (JSON.parse(states[r.name]!) as RuleState) : null;
    return { ...r, incident: s?.incident ?? null, pendingSince: s?.pendingSince ?? null };
  });
}

/** What the rule form's pickers offer: the queues, tasks, schedules and channels the console knows now. */
export async function loadRuleTargets(): Promise<RuleTargets> {
  const [queues, tasks, schedules, channels] = await Promise.all([listQueueSummaries(), listTaskDtos(), readDefinitions(getRedis()), listChannels(getRedis())]);
  return {
    queues: [...new Set([...queues.map((q) => q.name), ...tasks.map((t) => t.queue)])].sort(),
    tasks: tasks.map((t) => ({ name: t.name, queue: t.queue })),
    schedules: schedules.map((s) => s.name).sort(),
    channels: channels.map((c) => ({ id: c.id, name: c.name, type: c.type })),
  };
}
