/**
 * Shown on every page while no accounts are configured: the console is open
 * to whoever reaches it, which is why it listens on loopback only.
 */
export function OpenConsoleBanner({ host, insecure }: { host: string; insecure: boolean }) {
  const exposed = insecure;
  return (
    <aside
      aria-label="Security notice"
      className={
        exposed
          ? 'border-b border-rose-300 bg-rose-50 px-4 py-2 text-sm text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-100'
          : 'border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100'
      }
    >
      <p className="mx-auto max-w-7xl">
        {exposed ? (
          <>
            <strong>No accounts, and CELERITY_INSECURE is set:</strong> the console listens on {host} and anyone who reaches it can run and delete jobs. Only do
            this behind a proxy that authenticates.
          </>
        ) : (
          <>
            <strong>No accounts configured:</strong> the console listens on {host} only, and anyone on this machine can use it. Add accounts with{' '}
            <code>npm run user:add</code> and <code>CELERITY_USERS</code> to open it to the network.
          </>
        )}
      </p>
    </aside>
  );
}
