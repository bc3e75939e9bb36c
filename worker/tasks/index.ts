import { createRegistry } from 'celerity';
import { hello, add, report, flaky, fail, sleep, apiCall } from './demo-tasks';
import { demoWorkflows, workflowTasks } from '../workflows/demo-workflows';

/**
 * The demo's tasks module, what `celerity worker -A worker/tasks/index.ts` loads
 * (`npm run worker`, `npm start`): it exports the registry of every task the
 * worker runs (with the demo workflows, worker/workflows/) and, optionally, the
 * schedules declared in code.
 */
export const registry = createRegistry([hello, add, report, flaky, fail, sleep, apiCall, ...workflowTasks], { workflows: demoWorkflows });
export default registry;

export { schedules } from '../schedules';
