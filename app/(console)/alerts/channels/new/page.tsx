import Link from 'next/link';
import { PageHeader } from '@/components/ui/PageHeader';
import { Card } from '@/components/ui/Card';
import { ChannelForm } from '@/components/alerts/channels/ChannelForm';
import { requireAccess } from '@/app/_auth/require-access';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'New alert channel' };

export default async function NewAlertChannelPage() {
  const access = await requireAccess('admin');
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500 dark:text-slate-400">
        <Link href="/alerts/channels" className="hover:underline">
          Alert channels
        </Link>
      </nav>
      <PageHeader title="New alert channel" />
      {access.allowed ? (
        <Card>
          <ChannelForm mode="create" />
        </Card>
      ) : (
        access.refusal
      )}
    </>
  );
}
