import { seg } from '../api';

/** The run page's path (the workflow's name first, as the definition's page holds its runs). */
export function runHref(workflow: string, runId: string): string {
  return `/workflows/${seg(workflow)}/runs/${seg(runId)}`;
}
