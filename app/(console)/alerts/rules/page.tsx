import { load } from '@/lib/data/load';
import { PageHeader } from '@/components/ui/PageHeader';
import { ButtonLink } from '@/components/ui/Button';
import { Unavailable } from '@/components/ui/Unavailable';
import { RulesView } from '@/components/alerts/rules/RulesView';
import { IfAdmin } from '@/components/alerts/rules/IfAdmin';
import { loadRuleRows } from './load-rules';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Alert rules' };

export default async function AlertRulesPage() {
  const res = await load(loadRuleRows);
  return (
    <>
      <PageHeader title="Alert rules" description="What is watched and when it fires: failure rates, failed jobs, backlogs, workers, schedules, stuck jobs.">
        <IfAdmin>
          <ButtonLink href="/alerts/rules/new">New rule</ButtonLink>
        </IfAdmin>
      </PageHeader>
      {res.ok ? <RulesView initial={res.data} /> : <Unavailable />}
    </>
  );
}
