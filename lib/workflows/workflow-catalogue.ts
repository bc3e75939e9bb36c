import { z } from 'zod';
import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import type { AnyWorkflow } from './define-workflow';
import { workflowDefinitionSchema, type WorkflowDefinitionDTO } from './run-dto';

/**
 * Workflows in the catalogue, as tasks are (lib/registry/catalogue.ts): each worker
 * publishes the workflows of its registry — name, description, JSON Schema of the
 * arguments, queue — and the console reads them to offer a Run form, never
 * importing the code that builds them.
 */
function catalogueKey(): string {
  return `${celerityKeys().tasks.slice(0, -':tasks'.length)}:workflows`;
}

/** Write these workflows into the catalogue (one HSET). */
export async function publishWorkflows(redis: RedisConnection, workflows: readonly AnyWorkflow[], workerId: string): Promise<void> {
  if (!workflows.length) return;
  const now = Date.now();
  const fields = workflows.flatMap((w) => {
    const entry: WorkflowDefinitionDTO = {
      name: w.name,
      description: w.description,
      argsSchema: z.toJSONSchema(w.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
      queue: w.queue,
      publishedAt: now,
      publishedBy: workerId,
    };
    return [w.name, JSON.stringify(entry)];
  });
  await redis.hset(catalogueKey(), ...fields);
}

/** Every published workflow, sorted by name; entries that fail to parse are skipped. */
export async function readWorkflowDefinitions(redis: RedisConnection): Promise<WorkflowDefinitionDTO[]> {
  const raw = await redis.hgetall(catalogueKey());
  return Object.values(raw)
    .flatMap((json) => {
      try {
        const parsed = workflowDefinitionSchema.safeParse(JSON.parse(json));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One published workflow, or undefined. */
export async function readWorkflowDefinition(redis: RedisConnection, name: string): Promise<WorkflowDefinitionDTO | undefined> {
  const json = await redis.hget(catalogueKey(), name);
  if (!json) return undefined;
  try {
    const parsed = workflowDefinitionSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
