import Link from 'next/link';
import { notFound } from 'next/navigation';
import { load } from '@/lib/data/load';
import { getRedis } from '@/lib/redis';
import { requireChannel } from '@/lib/alerts/channel-store';
import { channelDto } from '@/lib/alerts/channel-model';
import { PageHeader } from '@/components/ui/PageHeader';
import { Card } from '@/components/ui/Card';
import { Unavailable } from '@/components/ui/Unavailable';
import { ChannelForm } from '@/components/alerts/channels/ChannelForm';
import { requireAccess } from '@/app/_auth/require-access';

export const dynamic = 'force-dynamic';

type Params = Promise<{ id: string }>;

export async function generateMetadata({ params }: { params: Params }) {
  // generateMetadata gets the segment already decoded (the page gets it encoded): decode once only.
  return { title: `Edit channel ${(await params).id}` };
}

export default async function EditAlertChannelPage({ params }: { params: Params }) {
  const id = decodeURIComponent((await params).id);
  const header = (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/alerts/channels" className="hover:underline">
          Alert channels
        </Link>{' '}
        / {id} / edit
      </nav>
      <PageHeader title={`Edit channel ${id}`} />
    </>
  );
  const access = await requireAccess('admin');
  if (!access.allowed)
    return (
      <>
        {header}
        {access.refusal}
      </>
    );
  // Only the DTO reaches the form: the secrets stay on the server.
  const channel = await load(async () => channelDto(await requireChannel(getRedis(), id)));
  if (!channel.ok && channel.reason === 'not_found') notFound();
  if (!channel.ok) return <Unavailable />;
  return (
    <>
      {header}
      <Card>
        <ChannelForm mode="edit" initial={channel.data} />
      </Card>
    </>
  );
}
