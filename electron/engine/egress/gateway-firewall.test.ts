import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyGatewayFirewall, bridgeNameFor } from './gateway-firewall.js';

// A stand-in iptables that records its arguments (the real one is exercised in the integration test).
const dir = mkdtempSync(join(tmpdir(), 'paddock-fw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function fakeIptables(failOn?: string): { bin: string; calls: () => string[] } {
  const log = join(dir, `log-${Math.random()}`);
  const bin = join(dir, `iptables-${Math.random()}`);
  writeFileSync(
    bin,
    `#!/bin/sh\necho "$*" >> ${log}\n${failOn ? `case "$*" in *"${failOn}"*) echo nope >&2; exit 4;; esac\n` : ''}exit 0\n`,
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
      iptables: fake.bin,
    });
    expect(fw.applied).toBe(true);
    const inserts = fake.calls();
    expect(inserts).toHaveLength(3);
    expect(inserts[0]).toMatch(/^-I INPUT 1 -i br-0123456789ab .*-j DROP$/);
    expect(inserts[2]).toMatch(/-d 172\.18\.0\.1 -p tcp --dport 3128 .*-j ACCEPT$/);
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
    });
    expect(fw.applied).toBe(false);
    expect(fw.reason).toMatch(/iptables not usable/);
    expect(fake.calls().filter((c) => c.startsWith('-D'))).toHaveLength(2);
  });
});
