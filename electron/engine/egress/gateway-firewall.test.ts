import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyGatewayFirewall,
  bridgeNameFor,
  parsePaddockRules,
  reapGatewayFirewall,
  splitRuleLine,
} from './gateway-firewall.js';

// A stand-in iptables that records its arguments (the real one is exercised in the integration test).
const dir = mkdtempSync(join(tmpdir(), 'paddock-fw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function fakeIptables(failOn?: string, listing = ''): { bin: string; calls: () => string[] } {
  const log = join(dir, `log-${Math.random()}`);
  const bin = join(dir, `iptables-${Math.random()}`);
  const list = join(dir, `list-${Math.random()}`);
  writeFileSync(list, listing);
  writeFileSync(
    bin,
    `#!/bin/sh\necho "$*" >> ${log}\n${failOn ? `case "$*" in *"${failOn}"*) echo nope >&2; exit 4;; esac\n` : ''}[ "$1" = -S ] && cat ${list}\nexit 0\n`,
  );
  chmodSync(bin, 0o755);
  return { bin, calls: () => readFileSync(log, 'utf8').trim().split('\n') };
}

describe('applyGatewayFirewall', () => {
  it('inserts accept-proxy, accept-dns, drop-rest for the bridge, and removes them again', async () => {
    const fake = fakeIptables();
    const fw = await applyGatewayFirewall({
      bridge: bridgeNameFor('0123456789abcdef'),
      gateway: '172.18.0.1',
      proxyPort: 3128,
      sessionId: 's-1',
      owner: { pid: 4242, start: '777' },
      iptables: fake.bin,
      capable: () => true,
    });
    expect(fw.applied).toBe(true);
    const inserts = fake.calls();
    expect(inserts).toHaveLength(3);
    expect(inserts[0]).toMatch(/^-I INPUT 1 -i br-0123456789ab .*-j DROP$/);
    expect(inserts[1]).toMatch(/^-I INPUT 1 -i br-0123456789ab -d 172\.18\.0\.1 -p udp --dport 53 .*-j ACCEPT$/);
    expect(inserts[2]).toMatch(/-d 172\.18\.0\.1 -p tcp --dport 3128 .*-j ACCEPT$/);
    // Each comment names the session and the owning process, for the reaper after a kill -9.
    expect(inserts.every((c) => c.includes('; session=s-1; owner=4242/777'))).toBe(true);
    await fw.remove();
    const all = fake.calls();
    expect(all.slice(3).every((c) => c.startsWith('-D INPUT'))).toBe(true);
    expect(all).toHaveLength(6);
  });

  it('rolls back and reports when iptables refuses', async () => {
    const fake = fakeIptables('dport 3128');
    const fw = await applyGatewayFirewall({
      bridge: 'br-x',
      gateway: '172.18.0.1',
      proxyPort: 3128,
      iptables: fake.bin,
      capable: () => true,
    });
    expect(fw.applied).toBe(false);
    expect(fw.reason).toMatch(/iptables not usable/);
    expect(fake.calls().filter((c) => c.startsWith('-D'))).toHaveLength(2);
  });

  it('without CAP_NET_ADMIN, touches nothing and says so', async () => {
    const fake = fakeIptables();
    const fw = await applyGatewayFirewall({
      bridge: 'br-x',
      gateway: '172.18.0.1',
      proxyPort: 3128,
      iptables: fake.bin,
      capable: () => false,
    });
    expect(fw.applied).toBe(false);
    expect(fw.reason).toMatch(/CAP_NET_ADMIN/);
    expect(() => fake.calls()).toThrow(); // iptables was never run
  });
});

const LISTING = [
  '-P INPUT ACCEPT',
  '-A INPUT -i br-aaaaaaaaaaaa -d 172.18.0.1/32 -p tcp -m tcp --dport 3128 -m comment --comment "paddock: egress proxy; session=s-dead; owner=111/900" -j ACCEPT',
  '-A INPUT -i br-aaaaaaaaaaaa -m comment --comment "paddock: session bridge, nothing else; session=s-dead; owner=111/900" -j DROP',
  '-A INPUT -i br-bbbbbbbbbbbb -m comment --comment "paddock: session bridge, nothing else; session=s-live; owner=222/901" -j DROP',
  '-A INPUT -i br-cccccccccccc -m comment --comment "paddock: session bridge, nothing else" -j DROP',
  '-A INPUT -i br-dddddddddddd -m comment --comment "paddock: session bridge, nothing else" -j DROP',
  '-A INPUT -i br-eeeeeeeeeeee -m comment --comment "paddock: session bridge, nothing else; session=s-podman; owner=222/901" -j DROP',
  '-A INPUT -i eth0 -m comment --comment "someone else\'s \\"rule\\"" -j DROP',
  '',
].join('\n');

describe('reapGatewayFirewall', () => {
  it('parses iptables -S lines, quoted comments included', () => {
    expect(splitRuleLine('-A INPUT -m comment --comment "a \\"b\\" c" -j DROP')).toEqual([
      '-A',
      'INPUT',
      '-m',
      'comment',
      '--comment',
      'a "b" c',
      '-j',
      'DROP',
    ]);
    const rules = parsePaddockRules(LISTING);
    expect(rules).toHaveLength(6);
    expect(rules[0]).toMatchObject({
      bridge: 'br-aaaaaaaaaaaa',
      sessionId: 's-dead',
      owner: { pid: 111, start: '900' },
    });
    expect(rules[3]).toMatchObject({ bridge: 'br-cccccccccccc', sessionId: null, owner: null });
  });

  it("deletes the rules of dead owners, and ownerless rules of bridges that are gone; nobody else's", async () => {
    const fake = fakeIptables(undefined, LISTING);
    const removed = await reapGatewayFirewall({
      iptables: fake.bin,
      capable: () => true,
      ownerAlive: (o) => o.pid === 222,
      // br-eee does not exist yet (Podman creates bridges with the first container): its live owner's rule stays.
      bridgeExists: (b) => b !== 'br-dddddddddddd' && b !== 'br-eeeeeeeeeeee',
    });
    expect(removed.map((r) => r.sessionId ?? r.bridge)).toEqual(['s-dead', 's-dead', 'br-dddddddddddd']);
    const deletes = fake.calls().filter((c) => c.startsWith('-D'));
    expect(deletes).toEqual([
      '-D INPUT -i br-aaaaaaaaaaaa -d 172.18.0.1/32 -p tcp -m tcp --dport 3128 -m comment --comment paddock: egress proxy; session=s-dead; owner=111/900 -j ACCEPT',
      '-D INPUT -i br-aaaaaaaaaaaa -m comment --comment paddock: session bridge, nothing else; session=s-dead; owner=111/900 -j DROP',
      '-D INPUT -i br-dddddddddddd -m comment --comment paddock: session bridge, nothing else -j DROP',
    ]);
  });

  it('does nothing without the privilege to read the firewall', async () => {
    const fake = fakeIptables(undefined, LISTING);
    expect(
      await reapGatewayFirewall({ iptables: fake.bin, capable: () => false, ownerAlive: () => false }),
    ).toEqual([]);
    expect(() => fake.calls()).toThrow();
  });
});
