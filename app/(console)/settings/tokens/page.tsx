import { getRedis } from '@/lib/redis';
import { load } from '@/lib/data/load';
import { creatorIsAdmin, listTokens } from '@/lib/auth/api-tokens';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { TokensView } from '@/components/auth/TokensView';
import { requireAccess } from '@/app/_auth/require-access';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'API tokens' };

export default async function TokensPage() {
  // Checked here, next to the data, not only in the navigation: a viewer typing the URL gets nothing.
  const access = await requireAccess('admin');
  if (!access.allowed) {
    return (
      <>
        <PageHeader title="API tokens" />
        {access.refusal}
      </>
    );
  }
  const { unavailable } = access;
  const res = unavailable ? null : await load(() => listTokens(getRedis()));
  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          <>
            For scripts and Prometheus: send <code>Authorization: Bearer &lt;token&gt;</code> to <code>/api/v1</code> and <code>/metrics</code>. A read token
            can only read; a write token can also run and change jobs, queues and schedules. Tokens are stored hashed: copy one when it is created, it is not
            shown again. A token works only while the admin who created it is still an admin.
          </>
        }
      />
      {!res?.ok ? <Unavailable /> : <TokensView initial={res.data} refused={res.data.filter((t) => !creatorIsAdmin(t.createdBy)).map((t) => t.id)} />}
    </>
  );
}
