import type { Socket } from 'node:net';

/** What a connection looks like to us: an ioredis `Redis` has a socket, a `Cluster` has nodes that do. */
interface WithSocket {
  stream?: Partial<Pick<Socket, 'localAddress'>>;
  nodes?: () => WithSocket[];
}

/**
 * The local IP address of a Redis connection's socket: the address by which
 * Redis, and every other host on that network, sees this process. Read from the
 * socket rather than from the interfaces, since only the socket knows which
 * interface the route to Redis took. Undefined while it is not connected.
 */
export function localAddressOf(redis: unknown): string | undefined {
  const conn = redis as WithSocket;
  const own = conn.stream?.localAddress;
  if (own) return plainIp(own);
  for (const node of conn.nodes?.() ?? []) {
    const address = node.stream?.localAddress;
    if (address) return plainIp(address);
  }
  return undefined;
}

/** `::ffff:10.1.2.3` (an IPv4 peer on a dual-stack socket) is shown as `10.1.2.3`. */
function plainIp(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
