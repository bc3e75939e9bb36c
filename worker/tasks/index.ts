import { createRegistry } from 'celerity';
import { hello, add, report, flaky, fail, sleep, apiCall } from './demo-tasks';

/**
 * The demo's tasks module, what `celerity worker -A worker/tasks/index.ts` loads
 * (`npm run worker`, `npm start`): it exports the registry of every task the
 * worker runs and, optionally, the schedules declared in code.
 */
export const registry = createRegistry([hello, add, report, flaky, fail, sleep, apiCall]);
export default registry;

export { schedules } from '../schedules';
