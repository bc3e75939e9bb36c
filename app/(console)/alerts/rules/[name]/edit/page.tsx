import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getRedis } from '@/lib/redis';
import { requireRule } from '@/lib/alerts/rule-store';
import { Card } from '@/components/ui/Card';
import { Notice } from '@/components/ui/Notice';
import { Unavailable } from '@/components/ui/Unavailable';
import { RuleForm } from '@/components/alerts/rules/RuleForm';
import { adminFormPage } from '../../../admin-form-page';
import { loadRuleTargets } from '../../load-rules';

export const dynamic = 'force-dynamic';

type Params = Promise<{ name: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  // generateMetadata gets the segment already decoded (the page gets it encoded): decode once only.
  return { title: `Edit rule ${(await params).name}` };
}

export default async function EditAlertRulePage({ params }: { params: Params }) {
  const name = decodeURIComponent((await params).name);
  return adminFormPage({ back: { href: '/alerts/rules', label: 'Alert rules' }, trail: `${name} / edit`, title: `Edit rule ${name}` }, async () => {
    const rule = await load(() => requireRule(getRedis(), name));
    if (!rule.ok && rule.reason === 'not_found') notFound();
    const targets = await load(loadRuleTargets);
    if (!rule.ok || !targets.ok) return <Unavailable />;
    if (rule.data.source === 'code')
      return (
        <Notice title="Defined in code">
          This rule is declared with defineAlert in the tasks module: a worker writes it again from the code each time it starts, so a change made here would
          not last. Change it in the code; its Enabled switch on the rules page is kept across restarts.
        </Notice>
      );
    return (
      <Card>
        <RuleForm mode="edit" initial={rule.data} targets={targets.data} />
      </Card>
    );
  });
}
