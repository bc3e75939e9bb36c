import { withoutBase } from '../base-path';

/**
 * With several consoles and no load balancer, a page talks to one console; when
 * that console stops, the page moves to another one by itself. Its console
 * tells it the others' public URLs while connected (the `peers` frame); when
 * it has been unreachable for MOVE_AFTER_MS the page loads the same console path on one of
 * them. The session and the CSRF token live in Redis and their cookies belong
 * to the host name (not the port), so the page arrives signed in when the
 * consoles share a host name.
 */

/**
 * How long the page's console must have been unreachable before the page leaves for another one:
 * well beyond a restart in place (a few seconds; 10–20 s on a loaded machine), whose pages reconnect to it.
 */
export const MOVE_AFTER_MS = 30_000;

/** The URL of the page on another console: the peer's base URL and this page's console path, query and fragment. */
export function pageOnPeer(peer: string, location: Pick<Location, 'pathname' | 'search' | 'hash'>): string {
  const path = withoutBase(location.pathname);
  return `${peer.replace(/\/+$/, '')}${path}${location.search}${location.hash}`;
}

/** One of the peers, chosen at random so the pages of a stopped console spread over the others. */
export function pickPeer(peers: readonly string[], random = Math.random): string | undefined {
  return peers.length ? peers[Math.floor(random() * peers.length)] : undefined;
}
