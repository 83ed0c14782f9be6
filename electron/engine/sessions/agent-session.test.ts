import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ttyApprovalProvider } from '../approvals/tty-provider.js';
import type { SandboxContainer } from '../sandbox/sandbox-container.js';
import { agentCommand, gatedSandbox } from './agent-session.js';

describe('agent session helpers', () => {
  it('keystrokes go to an open approval question first, else to the sandbox', async () => {
    const stream = new PassThrough();
    let got = '';
    stream.on('data', (c: Buffer) => (got += c.toString()));
    let resized = false;
    const fake = { stream, id: 'c1', resize: () => ((resized = true), Promise.resolve()) } as unknown as SandboxContainer;
    const screen = { write: () => true } as unknown as NodeJS.WritableStream;
    const tty = ttyApprovalProvider({ output: screen, user: 'u' });
    const gated = gatedSandbox(fake, tty);
    gated.stream.write(Buffer.from('ls\r'));
    const subject = { kind: 'command' as const, command: 'x', cwd: '/w', parts: [] };
    const answer = tty.ask({ id: '1', sessionId: 's', agent: 'claude', repo: '/r', subject, rule: 'r', why: 'w', createdAt: 0, expiresAt: Date.now() + 1000 }, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 5));
    gated.stream.write(Buffer.from('\x03'));
    expect((await answer).choice).toBe('deny');
    gated.stream.write(Buffer.from('pwd\r'));
    await new Promise((r) => setTimeout(r, 5));
    expect(got).toBe('ls\rpwd\r');
    await gated.resize(80, 24);
    expect(resized).toBe(true);
    expect(gated.id).toBe('c1');
  });

  it('Claude runs in dontAsk mode with the policy model and args, never a bypass flag', () => {
    const policy = { agents: { default: 'claude', allowed: [], settings: { claude: { model: 'opus', args: ['--verbose'] } } } } as never;
    expect(agentCommand('claude', policy, ['-p', 'hi'])).toEqual(['claude', '--permission-mode', 'dontAsk', '--model', 'opus', '--verbose', '-p', 'hi']);
    expect(agentCommand('gemini', policy, [])).toEqual(['gemini']);
  });
});
