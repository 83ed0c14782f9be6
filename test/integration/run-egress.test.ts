import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, runCli, startCli, startTestInternet, summary, tempHome } from '../helpers/paddock-cli.js';

// `paddock run` with egress: the only way out is Paddock's proxy. "The internet" is a container
// this test starts on an internal network it creates; nothing else is contacted.
const home = tempHome();
const env = { PADDOCK_HOME: home.home };
let repo: string;
let internet: { ip: string; close: () => void };
let ip: string;

const SERVER = `require('http').createServer((q, s) => s.end('hello from the test internet ' + q.url + (q.headers['x-api-key'] ? ' key=' + q.headers['x-api-key'] : ''))).listen(8080, () => console.log('up'))`;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-egr-'));
  internet = startTestInternet('internet', SERVER);
  ip = internet.ip;
});
afterAll(() => {
  internet.close();
  rmSync(repo, { recursive: true, force: true });
  home.cleanup();
});

function leftoverNetworks(sessionId: string): string {
  return docker(['network', 'ls', '-q', '--filter', `label=paddock.session=${sessionId}`]);
}

describe('paddock run with egress', () => {
  it('reaches an allowed destination through the proxy, logs the decision, and cleans up its network', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '-v', '--allow', `${ip}:8080`, '--cmd', `curl -sS --max-time 10 http://${ip}:8080/allowed; echo; env | grep -c '^HTTP_PROXY='`], env);
    expect(r.stdout).toContain('hello from the test internet /allowed');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('1');
    expect(r.stderr).toMatch(new RegExp(`ALLOW .*${ip.replaceAll('.', '\\.')}`));
    const s = summary(r.stderr);
    expect(s.exitCode).toBe(0);
    expect(leftoverNetworks(s.session)).toBe('');
    const journal = readFileSync(join(home.home, 'sessions', s.session, 'journal.jsonl'), 'utf8');
    expect(journal).toMatch(/"kind":"network.decision".*"decision":"allow"/);
  });

  it('denies what no rule allows, with a 403 that says how to allow it', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--allow', 'registry.npmjs.org', '--cmd', `curl -sS --max-time 10 -w ' status=%{http_code}' http://${ip}:8080/denied`], env);
    expect(r.stdout).toMatch(/status=403/);
    expect(r.stdout).toMatch(/allow/i);
    expect(r.stdout).not.toContain('hello from the test internet');
  });

  it('has no way around the proxy: direct connections and DNS fail', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--allow', `${ip}:8080`, '--cmd', `curl -sS --max-time 5 --noproxy '*' http://${ip}:8080/direct; echo "direct=$?"; getent hosts example.test; echo "dns=$?"; cat /proc/sys/net/ipv6/conf/all/disable_ipv6`], env);
    expect(r.stdout).not.toContain('hello from the test internet');
    expect(r.stdout).toMatch(/direct=[1-9]/);
    expect(r.stdout).toMatch(/dns=[1-9]/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('1');
  });

  it('--credential: the upstream gets the real key, the sandbox only a placeholder and a base URL', () => {
    const secret = `real-secret-${process.pid}`;
    const r = runCli(
      ['run', '--repo', repo, '--no-tty', '--credential', 'anthropic', '--cmd', 'curl -sS --max-time 10 "$ANTHROPIC_BASE_URL/v1/messages"; echo; echo "key=$ANTHROPIC_API_KEY"; cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n" | grep -c real-secret; grep -rs real-secret /tmp /home /workspace /opt | wc -l'],
      { ...env, ANTHROPIC_API_KEY: secret, ANTHROPIC_BASE_URL: `http://${ip}:8080` },
    );
    const [reply, key, inProc, inFiles] = r.stdout.trim().split('\n');
    expect(reply).toBe(`hello from the test internet /v1/messages key=${secret}`);
    expect(key).toMatch(/^key=\S+$/);
    expect(key).not.toContain(secret);
    expect(inProc).toBe('0');
    expect(inFiles).toBe('0');
  });

  it('a policy change mid-session applies at once: a new project deny rule cuts an allowed host', async () => {
    const live = startCli(
      ['run', '--repo', repo, '--no-tty', '--json', '-v', '--allow', `${ip}:8080`, '--cmd', `while :; do echo "status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://${ip}:8080/loop)"; sleep 0.2; done`],
      env,
    );
    await live.waitFor(/status=200/);
    writeFileSync(join(repo, '.paddock', 'policy.yaml'), `version: 1\nnetwork:\n  rules:\n    - { host: "${ip}", port: 8080, decision: deny }\n`);
    await live.waitFor(/status=403/);
    await live.waitFor(/policy reloaded/);
    live.child.kill('SIGINT');
    await live.exit;
    const journal = readFileSync(join(home.home, 'sessions', summary(live.stderr()).session, 'journal.jsonl'), 'utf8');
    expect(journal).toMatch(/"kind":"policy.reloaded","data":\{[^}]*"ok":true/);
    rmSync(join(repo, '.paddock', 'policy.yaml'));
  });

  it('without --allow the sandbox has no network at all', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--cmd', 'ls /sys/class/net; env | grep -ci proxy'], env);
    expect(r.stdout.trim().split('\n')).toEqual(['lo', '0']);
  });
});
