import { load } from '@/lib/data/load';
import { Card } from '@/components/ui/Card';
import { Unavailable } from '@/components/ui/Unavailable';
import { RuleForm } from '@/components/alerts/rules/RuleForm';
import { adminFormPage } from '../../admin-form-page';
import { loadRuleTargets } from '../load-rules';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'New alert rule' };

export default function NewAlertRulePage() {
  return adminFormPage(
    {
      back: { href: '/alerts/rules', label: 'Alert rules' },
      title: 'New alert rule',
      description: "The current value on the right is read from the console's live figures as you type.",
    },
    async () => {
      const targets = await load(loadRuleTargets);
      return targets.ok ? (
        <Card>
          <RuleForm mode="create" targets={targets.data} />
        </Card>
      ) : (
        <Unavailable />
      );
    },
  );
}
