import { getRedis } from '@/lib/redis';
import { load } from '@/lib/data/load';
import { allows } from '@/lib/auth/principal';
import { listTokens } from '@/lib/auth/api-tokens';
import { PageHeader } from '@/components/ui/PageHeader';
import { Unavailable } from '@/components/ui/Unavailable';
import { AdminOnly } from '@/components/auth/AdminOnly';
import { TokensView } from '@/components/auth/TokensView';
import { currentPrincipal } from '@/app/_auth/current-principal';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'API tokens' };

export default async function TokensPage() {
  const { principal, unavailable } = await currentPrincipal();
  // Checked here, next to the data, not only in the navigation: a viewer typing the URL gets nothing.
  if (!unavailable && !(principal && allows(principal, 'admin'))) {
    return (
      <>
        <PageHeader title="API tokens" />
        <AdminOnly />
      </>
    );
  }
  const res = unavailable ? null : await load(() => listTokens(getRedis()));
  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          <>
            For scripts and Prometheus: send <code>Authorization: Bearer &lt;token&gt;</code> to <code>/api/v1</code> and <code>/metrics</code>. A read
            token can only read; a write token can also run and change jobs, queues and schedules. Tokens are stored hashed: copy one when it is
            created, it is not shown again.
          </>
        }
      />
      {!res?.ok ? <Unavailable /> : <TokensView initial={res.data} />}
    </>
  );
}
