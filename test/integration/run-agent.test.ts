import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, summary, tempHome } from '../helpers/paddock-cli.js';
import { startScriptedModel } from './agent-scripted-model.js';

// `paddock run --agent claude` end to end: the real Claude Code CLI in its agent layer, every
// tool call judged by the gate, unattended (--approvals deny). The model is a scripted endpoint
// on loopback, reached through the egress proxy's credential broker; nothing leaves the machine.
const home = tempHome();
let repo: string;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-run-agent-'));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  for (const p of [repo, join(repo, 'README.md')]) chownSync(p, 1000, 1000);
});
afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  home.cleanup();
});

describe('paddock run --agent claude', () => {
  it('runs allowed commands, blocks forbidden ones with the reason, denies asks unattended, and records it all', async () => {
    const allowed = 'echo allowed-ran > allowed.txt && cat allowed.txt';
    const forbidden = 'git push --force origin main';
    const asks = `node -e "require('fs').writeFileSync('asked.txt','x')"`;
    const model = await startScriptedModel([allowed, forbidden, asks]);
    try {
      const live = startCli(
        ['run', '--repo', repo, '--no-tty', '--json', '--agent', 'claude', '--approvals', 'deny', '--credential', 'anthropic', '--', '-p', 'Run the steps.', '--output-format', 'text'],
        { PADDOCK_HOME: home.home, ANTHROPIC_API_KEY: 'host-only-test-key', ANTHROPIC_BASE_URL: model.url },
      );
      await live.exit;
      const s = summary(live.stderr());
      expect(s.exitCode).toBe(0);
      // Allowed: ran in the sandbox, its file is on the host.
      expect(readFileSync(join(repo, 'allowed.txt'), 'utf8')).toBe('allowed-ran\n');
      // Forbidden: never ran; the model was told why.
      const blocked = model.results.find((r) => r.command === forbidden);
      expect(blocked?.isError).toBe(true);
      expect(blocked?.content).toMatch(/force|forbid|Paddock/i);
      // Ask, unattended: denied, never ran.
      expect(existsSync(join(repo, 'asked.txt'))).toBe(false);
      expect(model.results.find((r) => r.command === asks)?.isError).toBe(true);
      // The key the model API received is the host's, never seen by the sandbox's environment.
      const journal = readFileSync(join(home.home, 'sessions', s.session, 'journal.jsonl'), 'utf8');
      expect(journal).not.toContain('host-only-test-key');
      for (const kind of ['tool.request', 'policy.decision', 'approval.request', 'approval.answer']) expect(journal).toContain(`"kind":"${kind}"`);
    } finally {
      await model.close();
    }
  });
});
