import { isIPv4, isIPv6 } from 'node:net';

/**
 * The unit the login throttle counts a client address in. An IPv4 address is
 * one unit; an IPv6 address counts as its /64, because that is what one
 * customer gets (RFC 6177: a home or a server typically holds a whole /64 or
 * more), so stepping through the addresses of a /64 would otherwise buy a
 * fresh budget with every request. An IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports for IPv4 clients) is
 * the IPv4 address itself, so one client does not get two budgets depending
 * on how it connected. Anything that is not an IP address (`unknown`, a
 * proxy's odd value) is used as it is.
 */
export function addressGroup(raw: string): string {
  let ip = raw.trim().toLowerCase();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  // A zone id (`fe80::1%eth0`) names the local interface, not another client.
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return raw;
  const h = hextets(ip);
  if (h.slice(0, 5).every((x) => x === 0) && h[5] === 0xffff) {
    return [h[6]! >> 8, h[6]! & 0xff, h[7]! >> 8, h[7]! & 0xff].join('.');
  }
  return `${h
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function hextets(ip: string): number[] {
  let s = ip;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part ? part.split(':').map((x) => parseInt(x, 16)) : []);
  const [head, rest] = s.split('::') as [string, string | undefined];
  const left = parse(head);
  if (rest === undefined) return left;
  const right = parse(rest);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}
