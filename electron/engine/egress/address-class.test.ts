// Pure data: no address below is ever connected to.
import { describe, expect, it } from 'vitest';
import { classifyAddress, v6Words } from './address-class.js';

describe('classifyAddress', () => {
  it.each([
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['2606:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fec0::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['0.1.2.3', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'ipv4-embedded'],
    ['::ffff:7f00:1', 'ipv4-embedded'],
    ['::ffff:8.8.8.8', 'ipv4-embedded'],
    ['::127.0.0.1', 'ipv4-embedded'],
    ['::ffff:0:10.0.0.1', 'ipv4-embedded'],
    ['64:ff9b::a9fe:a9fe', 'ipv4-embedded'],
    ['2002:a9fe:a9fe::1', 'ipv4-embedded'],
    ['2001:0:4136:e378::1', 'ipv4-embedded'],
    ['not-an-ip', 'invalid'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });
});

describe('v6Words', () => {
  it('expands :: and dotted tails', () => {
    expect(v6Words('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(v6Words('fe80::1')).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(v6Words('1.2.3.4')).toBeNull();
  });
});
