import { describe, expect, it } from 'vitest';
import { addressGroup } from './address-group';

describe('addressGroup (the unit the login throttle counts addresses in)', () => {
  it('keeps an IPv4 address whole', () => {
    expect(addressGroup('203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('203.0.113.8')).toBe('203.0.113.8');
  });

  it('puts every address of an IPv6 /64 in one group, however it is written', () => {
    const group = '2001:db8:1:2::/64';
    for (const ip of [
      '2001:db8:1:2::1',
      '2001:db8:1:2::ffff',
      '2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd',
      '2001:DB8:1:2:0:0:0:9',
      '[2001:db8:1:2::5]',
      '2001:db8:1:2::5%eth0',
    ]) {
      expect(addressGroup(ip), ip).toBe(group);
    }
    // The next /64 is another group.
    expect(addressGroup('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(addressGroup('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
  });

  it('reads an IPv4-mapped IPv6 address as the IPv4 address, in either notation', () => {
    expect(addressGroup('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroup('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(addressGroup('0:0:0:0:0:ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('leaves anything that is not an address as it is', () => {
    expect(addressGroup('unknown')).toBe('unknown');
    expect(addressGroup('2001:db8::1::2')).toBe('2001:db8::1::2');
  });
});
