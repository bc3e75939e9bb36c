import { load } from '@/lib/data/load';
import { PageHeader } from '@/components/ui/PageHeader';
import { ButtonLink } from '@/components/ui/Button';
import { Unavailable } from '@/components/ui/Unavailable';
import { ChannelsView } from '@/components/alerts/channels/ChannelsView';
import { IfAdmin } from '@/components/alerts/rules/IfAdmin';
import { loadChannelRows } from './load-channels';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Alert channels' };

export default async function AlertChannelsPage() {
  const res = await load(loadChannelRows);
  return (
    <>
      <PageHeader
        title="Alert channels"
        description="Where notifications go: signed webhooks, Slack-compatible webhooks, email. A channel whose last delivery failed shows as failing."
      >
        <IfAdmin>
          <ButtonLink href="/alerts/channels/new">New channel</ButtonLink>
        </IfAdmin>
      </PageHeader>
      {res.ok ? <ChannelsView initial={res.data} /> : <Unavailable />}
    </>
  );
}
