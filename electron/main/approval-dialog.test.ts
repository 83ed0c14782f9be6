import { describe, expect, it } from 'vitest';
import type { ApprovalPrompt } from './approval-dialog.js';
import { ApprovalDialogs, SCOPE_BUTTONS, approvalDialogOptions, scopeForResponse } from './approval-dialog.js';
import { createFakeElectron } from './fake-electron.test-helper.js';

const command: ApprovalPrompt = {
  id: 'a1',
  sessionId: '20260101-120000-abcdef',
  agent: 'claude',
  repo: '/home/dev/project',
  reason: 'installs packages from the network',
  rule: 'npm-install (default-policy.yaml:40:5)',
  action: { kind: 'command', argv: ['npm', 'install', 'left pad'], commandLine: 'npm install "left pad"' },
};

describe('native approval dialogs', () => {
  it('each button maps to its approval scope', async () => {
    const expected = ['once', 'session', '1h', 'always-project', 'deny'];
    for (let i = 0; i < expected.length; i++) {
      const fake = createFakeElectron({ dialogResponses: [i] });
      const d = new ApprovalDialogs(fake.electron, () => true);
      await expect(d.ask(command)).resolves.toBe(expected[i]);
      expect((fake.dialogCalls[0] as { buttons: string[] }).buttons[i]).toBe(SCOPE_BUTTONS[i]!.label);
    }
    expect(scopeForResponse(99)).toBe('deny');
  });

  it('shows the agent, the repo, the parsed command and why; Deny is the default and Escape', () => {
    const o = approvalDialogOptions(command);
    expect(o.message).toBe('claude wants to run: npm install "left pad"');
    expect(o.detail).toContain('Repository: /home/dev/project');
    expect(o.detail).toContain('Why Paddock asks: installs packages from the network');
    expect(o.buttons).toEqual(['Allow once', 'Allow for this session', 'Allow for 1 hour', 'Always allow in this project', 'Deny']);
    expect(o.defaultId).toBe(4);
    expect(o.cancelId).toBe(4);
    const net = approvalDialogOptions({ ...command, action: { kind: 'network', host: 'registry.npmjs.org', port: 443, method: 'CONNECT' } });
    expect(net.message).toBe('claude wants to connect to registry.npmjs.org:443 (CONNECT)');
  });

  it('is parented to no window, queues requests one at a time, notifies when the app is not focused', async () => {
    const fake = createFakeElectron({ dialogResponses: [1, 4] });
    const pending: number[] = [];
    const d = new ApprovalDialogs(fake.electron, () => false, (n) => pending.push(n));
    const a = d.ask(command);
    const b = d.ask({ ...command, id: 'a2' });
    expect(d.pending).toBe(2);
    await expect(a).resolves.toBe('session');
    await expect(b).resolves.toBe('deny');
    expect(fake.dialogCalls).toHaveLength(2);
    expect(fake.notifications).toHaveLength(2);
    expect(fake.notifications[0]!.body).toContain('npm install');
    await Promise.resolve();
    expect(pending).toEqual([1, 2, 1, 0]);
  });
});
