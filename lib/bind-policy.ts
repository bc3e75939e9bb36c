/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The console without accounts may only listen on loopback: anyone who can
 * reach it can run and delete work. Returns the reason to refuse, or undefined.
 */
export function bindRefusal(host: string, hasUsers: boolean, insecure: boolean): string | undefined {
  if (hasUsers || insecure || isLoopback(host)) return undefined;
  return (
    `Refusing to listen on ${host} without accounts: anyone who can reach it could run and delete jobs. ` +
    `Configure users (CELERITY_USERS), or listen on 127.0.0.1 (HOST=127.0.0.1), ` +
    `or set CELERITY_INSECURE=1 if a proxy in front already authenticates.`
  );
}
