import { InvalidError } from '../errors';
import { parseOrThrow } from '../validation';
import { ruleInputSchema, type RuleInput, type RuleSpec } from './rule-model';

/** An alert rule declared in code, next to the tasks and schedules. */
export interface CodeAlert {
  readonly spec: RuleSpec;
}

/**
 * Declare an alert rule in code:
 *   defineAlert({ name: 'emails-failing', kind: 'failure_rate', task: 'send-email', windowMs: 300_000, percent: 10, minJobs: 20, channels: ['ops'] })
 * Checked at once (a bad rule throws where it is declared, naming the field);
 * stored by syncCodeAlerts (lib/alerts/code-alerts.ts) when a worker starts, and shown in the console as
 * "defined in code". Enabling or disabling it in the console survives restarts.
 */
export function defineAlert(input: RuleInput): CodeAlert {
  try {
    return { spec: parseOrThrow(ruleInputSchema, input) };
  } catch (err) {
    throw new InvalidError(`alert "${input.name}": ${(err as Error).message}`, (err as InvalidError).field);
  }
}
