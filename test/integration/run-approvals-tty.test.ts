import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startCli, tempHome } from '../helpers/paddock-cli.js';
import type { LiveCli } from '../helpers/paddock-cli.js';
import { startScriptedModel } from './agent-scripted-model.js';

// The terminal approval prompt of `paddock run --agent claude`, driven for real: the CLI runs
// under a pseudo-terminal (util-linux `script`), so stdin and stdout are terminals and approvals
// default to the prompt; the test reads the screen and types the answers. The real Claude Code
// CLI asks for each command through its PreToolUse hook; the model is a scripted endpoint on
// loopback. No timed assertions: waits are for text on the screen, timeouts only guard failures.
const q = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

/** `paddock <args>` under a fresh pty; keystrokes written to the returned child's stdin reach the CLI's terminal. */
function startInPty(args: string[], env: NodeJS.ProcessEnv): LiveCli {
  // -q quiet, -f flush each write, -e exit with the child's code, -c the command; no typescript file.
  return startCli([], { ...env, TERM: 'xterm', COLUMNS: '200', LINES: '50' }, ['script', '-qfec', [process.execPath, CLI, ...args].map(q).join(' '), '/dev/null']);
}

/** Wait until `text` has appeared on the screen `n` times. */
const nth = (live: LiveCli, text: string, n: number, ms = 240_000) =>
  live.waitFor(new RegExp(`(?:${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\\s\\S]*){${n}}`), ms);

const home = tempHome('paddock-tty-home-');
const homeShort = tempHome('paddock-tty-home2-');
let repo: string;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-run-tty-'));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  for (const p of [repo, join(repo, 'README.md')]) chownSync(p, 1000, 1000);
  // A second Paddock home whose policy times approvals out after 2 s, for the timeout case.
  writeFileSync(join(homeShort.home, 'policy.yaml'), 'version: 1\napprovals:\n  timeout_seconds: 2\n');
});
afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  home.cleanup();
  homeShort.cleanup();
});

const runArgs = ['run', '--repo', '', '--json', '--agent', 'claude', '--credential', 'anthropic', '--', '-p', 'Run the steps.', '--output-format', 'text'];
const args = () => runArgs.map((a) => (a === '' ? repo : a));

describe('paddock run: the terminal approval prompt under a real pty', () => {
  it('shows the question; "o" runs the command once; "d" + a reason denies and the agent reads the reason', async () => {
    const once = `node -e "require('fs').writeFileSync('tty-once.txt','ran')"`;
    const denied = `node -e "require('fs').writeFileSync('tty-denied.txt','x')"`;
    const model = await startScriptedModel([once, denied]);
    let live: LiveCli | null = null;
    try {
      live = startInPty(args(), { PADDOCK_HOME: home.home, ANTHROPIC_API_KEY: 'host-only-test-key', ANTHROPIC_BASE_URL: model.url });
      // First question: the command as the agent gave it, the rule, and the keys.
      await nth(live, 'Paddock: approval needed', 1);
      await live.waitFor(/\[o\] allow once/, 10_000);
      expect(live.stdout()).toContain("writeFileSync('tty-once.txt','ran')");
      expect(live.stdout()).toMatch(/rule: commands\.default/);
      live.child.stdin!.write('o');
      await live.waitFor(/allowed \(allow-once\)/, 60_000);

      // Second question: deny, then a reason for the agent, Enter.
      await nth(live, 'Paddock: approval needed', 2);
      live.child.stdin!.write('d');
      await live.waitFor(/reason for the agent/, 60_000);
      live.child.stdin!.write('use make build instead\r');
      const code = await live.exit;

      const screen = live.stdout();
      expect(code).toBe(0);
      expect(screen).toMatch(/\bdenied\b/);
      // Allow once: it ran in the sandbox; its file is on the host.
      expect(readFileSync(join(repo, 'tty-once.txt'), 'utf8')).toBe('ran');
      expect(model.results.find((r) => r.command === once)?.isError).toBe(false);
      // Deny with a reason: it never ran, and the agent was told the reason verbatim.
      expect(existsSync(join(repo, 'tty-denied.txt'))).toBe(false);
      const told = model.results.find((r) => r.command === denied);
      expect(told?.isError).toBe(true);
      expect(told?.content).toContain('use make build instead');
      // The journal records who answered on the terminal.
      const session = /"session":"([^"]+)"/.exec(screen)?.[1];
      expect(session).toBeTruthy();
      const answers = readFileSync(join(home.home, 'sessions', session!, 'journal.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"kind":"approval.answer"'))
        .map((l) => (JSON.parse(l) as { data: { choice: string; by: string; decision: string } }).data);
      expect(answers.map((a) => [a.choice, a.decision])).toEqual([
        ['allow-once', 'allow'],
        ['deny', 'deny'],
      ]);
      for (const a of answers) expect(a.by).toMatch(/^tty:/);
    } finally {
      if (live && live.child.exitCode === null) live.child.kill('SIGTERM');
      await model.close();
    }
  });

  it('an unanswered question is denied when the policy timeout passes, and the agent is told why', async () => {
    const asks = `node -e "require('fs').writeFileSync('tty-timeout.txt','x')"`;
    const model = await startScriptedModel([asks]);
    let live: LiveCli | null = null;
    try {
      live = startInPty(args(), { PADDOCK_HOME: homeShort.home, ANTHROPIC_API_KEY: 'host-only-test-key', ANTHROPIC_BASE_URL: model.url });
      await nth(live, 'Paddock: approval needed', 1);
      // Nobody types: the broker's timeout (2 s in this home's policy) answers deny.
      await live.waitFor(/\(expired: denied\)/, 120_000);
      const code = await live.exit;
      expect(code).toBe(0);
      expect(existsSync(join(repo, 'tty-timeout.txt'))).toBe(false);
      const told = model.results.find((r) => r.command === asks);
      expect(told?.isError).toBe(true);
      expect(told?.content).toMatch(/nobody answered within 2 second\(s\), so it was denied/);
    } finally {
      if (live && live.child.exitCode === null) live.child.kill('SIGTERM');
      await model.close();
    }
  });
});
