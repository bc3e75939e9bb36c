import { describe, expect, it } from 'vitest';
import { localAddressOf } from './local-address';

// Shapes only (the socket's field that is read): the real connections are covered by heartbeat-loop.test.ts on one Redis and on the cluster suite.
describe('localAddressOf', () => {
  it("reads a connection's socket, an IPv4 peer of a dual-stack socket shown as plain IPv4", () => {
    expect(localAddressOf({ stream: { localAddress: '10.77.0.12' } })).toBe('10.77.0.12');
    expect(localAddressOf({ stream: { localAddress: '::ffff:10.77.0.12' } })).toBe('10.77.0.12');
    expect(localAddressOf({ stream: { localAddress: 'fd00::12' } })).toBe('fd00::12');
  });

  it("reads a cluster's first connected node, and is undefined while nothing is connected", () => {
    const cluster = { nodes: () => [{ stream: {} }, { stream: { localAddress: '10.0.0.5' } }] };
    expect(localAddressOf(cluster)).toBe('10.0.0.5');
    expect(localAddressOf({ stream: {} })).toBeUndefined();
    expect(localAddressOf({ nodes: () => [] })).toBeUndefined();
  });
});
