import { createRegistry } from '@/lib/registry/task-registry';
import { hello, add, report, flaky, fail, sleep } from './demo-tasks';

/**
 * Every task this project's worker runs. Add your own here: define it with
 * `defineTask` in a file next to this one and list it below.
 */
export const registry = createRegistry([hello, add, report, flaky, fail, sleep]);
