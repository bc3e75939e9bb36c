import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getRedis } from '@/lib/redis';
import { requireChannel } from '@/lib/alerts/channel-store';
import { channelDto } from '@/lib/alerts/channel-model';
import { Card } from '@/components/ui/Card';
import { Unavailable } from '@/components/ui/Unavailable';
import { ChannelForm } from '@/components/alerts/channels/ChannelForm';
import { adminFormPage } from '../../../admin-form-page';

export const dynamic = 'force-dynamic';

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  // generateMetadata gets the segment already decoded (the page gets it encoded): decode once only.
  return { title: `Edit channel ${(await params).id}` };
}

export default async function EditAlertChannelPage({ params }: { params: Params }) {
  const id = decodeURIComponent((await params).id);
  return adminFormPage({ back: { href: '/alerts/channels', label: 'Alert channels' }, trail: `${id} / edit`, title: `Edit channel ${id}` }, async () => {
    // Only the DTO reaches the form: the secrets stay on the server.
    const channel = await load(async () => channelDto(await requireChannel(getRedis(), id)));
    if (!channel.ok && channel.reason === 'not_found') notFound();
    if (!channel.ok) return <Unavailable />;
    return (
      <Card>
        <ChannelForm mode="edit" initial={channel.data} />
      </Card>
    );
  });
}
