// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandEntry, NetworkEntry } from '../../../electron/contract/index.js';
import { fakeSession } from '../api/fake-api.js';
import { renderWithFake } from '../test-kit.js';
import { LiveScreen } from './live-screen.js';

afterEach(cleanup);

const running = () => fakeSession({ id: 's-live', state: 'running', attached: true, exitCode: null, endReason: null, endedAt: null, durationMs: null, journaled: true, agent: 'claude' });

function net(over: Partial<NetworkEntry>): NetworkEntry {
  return { seq: 1, time: Date.UTC(2026, 0, 1, 12), decision: 'allow', asked: false, selfCheck: false, protocol: 'connect', method: 'CONNECT', host: 'registry.npmjs.org', port: 443, rule: 'rule #1 (preset:npm): allow registry.npmjs.org port 443', reason: 'rule', bytesUp: 2048, bytesDown: 1_500_000, durationMs: 120, ...over };
}

function cmd(over: Partial<CommandEntry>): CommandEntry {
  return { seq: 1, time: Date.UTC(2026, 0, 1, 12), command: 'npm test', decision: 'allow', policy: 'allow', rule: 'test-runners (default:12)', justification: 'test runners are allowed', by: null, outcome: 'ok', output: 'all 12 tests passed', ...over };
}

async function openTab(name: string) {
  const user = userEvent.setup();
  await user.click(await screen.findByRole('tab', { name }));
  return user;
}

describe('Live session side panels', () => {
  it('network: every decision with host:port, method, rule and bytes; filters by decision; updates on activity', async () => {
    const r = renderWithFake(<LiveScreen id="s-live" />, {
      sessions: [running()],
      arm: (f) =>
        f.network.set('s-live', [
          net({ seq: 1 }),
          net({ seq: 2, decision: 'deny', method: 'GET', host: 'evil.example', port: 80, rule: 'session default', reason: 'default', bytesUp: 0, bytesDown: 0 }),
          net({ seq: 3, decision: 'allow', asked: true, host: 'api.example.com', reason: 'approved', rule: 'rule #4 (user): ask api.example.com' }),
        ]),
    });
    const user = await openTab('Network');
    const list = await screen.findByRole('list', { name: 'Network requests' });
    const rows = within(list).getAllByRole('listitem');
    expect(rows).toHaveLength(3);
    expect(rows[0]).toHaveTextContent('allowed');
    expect(rows[0]).toHaveTextContent('asked');
    expect(rows[0]).toHaveTextContent('api.example.com:443');
    expect(rows[1]).toHaveTextContent('denied');
    expect(rows[1]).toHaveTextContent('GET');
    expect(rows[1]).toHaveTextContent('evil.example:80');
    expect(rows[1]).toHaveTextContent('session default');
    expect(rows[2]).toHaveTextContent('registry.npmjs.org:443');
    expect(rows[2]).toHaveTextContent('↑2.0 KB ↓1.4 MB');
    expect(rows[2]).toHaveTextContent('preset:npm');

    await user.click(screen.getByRole('button', { name: /^Denied/ }));
    expect(screen.getByRole('button', { name: /^Denied/ })).toHaveAttribute('aria-pressed', 'true');
    expect(within(screen.getByRole('list', { name: 'Network requests' })).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByRole('list', { name: 'Network requests' })).toHaveTextContent('evil.example:80');
    await user.click(screen.getByRole('button', { name: /^Asked/ }));
    expect(screen.getByRole('list', { name: 'Network requests' })).toHaveTextContent('api.example.com');

    // A new decision: the activity event invalidates, the panel re-queries.
    r.fake.network.get('s-live')!.push(net({ seq: 9, decision: 'deny', host: 'pastebin.example', asked: true, reason: 'ask timed out' }));
    act(() => r.fake.emit('sessions.activity', { id: 's-live', kind: 'network.decision', time: 2, summary: 'network deny' }));
    await waitFor(() => expect(screen.getByRole('list', { name: 'Network requests' })).toHaveTextContent('pastebin.example'));
    expect(screen.getByRole('button', { name: /^Asked/ })).toHaveTextContent('2');
  });

  it('network: says so when there is nothing, and renders agent-controlled names as text', async () => {
    const r = renderWithFake(<LiveScreen id="s-live" />, { sessions: [running()] });
    await openTab('Network');
    expect(await screen.findByText('No network requests yet.')).toBeInTheDocument();
    r.fake.network.set('s-live', [net({ host: '<img src=x onerror=alert(1)>', decision: 'deny' })]);
    act(() => r.fake.emit('sessions.activity', { id: 's-live', kind: 'network.decision', time: 2, summary: '' }));
    const list = await screen.findByRole('list', { name: 'Network requests' });
    expect(list).toHaveTextContent('<img src=x onerror=alert(1)>');
    expect(list.querySelector('img')).toBeNull();
  });

  it("network: the proxy's start-up self-check shows under All, marked, and is not counted as the sandbox's", async () => {
    renderWithFake(<LiveScreen id="s-live" />, {
      sessions: [running()],
      arm: (f) => f.network.set('s-live', [net({ seq: 1, selfCheck: true, decision: 'deny', method: 'CONNECT', host: '172.30.0.1', port: 41234, rule: 'session default' })]),
    });
    const user = await openTab('Network');
    const list = await screen.findByRole('list', { name: 'Network requests' });
    expect(list).toHaveTextContent('self-check');
    expect(list).toHaveTextContent('The proxy refused to connect to itself');
    expect(screen.getByRole('button', { name: /^Denied/ })).toHaveTextContent('0');
    await user.click(screen.getByRole('button', { name: /^Denied/ }));
    expect(screen.getByText('No denied requests.')).toBeInTheDocument();
  });

  it('commands: decision, rule, who answered an ask, the outcome and output', async () => {
    renderWithFake(<LiveScreen id="s-live" />, {
      sessions: [running()],
      arm: (f) =>
        f.commands.set('s-live', [
          cmd({ seq: 1 }),
          cmd({ seq: 2, command: 'git push --force', decision: 'deny', policy: 'forbid', rule: 'git-push-force (managed:9)', justification: 'force-pushing rewrites shared history', outcome: null, output: null }),
          cmd({ seq: 3, command: 'curl -X POST api.example.com', decision: 'allow', policy: 'ask', by: 'dev (desktop dialog)', outcome: 'failed', output: 'exit 7' }),
        ]),
    });
    const user = await openTab('Commands');
    const rows = within(await screen.findByRole('list', { name: 'Commands' })).getAllByRole('listitem');
    expect(rows[0]).toHaveTextContent('curl -X POST api.example.com');
    expect(rows[0]).toHaveTextContent('asked');
    expect(rows[0]).toHaveTextContent('answered by dev (desktop dialog)');
    expect(rows[0]).toHaveTextContent('failed');
    expect(rows[1]).toHaveTextContent('forbidden');
    expect(rows[1]).toHaveTextContent('rule git-push-force (managed:9)');
    expect(rows[1]).toHaveTextContent('force-pushing rewrites shared history');
    expect(rows[2]).toHaveTextContent('ran ok');
    await user.click(within(rows[2]!).getByText('Output'));
    expect(within(rows[2]!).getByText('all 12 tests passed')).toBeVisible();
  });

  it('commands: a plain command session says nothing goes through the gate', async () => {
    renderWithFake(<LiveScreen id="s-live" />, { sessions: [{ ...running(), agent: 'command' }] });
    await openTab('Commands');
    expect(await screen.findByText(/runs a plain command, not an agent/)).toBeInTheDocument();
  });

  it('files: the changed files, refreshed on activity, and the diff of the one selected', async () => {
    const r = renderWithFake(<LiveScreen id="s-live" />, {
      sessions: [running()],
      arm: (f) => {
        f.files.set('s-live', { basis: 'git', since: '0123456789abcdef0123456789abcdef01234567', live: true, paths: [{ path: 'src/app.ts', status: 'M' }], note: null });
        f.diffs.set('s-live:src/app.ts', 'diff --git a/src/app.ts b/src/app.ts\n--- a/src/app.ts\n+++ b/src/app.ts\n@@ -1,2 +1,2 @@\n-const a = 1;\n+const a = 2;\n export { a };\n');
        f.diffs.set('s-live:notes.md', 'diff --git a/notes.md b/notes.md\nnew file mode 100644\n+++ b/notes.md\n@@ -0,0 +1 @@\n+hello\n');
      },
    });
    const user = await openTab('Files');
    expect(await screen.findByText('Since commit 0123456789 · live')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /src\/app\.ts/ }));
    const diff = await screen.findByRole('figure', { name: 'Diff of src/app.ts' });
    expect(diff).toHaveTextContent('+const a = 2;');
    expect(within(diff).getByText('+const a = 2;')).toHaveClass('d-add');
    expect(within(diff).getByText('-const a = 1;')).toHaveClass('d-del');
    expect(r.fake.calls).toContainEqual(['sessions.fileDiff', { id: 's-live', path: 'src/app.ts' }]);

    r.fake.files.get('s-live')!.paths.push({ path: 'notes.md', status: '?' });
    act(() => r.fake.emit('sessions.activity', { id: 's-live', kind: 'tool.result', time: 3, summary: '' }));
    await user.click(await screen.findByRole('button', { name: /notes\.md/ }));
    expect(await screen.findByRole('figure', { name: 'Diff of notes.md' })).toHaveTextContent('+hello');
    expect(screen.queryByRole('figure', { name: 'Diff of src/app.ts' })).toBeNull();
  });

  it('files: an error from the engine shows with its code', async () => {
    renderWithFake(<LiveScreen id="s-live" />, { sessions: [running()], arm: (f) => f.failNext('sessions.files', 'INTERNAL', 'git is not installed on this machine') });
    await openTab('Files');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('INTERNAL');
    expect(alert).toHaveTextContent('git is not installed');
  });

  it('tabs are keyboard navigable', async () => {
    renderWithFake(<LiveScreen id="s-live" />, { sessions: [running()] });
    const user = userEvent.setup();
    const events = await screen.findByRole('tab', { name: 'Events' });
    expect(events).toHaveAttribute('aria-selected', 'true');
    events.focus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Network' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tab', { name: 'Network' })).toHaveFocus();
    await user.keyboard('{End}');
    expect(screen.getByRole('tab', { name: 'Files' })).toHaveAttribute('aria-selected', 'true');
    expect(screen.getByRole('tabpanel')).toHaveAttribute('aria-labelledby', 'tab-files');
  });

  it('pauses and resumes the session; the state shows paused', async () => {
    const user = userEvent.setup();
    const r = renderWithFake(<LiveScreen id="s-live" />, { sessions: [running()] });
    await user.click(await screen.findByRole('button', { name: 'Pause' }));
    expect(r.fake.calls).toContainEqual(['sessions.pause', { id: 's-live' }]);
    expect(await screen.findByText('Paused', { selector: '.badge' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Pending approvals still time out');
    expect(screen.getByRole('button', { name: 'Stop' })).toBeEnabled();
    await user.click(screen.getByRole('button', { name: 'Resume' }));
    expect(r.fake.calls).toContainEqual(['sessions.resume', { id: 's-live' }]);
    expect(await screen.findByRole('button', { name: 'Pause' })).toBeInTheDocument();
    expect(await screen.findByText('Running', { selector: '.badge' })).toBeInTheDocument();
  });

  it('shows why a pause failed', async () => {
    const user = userEvent.setup();
    renderWithFake(<LiveScreen id="s-live" />, { sessions: [running()], arm: (f) => f.failNext('sessions.pause', 'CONTAINER_FAILED', 'could not pause session s-live: the engine does not support pause') });
    await user.click(await screen.findByRole('button', { name: 'Pause' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('CONTAINER_FAILED: could not pause session s-live');
  });
});
