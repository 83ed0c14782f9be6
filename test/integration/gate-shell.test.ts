import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalBroker } from '../../electron/engine/approvals/approval-broker.js';
import { fixedProvider } from '../../electron/engine/approvals/approval-providers.js';
import { sessionGateExtras } from '../../electron/engine/gate/session-gate.js';
import { loadEffectivePolicy } from '../../electron/engine/policy/index.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { resolveImage } from '../../electron/engine/sandbox/image-builder.js';
import { SessionEventBus } from '../../electron/engine/sessions/session-events.js';
import type { SessionEvent } from '../../electron/engine/sessions/session-events.js';
import { SessionRunner } from '../../electron/engine/sessions/session-runner.js';

// The shell gate for agents without hooks: `sh -c` / `bash -c` found through PATH are judged
// by the session's gate; the gate file mounted read-only wins over the environment.
let docker: Docker;
let home: string;
let repo: string;

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  home = mkdtempSync(join(tmpdir(), 'paddock-shellgate-home-'));
  repo = mkdtempSync(join(tmpdir(), 'paddock-shellgate-repo-'));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  if (process.getuid?.() === 0) chownSync(repo, 1000, 1000);
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

async function runScript(script: string, unattended: 'allow' | 'deny') {
  const events = new SessionEventBus();
  const seen: SessionEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
  const broker = new ApprovalBroker({ provider: fixedProvider(unattended), events });
  const runner = new SessionRunner({ docker, events, home });
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const session = await runner.start({
    repo,
    image: (await resolveImage(docker, undefined)).tag,
    agent: 'aider',
    // The top-level command is the user's (absolute path: not judged); what it starts is.
    command: ['/bin/bash', '-c', script],
    tty: false,
    output: { stdout: out, stderr: out },
    egress: { rules: [], defaultDecision: 'deny', decider: null },
    extras: sessionGateExtras({ agent: 'aider', repo, policy: loaded.policy, broker, events, scratchDir: join(home, 'scratch') }),
  });
  session.sandbox.stream.end();
  const result = await session.done;
  return { text, exit: result.exitCode, seen };
}

describe('shell gate', () => {
  it('judges sh -c and bash -c: allowed runs, forbidden exits 126 with the reason, asks follow the provider', async () => {
    const r = await runScript(
      [
        `sh -c 'echo fine'; echo "rc1=$?"`,
        `bash -c 'git push --force origin main'; echo "rc2=$?"`,
        `sh -e -c 'frobnicate'; echo "rc3=$?"`,
        `PADDOCK_GATE_URL=http://127.0.0.1:1 sh -c 'echo file-wins'; echo "rc4=$?"`,
        `/bin/sh -c 'echo absolute-path-is-not-judged'`,
      ].join('\n'),
      'deny',
    );
    expect(r.text).toMatch(/^fine$/m);
    expect(r.text).toContain('rc1=0');
    expect(r.text).toMatch(/paddock: denied: Paddock policy forbids `git push --force origin main`/);
    expect(r.text).toContain('rc2=126');
    expect(r.text).toMatch(/unattended/);
    expect(r.text).toContain('rc3=126');
    expect(r.text).toMatch(/^file-wins$/m);
    expect(r.text).toContain('rc4=0');
    expect(r.text).toContain('absolute-path-is-not-judged');
    const decisions = r.seen.filter((e) => e.kind === 'policy.decision').map((e) => (e.data as { command: string; decision: string }));
    expect(decisions.map((d) => [d.command, d.decision])).toEqual([
      ['echo fine', 'allow'],
      ['git push --force origin main', 'deny'],
      ['frobnicate', 'deny'],
      ['echo file-wins', 'allow'],
    ]);
  });

  it('--approvals allow: asks are allowed, forbid still forbids', async () => {
    const r = await runScript(`sh -c "node -e 'console.log(40+2)'"; echo "rc1=$?"; sh -c 'rm -rf /'; echo "rc2=$?"`, 'allow');
    expect(r.text).toMatch(/^42$/m);
    expect(r.text).toContain('rc1=0');
    expect(r.text).toContain('rc2=126');
    const decisions = r.seen.filter((e) => e.kind === 'policy.decision').map((e) => e.data as { policy: string; decision: string; by?: string });
    expect(decisions.map((d) => [d.policy, d.decision])).toEqual([
      ['ask', 'allow'],
      ['forbid', 'deny'],
    ]);
    expect(decisions[0]!.by).toMatch(/unattended/);
  });
});
