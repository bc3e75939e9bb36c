import { createClient } from '@/lib/client/create-client';
import { registry } from './tasks';

/**
 * The enqueue client for application code, typed by this project's tasks:
 *   const job = await enqueue('add', { a: 2, b: 3 });
 * Connects lazily on first use; call `closeClient()` before a script exits.
 */
export const client = createClient(registry);
export const enqueue = client.enqueue;
export const closeClient = client.close;
