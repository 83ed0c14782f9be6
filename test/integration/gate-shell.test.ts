import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedProvider } from '../../electron/engine/approvals/approval-providers.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { agentDirs, runGatedAgent } from './agent-gate-kit.js';

// The shell gate for agents without hooks: `sh -c` / `bash -c` found through PATH are judged
// by the session's gate; the gate file mounted read-only wins over the environment.
let docker: Docker;
let dirs: ReturnType<typeof agentDirs>;

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  dirs = agentDirs('paddock-shellgate-');
});
afterAll(() => dirs.remove());

function runScript(script: string, unattended: 'allow' | 'deny') {
  // aider has no hooks: the shell gate applies. The top-level command is the user's (absolute
  // path: not judged); what it starts is.
  return runGatedAgent(docker, dirs, { agent: 'aider', command: ['/bin/bash', '-c', script], provider: fixedProvider(unattended) });
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
