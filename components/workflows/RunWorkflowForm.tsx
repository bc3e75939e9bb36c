'use client';
import { useMemo, useState } from 'react';
import { useRouter } from 'next/navigation';
import type { WorkflowDefinitionDTO, WorkflowRunCreatedDTO } from '@/lib/workflows/run-dto';
import { api, seg } from '../api';
import { submitErrors } from '../forms/submit-errors';
import { useFocusFirstInvalid } from '../forms/use-focus-first-invalid';
import { Button } from '../ui/Button';
import { Notice } from '../ui/Notice';
import { useCanWrite } from '../auth/SessionProvider';
import { fieldsFromSchema } from '../tasks/json-schema-fields';
import { ArgsFieldset, collectArgs, useArgValues } from '../tasks/ArgsFieldset';
import { runHref } from './run-href';

/**
 * The Run form of a workflow: the same fields generated from its arguments'
 * JSON Schema as a task's form (ArgsFieldset), errors under each field. On
 * success, the new run's page.
 */
export function RunWorkflowForm({ workflow }: { workflow: Pick<WorkflowDefinitionDTO, 'name' | 'argsSchema'> }) {
  const router = useRouter();
  const fields = useMemo(() => fieldsFromSchema(workflow.argsSchema), [workflow.argsSchema]);
  const { values, setText, setCheck } = useArgValues(fields);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useFocusFirstInvalid(errors);
  const canWrite = useCanWrite();

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setFormError(null);
    const { args, errors: clientErrors } = collectArgs(fields, values);
    if (Object.keys(clientErrors).length) {
      setErrors(clientErrors);
      return;
    }
    setBusy(true);
    try {
      const run = await api<WorkflowRunCreatedDTO>(`/api/v1/workflows/${seg(workflow.name)}/runs`, { method: 'POST', body: { args } });
      setErrors({});
      router.push(runHref(run.workflow, run.id));
    } catch (err) {
      setBusy(false);
      const shown = submitErrors(err, ['args.'], 'The run could not be started');
      setErrors(shown.errors);
      setFormError(shown.formError);
    }
  }

  if (!canWrite) return <Notice title="Read-only">Your role can look at workflows but not run them.</Notice>;
  return (
    <form ref={formRef} onSubmit={submit} noValidate aria-label={`Run ${workflow.name}`} className="space-y-6">
      <ArgsFieldset of="workflow" fields={fields} values={values} errors={errors} onText={setText} onCheck={setCheck} />
      {formError && (
        <p role="alert" className="text-sm font-medium text-rose-700 dark:text-rose-300">
          {formError}
        </p>
      )}
      <Button type="submit" disabled={busy}>
        {busy ? 'Starting…' : `Run ${workflow.name}`}
      </Button>
    </form>
  );
}
