import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../sessions/session-events.js';
import { activitySummary } from './api-views.js';

const ev = (kind: string, data: Record<string, unknown>) => ({ sessionId: 's', kind, time: 0, data }) as unknown as SessionEvent;

describe('activitySummary: one readable line per gate event (no raw JSON)', () => {
  it('a shell command the agent wants to run, and a file tool', () => {
    expect(activitySummary(ev('tool.request', { agent: 'claude', tool: 'Bash', command: 'git push origin main', input: {}, cwd: '/workspace' }))).toBe('claude wants to run git push origin main');
    expect(activitySummary(ev('tool.request', { agent: 'codex', tool: 'Write', command: 'Write src/a.ts', input: {}, cwd: '/workspace' }))).toBe('codex wants Write src/a.ts');
  });

  it('the decision, with who answered an ask', () => {
    const d = { command: 'npm publish', decision: 'deny', policy: 'ask', rule: 'npm-publish (default-policy.yaml:40)', justification: '', part: null, by: 'web:alice', reason: '', durationMs: 3 };
    expect(activitySummary(ev('policy.decision', d))).toBe('denied (policy ask, answered by web:alice; npm-publish (default-policy.yaml:40)): npm publish');
    expect(activitySummary(ev('policy.decision', { ...d, decision: 'allow', policy: 'allow', by: undefined }))).toBe('allowed (policy allow; npm-publish (default-policy.yaml:40)): npm publish');
  });

  it('results and prompts; unknown kinds fall back to compact JSON', () => {
    expect(activitySummary(ev('tool.result', { agent: 'claude', tool: 'Bash', command: 'ls', ok: false, output: '' }))).toBe('failed: ls');
    expect(activitySummary(ev('user.prompt', { agent: 'claude', prompt: 'fix the test' }))).toBe('prompt: fix the test');
    expect(activitySummary(ev('something.new', { a: 1 }))).toBe('something.new {"a":1}');
  });
});
