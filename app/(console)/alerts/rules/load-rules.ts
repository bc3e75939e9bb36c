import { getRedis } from '@/lib/redis';
import { listRuleDtos } from '@/lib/data/alert-rule-dto';
import { listChannels } from '@/lib/alerts/channel-store';
import { listQueueSummaries } from '@/lib/data/queue-dto';
import { listTaskDtos } from '@/lib/data/task-dto';
import { readDefinitions } from '@/lib/scheduler/schedule-store';
import type { RuleRow } from '@/components/alerts/rules/RulesView';
import type { RuleTargets } from '@/components/alerts/rules/RuleForm';

/** Every rule with the evaluator's state of it, as GET /api/v1/alerts/rules answers (the table's first render). */
export async function loadRuleRows(): Promise<RuleRow[]> {
  return listRuleDtos(getRedis());
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
