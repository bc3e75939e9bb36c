import Link from 'next/link';
import type { WorkflowOfJobDTO } from '@/lib/workflows/run-dto';
import { runHref } from './run-href';

/** On a job page: the workflow run this job is a step of. */
export function JobWorkflowLink({ of }: { of: WorkflowOfJobDTO }) {
  return (
    <p className="mb-4 text-sm">
      Step {of.step} of{' '}
      <Link href={runHref(of.workflow, of.runId)} className="text-indigo-700 underline dark:text-indigo-300">
        workflow {of.workflow}, run {of.runId}
      </Link>
    </p>
  );
}
