import { createClient } from 'celerity';
import { registry } from './tasks';

/**
 * The enqueue client for the demo's application code, typed by its tasks:
 *   const job = await enqueue('add', { a: 2, b: 3 });
 * Connects lazily on first use; call `closeClient()` before a script exits.
 */
export const client = createClient(registry);
export const enqueue = client.enqueue;
export const enqueueMany = client.enqueueMany;
export const closeClient = client.close;
