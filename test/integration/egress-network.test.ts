import type Docker from 'dockerode';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSessionNetwork,
  listSessionNetworks,
  type SessionNetwork,
} from '../../electron/engine/egress/session-network.js';
import { applyGatewayFirewall, reapGatewayFirewall } from '../../electron/engine/egress/gateway-firewall.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { currentOwner, ownerAlive } from '../../electron/engine/sandbox/owner.js';
import { openSessionEgress } from '../../electron/engine/sessions/session-egress.js';
import { TEST_LABELS } from './egress-kit.js';

let docker: Docker;
let net: SessionNetwork | undefined;
const sessionId = `egress-net-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  ({ docker } = await connectEngine());
});
afterAll(async () => {
  await net?.remove();
});

describe('session network', () => {
  it('is internal, IPv4 only, labelled, and its gateway is an address of this host', async () => {
    net = await createSessionNetwork(docker, sessionId, { labels: TEST_LABELS });
    const info = (await docker.getNetwork(net.id).inspect()) as {
      Internal: boolean;
      EnableIPv6: boolean;
      Labels: Record<string, string>;
      Name: string;
    };
    expect(info).toMatchObject({ Internal: true, EnableIPv6: false, Name: net.name });
    expect(info.Labels).toMatchObject({ 'paddock.session': sessionId, 'paddock.test': '1' });
    // A host process can bind the gateway address (the bridge is still DOWN: no container yet).
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, net?.gateway, () => resolve());
    });
    expect((server.address() as { address: string }).address).toBe(net.gateway);
    server.close();
    expect((await listSessionNetworks(docker)).map((n) => n.sessionId)).toContain(sessionId);
  });

  it('a second network for the same session is refused with what to do', async () => {
    await expect(createSessionNetwork(docker, sessionId, { labels: TEST_LABELS })).rejects.toThrow(
      /docker network rm paddock-egress-net-/,
    );
  });

  it('remove() removes it and is idempotent', async () => {
    if (!net) throw new Error('no network from the first test');
    await net.remove();
    await net.remove();
    await expect(docker.getNetwork(net.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    net = undefined;
  });
});

/** This test's own `paddock:` INPUT rules (real iptables; the comments carry the session id). */
function rulesOf(session: string): string[] {
  return execFileSync('iptables', ['-S', 'INPUT'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(`session=${session};`));
}
const noEvents = { emit: () => {} };
const OUT = new URL('../../out/node/engine/', import.meta.url);

describe('gateway firewall rules (real iptables; this process runs as root)', () => {
  it('after kill -9 of the process that installed them, the reaper deletes them; a live owner keeps its own', async () => {
    const dead = `fw-dead-${randomBytes(4).toString('hex')}`;
    const live = `fw-live-${randomBytes(4).toString('hex')}`;
    const n = await createSessionNetwork(docker, dead, { labels: TEST_LABELS });
    try {
      // An engine stand-in (the built module, as the CLI runs it) installs a session's rules and is then killed.
      const child = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { applyGatewayFirewall } = await import(${JSON.stringify(new URL('egress/gateway-firewall.js', OUT).href)});
           const { currentOwner } = await import(${JSON.stringify(new URL('sandbox/owner.js', OUT).href)});
           const fw = await applyGatewayFirewall({ bridge: ${JSON.stringify(n.bridge)}, gateway: ${JSON.stringify(n.gateway)}, proxyPort: 39999, sessionId: ${JSON.stringify(dead)}, owner: currentOwner() });
           console.log(fw.applied ? 'installed' : 'not installed: ' + fw.reason);
           setInterval(() => {}, 1000);`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise((r) => child.once('exit', r));
      const said = await new Promise<string>((r) =>
        child.stdout.once('data', (d: Buffer) => r(d.toString().trim())),
      );
      expect(said).toBe('installed');
      const mine = await applyGatewayFirewall({
        bridge: n.bridge,
        gateway: n.gateway,
        proxyPort: 39998,
        sessionId: live,
        owner: {
          pid: process.pid,
          start: (await import('../../electron/engine/sandbox/owner.js')).currentOwner().start,
        },
      });
      try {
        expect(mine.applied).toBe(true);
        expect(rulesOf(dead)).toHaveLength(3);
        child.kill('SIGKILL');
        await exited;
        expect(rulesOf(dead)).toHaveLength(3); // nothing cleaned up after a kill -9
        // The reaper as reapOrphans runs it, limited to this test's two sessions (other jobs share this host).
        const self = currentOwner();
        const removed = await reapGatewayFirewall({
          ownerAlive: (o) => ownerAlive({ host: self.host, ...o }, self),
          scope: (r) => r.sessionId === dead || r.sessionId === live,
        });
        expect(
          removed.map((r) => r.sessionId),
          removed.map((r) => r.spec.join(' ')).join('\n'),
        ).toEqual([dead, dead, dead]);
        expect(rulesOf(dead)).toEqual([]);
        expect(rulesOf(live)).toHaveLength(3); // its owner (this process) is alive and its bridge exists
      } finally {
        await mine.remove();
      }
      expect(rulesOf(live)).toEqual([]);
    } finally {
      await n.remove();
    }
  });
});

describe('without the host firewall (not root, simulated by the capability check)', () => {
  const opts = { rules: [], defaultDecision: 'deny' as const, decider: null, firewallCapable: () => false };

  it('an egress session does not start (fail closed), says why and what to do, and leaves nothing behind', async () => {
    const id = `fw-refuse-${randomBytes(4).toString('hex')}`;
    const err = await openSessionEgress(docker, id, noEvents, opts, () => {}).then(
      () => null,
      (e: unknown) => e as { code?: string; message: string },
    );
    expect(err?.code).toBe('EGRESS_UNFIREWALLED');
    expect(err?.message).toMatch(/host firewall .* could not be installed \(.*CAP_NET_ADMIN.*\)/);
    expect(err?.message).toContain('PADDOCK_EGRESS_UNFIREWALLED=1');
    expect((await listSessionNetworks(docker)).map((x) => x.sessionId)).not.toContain(id);
  });

  it('with the opt-in it starts, without rules, and warns naming the exposure', async () => {
    const id = `fw-optin-${randomBytes(4).toString('hex')}`;
    const eg = await openSessionEgress(
      docker,
      id,
      noEvents,
      { ...opts, allowUnfirewalledGateway: true },
      () => {},
    );
    try {
      expect(eg.firewall).toBe(false);
      expect(eg.warnings.join('\n')).toMatch(
        /^WARNING: host firewall not applied \(.*CAP_NET_ADMIN.*\); PADDOCK_EGRESS_UNFIREWALLED=1 accepted that the sandbox can reach host services/,
      );
      expect(rulesOf(id)).toEqual([]);
    } finally {
      await eg.close();
    }
  });

  it('as root (the real check), the session gets its rules, and close() removes them', async () => {
    const id = `fw-root-${randomBytes(4).toString('hex')}`;
    const eg = await openSessionEgress(
      docker,
      id,
      noEvents,
      { ...opts, firewallCapable: undefined },
      () => {},
    );
    try {
      expect(eg.firewall).toBe(true);
      expect(eg.warnings).toEqual([]);
      expect(rulesOf(id)).toHaveLength(3);
      expect(rulesOf(id).join('\n')).toContain(`owner=${process.pid}/`);
    } finally {
      await eg.close();
    }
    expect(rulesOf(id)).toEqual([]);
    expect((await listSessionNetworks(docker)).map((x) => x.sessionId)).not.toContain(id);
  });
});
