import { z } from 'zod';

/**
 * CELERITY_QUEUE_GROUPS: queues that share one Redis Cluster hash tag, so that
 * BullMQ flows (a parent in one queue, children in others) and anything else
 * that touches several of them in one command can cross them.
 *
 * Form: `group:queue,queue;group:queue,…` — e.g. `media:images,thumbnails;billing:invoices`.
 * Every process (console, workers, code that enqueues) must read the same value:
 * it decides where a queue's keys are. Ignored on a single Redis (nothing is tagged there).
 */

/** Queue name → group name. */
export type QueueGroups = ReadonlyMap<string, string>;

/** Letters, digits and `_ . -`: no `:` (BullMQ refuses it in names) and no braces (they are the tag). */
const NAME = /^[A-Za-z0-9_.-]+$/;

/** Parse the setting; throws an Error saying what is wrong (the caller names the setting). */
export function parseQueueGroups(text: string): QueueGroups {
  const groups = new Map<string, string>();
  const seenGroups = new Set<string>();
  for (const part of text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(':');
    if (colon < 0) throw new Error(`"${part}" is not group:queue,queue (e.g. media:images,thumbnails;billing:invoices)`);
    const group = part.slice(0, colon).trim();
    if (!NAME.test(group)) throw new Error(`group name "${group}" may only contain letters, digits and _ . -`);
    if (seenGroups.has(group)) throw new Error(`group "${group}" is listed twice`);
    seenGroups.add(group);
    const queues = part
      .slice(colon + 1)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!queues.length) throw new Error(`group "${group}" lists no queue`);
    for (const q of queues) {
      if (!NAME.test(q)) throw new Error(`queue name "${q}" (group "${group}") may only contain letters, digits and _ . -`);
      const other = groups.get(q);
      if (other !== undefined) throw new Error(`queue "${q}" is in two groups ("${other}" and "${group}")`);
      groups.set(q, group);
    }
  }
  return groups;
}

/** The zod schema of the setting (lib/env.ts): unset = no groups. */
export const queueGroupsSchema = z
  .string()
  .optional()
  .transform((v, ctx) => {
    try {
      return parseQueueGroups(v ?? '');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
