import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsRefuser, type DnsRefuser } from '../../electron/engine/egress/dns-refuser.js';
import { mapResolver } from '../../electron/engine/egress/egress-judge.js';
import { startEgressProxy, type EgressProxyHandle } from '../../electron/engine/egress/egress-proxy.js';
import { CollectingSink } from '../../electron/engine/egress/egress-test-kit.test-helper.js';
import type { NetworkRule } from '../../electron/engine/egress/network-rules.js';
import { createSessionNetwork, type SessionNetwork } from '../../electron/engine/egress/session-network.js';
import { applyGatewayFirewall } from '../../electron/engine/egress/gateway-firewall.js';
import { createServer } from 'node:net';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { ensureDefaultImage } from '../../electron/engine/sandbox/image-builder.js';
import { TEST_LABELS, containerIp, execIn, prepareInternetFiles } from './egress-kit.js';

// The attack battery, from inside a sandbox container on an --internal session network whose
// only reachable peer is the proxy on the gateway. "The internet" is a container on another
// --internal network this test creates; the proxy (on the host) reaches it over that bridge.
const SECRET = `sk-ant-REAL-${randomBytes(12).toString('hex')}`;
const tag = randomBytes(4).toString('hex');
const sessionId = `egress-it-${tag}`;
let docker: Docker;
let dir: string;
let inetNetId: string;
let inetName: string;
let inetIp: string;
let internet: Docker.Container;
let sandbox: Docker.Container;
let net: SessionNetwork;
let proxy: EgressProxyHandle;
let dns: DnsRefuser | null;
const sink = new CollectingSink();
let rules: NetworkRule[];

const sh = (cmd: string) => execIn(docker, sandbox, cmd);
const denials = () => sink.decisions().filter((e) => e.decision === 'deny');

function hostGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let b = '';
      res.on('data', (d: Buffer) => (b += d.toString()));
      res.on('end', () => resolve(b));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  ({ docker } = await connectEngine());
  const image = (await ensureDefaultImage(docker)).tag;
  dir = mkdtempSync(join(tmpdir(), 'paddock-egress-it-'));
  chmodSync(dir, 0o755);
  prepareInternetFiles(dir);

  inetName = `paddock-test-inet-${tag}`;
  inetNetId = (await docker.createNetwork({ Name: inetName, Internal: true, Labels: TEST_LABELS })).id;
  internet = await docker.createContainer({
    Image: image,
    Cmd: ['node', '/srv/server.mjs'],
    User: '0',
    Env: [`EXPECTED_KEY=${SECRET}`],
    Labels: TEST_LABELS,
    HostConfig: { NetworkMode: inetName, Binds: [`${dir}:/srv:ro`] },
  });
  await internet.start();
  inetIp = await containerIp(docker, internet.id, inetName);
  for (let i = 0; i < 100; i++) {
    const ok = await hostGet(`http://${inetIp}:8080/hello`).catch(() => '');
    if (ok.includes('hello')) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  net = await createSessionNetwork(docker, sessionId, { labels: TEST_LABELS });
  rules = [
    { host: 'allowed.test', ports: [8080, 8443], decision: 'allow' },
    { host: '*.allowed.test', ports: [8080, 8443], decision: 'allow' },
    { host: 'bücher.test', ports: [8080], decision: 'allow' },
    { host: 'registry.test', ports: [8080], decision: 'allow' },
    { host: 'loop.test', ports: [8080], decision: 'allow' },
    { host: 'gw.test', ports: [8080], decision: 'allow' },
    { host: 'v6.test', ports: [8080], decision: 'allow' },
    // The test internet lives on a private Docker subnet: name its exact address so the proxy may dial it.
    { host: inetIp, ports: [8080, 8443], decision: 'allow' },
  ];
  const atInternet = [
    'allowed.test',
    'www.allowed.test',
    'evil-allowed.test',
    'other.test',
    'registry.test',
    'xn--bcher-kva.test',
    'api.test',
  ];
  proxy = await startEgressProxy({
    sessionId,
    listenHost: net.gateway,
    rules,
    defaultDecision: 'deny',
    decider: null,
    events: sink,
    resolver: mapResolver({
      ...Object.fromEntries(atInternet.map((h) => [h, inetIp])),
      'loop.test': '127.0.0.1',
      'gw.test': net.gateway,
      'v6.test': `::ffff:${inetIp}`,
    }),
    credentials: [{ provider: 'anthropic', secret: SECRET, upstream: 'http://api.test:8080' }],
  });
  dns = await startDnsRefuser({ sessionId, listenHost: net.gateway, events: sink });

  sandbox = await docker.createContainer({
    Image: image,
    Cmd: ['sleep', 'infinity'],
    User: '1000:1000',
    Env: Object.entries(proxy.sandboxEnv()).map(([k, v]) => `${k}=${v}`),
    Labels: TEST_LABELS,
    HostConfig: {
      NetworkMode: net.name,
      Dns: [net.gateway],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv4.ping_group_range': '1 0' },
    },
  });
  await sandbox.start();
});

afterAll(async () => {
  for (const c of [sandbox, internet]) await c?.remove({ force: true }).catch(() => {});
  await proxy?.close();
  await dns?.close();
  await net?.remove();
  if (inetNetId)
    await docker
      .getNetwork(inetNetId)
      .remove()
      .catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('egress from inside the sandbox', () => {
  it('reaches an allowed host over HTTP and HTTPS (CONNECT, SNI matching)', async () => {
    const r = await sh(
      'curl -sS -m 10 http://allowed.test:8080/hello && echo && curl -sS -k -m 10 https://allowed.test:8443/hello',
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('hello from the test internet allowed.test:8080');
    expect(r.stdout).toContain('hello from the test internet allowed.test:8443');
    const evs = await sink.waitFor(2);
    expect(
      evs.some(
        (e) =>
          e.protocol === 'connect' && e.host === 'allowed.test' && e.decision === 'allow' && e.bytesDown > 0,
      ),
    ).toBe(true);
  });

  it('cannot bypass the proxy: direct connects and a cleared proxy env go nowhere', async () => {
    const direct = await sh(
      `curl --noproxy '*' -sS -m 4 http://${inetIp}:8080/hello; echo "rc=$?"; timeout 4 bash -c 'echo > /dev/tcp/${inetIp}/8080' && echo TCP-OPEN || echo tcp-blocked`,
    );
    expect(direct.stdout).not.toContain('hello from');
    expect(direct.stdout).toMatch(/rc=(7|28)/);
    expect(direct.stdout).toContain('tcp-blocked');
    const noEnv = await sh(
      'env -u http_proxy -u HTTP_PROXY -u https_proxy -u HTTPS_PROXY -u all_proxy -u ALL_PROXY curl -sS -m 4 http://allowed.test:8080/hello; echo "rc=$?"',
    );
    expect(noEnv.stdout).toContain('rc=6'); // could not resolve host: there is no resolver for outside names
  });

  it('has no DNS for outside names: the only DNS server is the gateway, which refuses and logs', async () => {
    const r = await sh(
      'getent hosts paddock-exfil-probe.invalid; echo "rc=$?"; getent hosts allowed.test; echo "rc=$?"; cat /etc/resolv.conf',
    );
    expect(r.stdout).toContain('rc=2\n');
    expect(r.stdout).not.toMatch(/^\d+\.\d+\.\d+\.\d+\s/m);
    if (dns) {
      const evs = await sink.waitFor(1);
      expect(
        evs.some(
          (e) => e.protocol === 'dns' && e.host === 'paddock-exfil-probe.invalid' && e.decision === 'deny',
        ),
      ).toBe(true);
    }
  });

  it('has no IPv6, and IPv4-embedded IPv6 destinations are refused by the proxy', async () => {
    const r = await sh(
      `cat /proc/net/if_inet6 2>/dev/null | wc -l; curl -sS -m 5 -p -o /dev/null 'http://[::ffff:${inetIp}]:8080/hello'; echo " rc=$?"; curl -s -m 5 http://v6.test:8080/hello`,
    );
    expect(r.stdout.split('\n')[0]?.trim()).toBe('0');
    expect(r.stderr).toContain('403');
    expect(r.stdout).toContain(`v6.test resolved to ::ffff:`);
    expect(denials().some((e) => e.host === 'v6.test' && e.reason === 'ipv4-embedded address')).toBe(true);
  });

  it('refuses CONNECT to a port no rule allows, with a 403 before the tunnel', async () => {
    const r = await sh('curl -sS -k -m 5 https://allowed.test:8444/; echo "rc=$?"');
    expect(r.stderr).toContain('403');
    expect(r.stdout).toContain('rc=56');
    expect(
      denials().some((e) => e.host === 'allowed.test' && e.port === 8444 && e.reason === 'default'),
    ).toBe(true);
  });

  it('cuts a tunnel whose TLS SNI does not match the CONNECT host', async () => {
    const script = `
      const net = require('net'), tls = require('tls');
      const [h, p] = [process.env.HTTPS_PROXY.split('//')[1].split(':')[0], +process.env.HTTPS_PROXY.split(':')[2]];
      const s = net.connect(p, h, () => s.write('CONNECT allowed.test:8443 HTTP/1.1\\r\\nHost: allowed.test:8443\\r\\n\\r\\n'));
      s.once('data', (d) => {
        console.log(String(d).split('\\r\\n')[0]);
        const t = tls.connect({ socket: s, servername: 'other.test', rejectUnauthorized: false }, () => console.log('TLS-UP'));
        t.on('error', (e) => console.log('tls-error', e.code || e.message));
        t.on('close', () => console.log('closed'));
      });`;
    const r = await sh(`node -e "${script.replace(/"/g, '\\"')}"`);
    expect(r.stdout).toContain('HTTP/1.1 200');
    expect(r.stdout).not.toContain('TLS-UP');
    expect(r.stdout).toMatch(/tls-error|closed/);
    expect((await sink.waitFor(1)).some((e) => e.reason === 'sni mismatch' && e.decision === 'deny')).toBe(
      true,
    );
  });

  it('refuses allowed names that resolve to loopback or private addresses', async () => {
    const r = await sh(`for h in loop.test gw.test; do curl -s -m 5 http://$h:8080/hello; echo; done`);
    expect(r.stdout).toMatch(/loop\.test resolved to 127\.0\.0\.1, a loopback address/);
    expect(r.stdout).toMatch(
      new RegExp(`gw\\.test resolved to ${net.gateway.replace(/\./g, '\\.')}, a private-range address`),
    );
    expect(r.stdout).not.toContain('hello from');
  });

  it('judges a redirect target on its own', async () => {
    const r = await sh(
      `curl -s -L -m 5 -o /dev/null -w '%{http_code} %{num_redirects}' http://allowed.test:8080/redirect`,
    );
    expect(r.stdout).toBe('403 1');
    expect(denials().some((e) => e.host === 'other.test' && e.reason === 'default')).toBe(true);
  });

  it('normalises hosts: look-alike denied; case, trailing dot and punycode matched', async () => {
    const code = async (url: string) =>
      (await sh(`curl -s -m 5 -o /dev/null -w '%{http_code}' '${url}'`)).stdout;
    expect(await code('http://evil-allowed.test:8080/hello')).toBe('403');
    expect(await code('http://WWW.ALLOWED.TEST:8080/hello')).toBe('200');
    expect(await code('http://www.allowed.test.:8080/hello')).toBe('200');
    expect(await code('http://xn--bcher-kva.test:8080/hello')).toBe('200');
    expect(await code('http://allowed.test.evil-allowed.test:8080/hello')).toBe('403');
  });

  it("refuses the proxy's own address, even when a rule names it (after a live reload)", async () => {
    await proxy.reload([...rules, { host: net.gateway, ports: [proxy.port], decision: 'allow' }]);
    const r = await sh(
      `curl -s -m 5 -o /dev/null -w '%{http_code}' http://${net.gateway}:${proxy.port}/; echo; curl -sS -m 5 -p --noproxy '' -x ${proxy.url} http://${net.gateway}:${proxy.port}/ 2>&1; echo "rc=$?"`,
    );
    expect(r.stdout.split('\n')[0]).toBe('400'); // direct (NO_PROXY): not a proxied request
    expect(r.stdout).toContain('CONNECT tunnel failed, response 403');
    expect(denials().some((e) => e.protocol === 'connect' && e.reason === 'proxy itself')).toBe(true);
    await proxy.reload(rules);
    expect(proxy.accepting).toBe(true);
  });

  it('has no raw sockets, no ICMP sockets and no capabilities', async () => {
    const r = await sh(
      `grep CapEff /proc/self/status; perl -MSocket -e 'socket(my $s, PF_INET, SOCK_RAW, 1) or print "raw: $!\\n"; socket(my $d, PF_INET, SOCK_DGRAM, 1) or print "icmp: $!\\n"'`,
    );
    expect(r.stdout).toMatch(/CapEff:\s+0000000000000000/);
    expect(r.stdout).toMatch(/raw: Operation not permitted/);
    expect(r.stdout).toMatch(/icmp: Permission denied/);
  });

  it('sees only a placeholder key; the broker injects the real one on the way out', async () => {
    const r = await sh(
      `echo "key=$ANTHROPIC_API_KEY"; grep -rsl -- '${SECRET.replace(/^s/, '[s]')}' /proc/[0-9]*/environ /proc/[0-9]*/cmdline /etc /home /tmp 2>/dev/null | wc -l; curl -sS -m 10 -H "x-api-key: $ANTHROPIC_API_KEY" "$ANTHROPIC_BASE_URL/v1/messages" -d '{}'`,
    );
    expect(r.stdout).toContain('key=paddock-placeholder-anthropic');
    expect(r.stdout).toContain('\n0\n');
    expect(r.stdout).toContain('authorized');
    expect(r.stdout).not.toContain('unauthorized');
    expect(r.stdout).not.toContain(SECRET);
    const env = (await sandbox.inspect()).Config.Env.join('\n');
    expect(env).not.toContain(SECRET);
  });

  it('speaks SOCKS5 under the same rules', async () => {
    const r = await sh(
      `curl -sS -m 5 -x "$ALL_PROXY" http://allowed.test:8080/hello; echo; curl -sS -m 5 -x "$ALL_PROXY" http://evil-allowed.test:8080/hello; echo "rc=$?"`,
    );
    expect(r.stdout).toContain('hello from the test internet allowed.test:8080');
    expect(r.stdout).toContain('rc=97');
    expect(denials().some((e) => e.protocol === 'socks5' && e.host === 'evil-allowed.test')).toBe(true);
  });

  it('clones a git repository over http through the proxy', async () => {
    const r = await sh(
      'cd /tmp && rm -rf repo && git clone -q http://allowed.test:8080/repo.git repo && cat repo/README.md',
    );
    expect(r.stdout).toBe('cloned through the paddock proxy\n');
  });

  it('installs an npm package from a registry-like test host through the proxy', async () => {
    const r = await sh(
      'mkdir -p /tmp/npmt && cd /tmp/npmt && npm install --no-audit --no-fund --no-update-notifier --registry http://registry.test:8080/ paddock-demo >/dev/null 2>/tmp/npm.err; echo "rc=$?"; node -e "console.log(require(\'paddock-demo\'))" 2>&1; tail -3 /tmp/npm.err',
    );
    expect(r.stdout).toContain('rc=0');
    expect(r.stdout).toContain('installed through the paddock proxy');
  });

  it('with CAP_NET_ADMIN, the gateway firewall leaves only the proxy and DNS reachable on the host', async () => {
    // A host service on the gateway address (ours): the gap ADR 0003 describes.
    const service = createServer((c) => c.end('host-service\n'));
    await new Promise<void>((r) => service.listen(0, net.gateway, r));
    const port = (service.address() as { port: number }).port;
    const probe = `timeout 4 bash -c 'cat < /dev/tcp/${net.gateway}/${port}' 2>/dev/null || echo blocked; curl -s -m 5 http://allowed.test:8080/hello`;
    try {
      const before = await sh(probe);
      expect(before.stdout).toContain('host-service');
      const fw = await applyGatewayFirewall({
        bridge: net.bridge,
        gateway: net.gateway,
        proxyPort: proxy.port,
      });
      expect(fw.reason ?? 'applied').toBe('applied');
      try {
        const after = await sh(probe + '; getent hosts fw-probe.invalid; echo "dns-rc=$?"');
        expect(after.stdout).toContain('blocked');
        expect(after.stdout).not.toContain('host-service');
        expect(after.stdout).toContain('hello from the test internet');
        expect(after.stdout).toContain('dns-rc=2');
      } finally {
        await fw.remove();
      }
    } finally {
      service.close();
    }
  });

  it('logged every decision with its rule, and every denial reached the journal sink', () => {
    const all = sink.decisions();
    expect(all.length).toBeGreaterThan(10);
    for (const e of all) {
      expect(e.rule).toBeTruthy();
      expect(['allow', 'deny']).toContain(e.decision);
      expect(e.client).toMatch(new RegExp(`^${net.subnet.split('.').slice(0, 2).join('\\.')}\\.`));
    }
  });
});
