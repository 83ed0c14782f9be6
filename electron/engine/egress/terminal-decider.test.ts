import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ApprovalRequest } from './approval-decider.js';
import { askWithTimeout } from './approval-decider.js';
import { terminalDecider } from './terminal-decider.js';

const req = (host: string): ApprovalRequest => ({
  sessionId: 's',
  protocol: 'connect',
  method: 'CONNECT',
  host,
  port: 443,
  rule: 'session default',
});

describe('terminalDecider', () => {
  it('asks one question at a time and takes only y/yes as yes', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d: Buffer) => (shown += d.toString()));
    const d = terminalDecider({ input, output });
    const signal = new AbortController().signal;
    const a = d.decide(req('a.test'), signal);
    const b = d.decide(req('b.test'), signal);
    await new Promise((r) => setTimeout(r, 10));
    expect(shown).toContain('CONNECT a.test:443');
    expect(shown).not.toContain('b.test');
    input.write('yes\n');
    expect(await a).toBe('allow');
    input.write('sure\n');
    expect(await b).toBe('deny');
    d.close();
  });

  it('an expired ask is denied and says so', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (x: Buffer) => (shown += x.toString()));
    const d = terminalDecider({ input, output });
    const out = await askWithTimeout(d, req('slow.test'), 20);
    expect(out).toEqual({ decision: 'deny', reason: 'ask timed out' });
    await new Promise((r) => setTimeout(r, 5));
    expect(shown).toContain('(expired: denied)');
    d.close();
  });
});
