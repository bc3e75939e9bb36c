import Link from 'next/link';
import { load } from '@/lib/data/load';
import { PageHeader } from '@/components/ui/PageHeader';
import { Card } from '@/components/ui/Card';
import { Unavailable } from '@/components/ui/Unavailable';
import { RuleForm } from '@/components/alerts/rules/RuleForm';
import { requireAccess } from '@/app/_auth/require-access';
import { loadRuleTargets } from '../load-rules';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'New alert rule' };

const breadcrumb = (
  <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
    <Link href="/alerts/rules" className="hover:underline">
      Alert rules
    </Link>
  </nav>
);

export default async function NewAlertRulePage() {
  // Checked before anything is read: a viewer typing the address gets a refusal, not a form the server would refuse.
  const access = await requireAccess('admin');
  const header = (
    <>
      {breadcrumb}
      <PageHeader title="New alert rule" description="The current value on the right is read from the console's live figures as you type." />
    </>
  );
  if (!access.allowed)
    return (
      <>
        {header}
        {access.refusal}
      </>
    );
  const targets = await load(loadRuleTargets);
  return (
    <>
      {header}
      {targets.ok ? (
        <Card>
          <RuleForm mode="create" targets={targets.data} />
        </Card>
      ) : (
        <Unavailable />
      )}
    </>
  );
}
