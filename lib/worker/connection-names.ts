import { forEachMaster, type RedisConnection } from '../redis';

/**
 * Every Redis connection of a worker carries its id in its client name, so
 * that `CLIENT LIST` tells whether a worker still has a connection open: the
 * sockets of a killed process close at once and Redis stops listing them.
 * BullMQ names the blocking connection of a named Worker `<prefix>:<queue
 * b64>:w:<name>`; ours end the same way (`<prefix>:__celerity:w:<id>`), so
 * one suffix finds them all. `__celerity` is no base64 queue name: nothing
 * that counts a queue's workers from CLIENT LIST counts these.
 */

/** Redis refuses client names with spaces or characters outside printable ASCII. */
function safe(id: string): string {
  return id.replace(/[^!-~]/g, '_');
}

/** The suffix every connection name of worker `id` ends with. */
export function workerNameSuffix(id: string): string {
  return `:w:${safe(id)}`;
}

/** The client name of one of worker `id`'s own connections. */
export function workerConnectionName(prefix: string, id: string): string {
  return `${safe(prefix)}:__celerity${workerNameSuffix(id)}`;
}

/**
 * The name of every client connection (one entry per connection), on every
 * node: a Cluster's clients are spread over its nodes. The one place that asks
 * Redis who is connected.
 */
export async function listConnectionNames(redis: RedisConnection): Promise<string[]> {
  const names: string[] = [];
  // Workers' connections go to masters (no reads from replicas in Celerity).
  const lists = await forEachMaster(redis, (node) => node.call('CLIENT', 'LIST') as Promise<string>);
  for (const list of lists) {
    for (const m of list.matchAll(/(?:^| )name=(\S+)/gm)) names.push(m[1]!);
  }
  return names;
}

/** Whether any connection in `names` belongs to worker `id`. */
export function hasConnection(names: readonly string[], id: string): boolean {
  const suffix = workerNameSuffix(id);
  for (const n of names) if (n.endsWith(suffix)) return true;
  return false;
}
