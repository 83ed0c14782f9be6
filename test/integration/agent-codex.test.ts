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
import { ensureAgentImage } from '../../electron/engine/sandbox/image-builder.js';
import { SessionEventBus } from '../../electron/engine/sessions/session-events.js';
import { SessionRunner } from '../../electron/engine/sessions/session-runner.js';

// The real Codex CLI (Paddock's agent layer) reads the rules Paddock generated from the policy:
// forbid prefixes are `forbidden` to Codex itself; the generated files cannot be edited.
let docker: Docker;
let home: string;
let repo: string;

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  home = mkdtempSync(join(tmpdir(), 'paddock-codex-home-'));
  repo = mkdtempSync(join(tmpdir(), 'paddock-codex-repo-'));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  if (process.getuid?.() === 0) chownSync(repo, 1000, 1000);
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

describe('Codex rules from the policy', () => {
  it('codex itself forbids the policy forbid prefixes; the generated config is read-only', async () => {
    const image = (await ensureAgentImage(docker, 'codex')).tag;
    const events = new SessionEventBus();
    const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
    const broker = new ApprovalBroker({ provider: fixedProvider('deny'), events });
    const runner = new SessionRunner({ docker, events, home });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const check = (cmd: string) => `codex execpolicy check --rules "$CODEX_HOME/rules/paddock.rules" ${cmd} 2>/dev/null; echo`;
    const script = [
      `echo "A:$(${check('git filter-branch --all')})"`,
      `echo "B:$(${check('gh auth token')})"`,
      `echo "C:$(${check('git status')})"`,
      `echo x >> "$CODEX_HOME/config.toml" 2>/dev/null && echo "D:writable" || echo "D:read-only"`,
      `echo x > "$CODEX_HOME/rules/mine.rules" 2>/dev/null && echo "E:writable" || echo "E:read-only"`,
      `echo x > /etc/codex/managed_config.toml 2>/dev/null && echo "F:writable" || echo "F:read-only"`,
      `grep -c pre-tool-use "$CODEX_HOME/hooks.json" | sed 's/^/G:/'`,
    ].join('\n');
    const session = await runner.start({
      repo,
      image,
      agent: 'codex',
      command: ['/bin/bash', '-c', script],
      tty: false,
      output: { stdout: out, stderr: out },
      egress: { rules: [], defaultDecision: 'deny', decider: null },
      extras: sessionGateExtras({ agent: 'codex', repo, policy: loaded.policy, broker, events, scratchDir: join(home, 'scratch') }),
    });
    session.sandbox.stream.end();
    await session.done;
    const line = (k: string) => text.split('\n').find((l) => l.startsWith(`${k}:`)) ?? `${k}: (missing) ${text}`;
    expect(JSON.parse(line('A').slice(2))).toMatchObject({ decision: 'forbidden' });
    expect(line('A')).toContain('git-history-destroy');
    expect(JSON.parse(line('B').slice(2))).toMatchObject({ decision: 'forbidden' });
    expect(JSON.parse(line('C').slice(2))).toEqual({ matchedRules: [] });
    expect(line('D')).toBe('D:read-only');
    expect(line('E')).toBe('E:read-only');
    expect(line('F')).toBe('F:read-only');
    expect(line('G')).toBe('G:1');
  });
});
