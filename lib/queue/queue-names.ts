import { env, isSet } from '../env';
import { managedRedisUrlIfRunning } from '../managed-redis-state';
import { isClusterUrl } from '../redis-url';
import type { QueueGroups } from './queue-groups';

/**
 * A queue's name as people see it (`images`: tasks, URLs, the console, the API)
 * and its BullMQ name (the `name` of `new Queue(name)`, part of every key).
 *
 * On a single Redis they are the same: nothing moves for existing deployments.
 * On a Redis Cluster every key of one queue must hash to one slot (BullMQ's Lua
 * scripts touch several of them), so the BullMQ name carries a hash tag:
 * `images` → `{images}` (keys `bull:{images}:wait`…), one slot per queue, queues
 * spread over the masters. Queues of one group (CELERITY_QUEUE_GROUPS) share
 * their group's tag so flows can cross them: `images` in group `media` → `{media}images`.
 *
 * The mapping is one-to-one. A BullMQ name that no logical name maps to (a plain
 * BullMQ producer's `{orders}x`, or a tagged name on a single Redis) is shown as
 * stored, and that shown name maps back to itself: a name with a brace is taken
 * as a BullMQ name already.
 */
export interface QueueNames {
  /** True on a Redis Cluster (names are tagged). */
  readonly clustered: boolean;
  /** The BullMQ queue name of a logical name. */
  toBull(name: string): string;
  /** The logical (shown) name of a BullMQ queue name. */
  fromBull(bullName: string): string;
  /** The hash tag a queue's keys share (`images`, `media`), or undefined when untagged (single Redis). */
  tagOf(name: string): string | undefined;
}

/** The naming rules for a mode and a set of groups (tests build their own; code calls {@link queueNames}). */
export function queueNamesFor(clustered: boolean, groups: QueueGroups = new Map()): QueueNames {
  const tagOf = (name: string): string | undefined => {
    if (!clustered) return undefined;
    // A name with braces is a BullMQ name already; Redis hashes its first {…}.
    if (hasBrace(name)) return /\{([^}]+)\}/.exec(name)?.[1];
    return groups.get(name) ?? name;
  };
  const toBull = (name: string): string => {
    if (!clustered || hasBrace(name)) return name;
    const group = groups.get(name);
    return group === undefined ? `{${name}}` : `{${group}}${name}`;
  };
  const fromBull = (bullName: string): string => {
    if (!clustered) return bullName;
    const m = /^\{([^{}]+)\}([^{}]*)$/.exec(bullName);
    if (!m) return bullName;
    const candidate = m[2] ? m[2] : m[1]!;
    return toBull(candidate) === bullName ? candidate : bullName;
  };
  return { clustered, toBull, fromBull, tagOf };
}

function hasBrace(name: string): boolean {
  return name.includes('{') || name.includes('}');
}

type Holder = { __celerityQueueNames?: QueueNames };
const holder = globalThis as unknown as Holder;

/**
 * This process's naming: clustered when REDIS_URL (or the managed Redis of
 * `npm start`) is a `redis+cluster://` URL, groups from CELERITY_QUEUE_GROUPS.
 * Decided once per process.
 */
export function queueNames(): QueueNames {
  holder.__celerityQueueNames ??= queueNamesFor(isClusterUrl(isSet('REDIS_URL') ? env().REDIS_URL : managedRedisUrlIfRunning()), env().CELERITY_QUEUE_GROUPS);
  return holder.__celerityQueueNames;
}

/** The BullMQ name of a queue (`images` → `{images}` on a cluster, `images` on a single Redis). */
export function bullQueueName(name: string): string {
  return queueNames().toBull(name);
}

/** The name to show for a BullMQ queue name (`{images}` → `images`). */
export function displayQueueName(bullName: string): string {
  return queueNames().fromBull(bullName);
}
