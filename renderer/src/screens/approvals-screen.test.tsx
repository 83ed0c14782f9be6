// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../../electron/contract/index.js';
import { createFakeApi, fakeApproval, fakeSession } from '../api/fake-api.js';
import { App } from '../app.js';
import { renderWithFake } from '../test-kit.js';
import { ApprovalsPanel } from './approvals-panel.js';
import { ApprovalsScreen } from './approvals-screen.js';
import { LiveScreen } from './live-screen.js';
import { NewSessionForm } from './new-session-form.js';

afterEach(() => {
  cleanup();
  location.hash = '';
});

const network = fakeApproval({
  id: 'appr-net',
  sessionId: 'sess-2',
  agent: 'claude',
  repo: '/home/dev/other',
  subject: { kind: 'network', method: 'CONNECT', host: 'registry.npmjs.org', port: 443, protocol: 'https' },
  rule: 'network.default',
  why: 'network rule: network.default',
});

describe('Approvals inbox', () => {
  it('says when nothing is waiting', async () => {
    renderWithFake(<ApprovalsScreen />);
    expect(await screen.findByText('Nothing is waiting for you')).toBeInTheDocument();
  });

  it('shows the error with its code and recovers on retry', async () => {
    const user = userEvent.setup();
    renderWithFake(<ApprovalsScreen />, {
      approvals: [fakeApproval()],
      arm: (f) => f.failNext('approvals.list', 'INTERNAL', 'the engine is gone'),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('the engine is gone');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('approval')).toBeInTheDocument();
  });

  it('lists every session’s requests with agent, repo, session, the parsed parts, why, rule and time left', async () => {
    renderWithFake(<ApprovalsScreen />, { approvals: [fakeApproval(), network] });
    const cards = await screen.findAllByTestId('approval');
    expect(cards).toHaveLength(2);
    const cmd = within(cards[0]!);
    expect(cmd.getByText('wants to run', { exact: false })).toBeInTheDocument();
    expect(cmd.getByText('npm install left-pad && git status')).toBeInTheDocument();
    const parts = within(cmd.getByRole('list', { name: 'Parts of the command' })).getAllByRole('listitem');
    expect(parts.map((p) => p.textContent)).toEqual([
      expect.stringMatching(/^ask npm install left-pad.*commands\.default/),
      expect.stringMatching(/^allow git status.*read-only-git/),
    ]);
    expect(cmd.getByText('no rule matches this command; the policy default applies')).toBeInTheDocument();
    expect(cmd.getByText('/home/dev/project')).toBeInTheDocument();
    expect(cmd.getByRole('link', { name: '20260101-120000-abcdef' })).toHaveAttribute(
      'href',
      '#/live/20260101-120000-abcdef',
    );
    expect(cmd.getByText(/denied automatically in/).parentElement).toHaveTextContent(/4:[34]\d/);
    const net = within(cards[1]!);
    expect(net.getByText('wants to connect to', { exact: false })).toBeInTheDocument();
    expect(net.getByText('CONNECT registry.npmjs.org:443')).toBeInTheDocument();
    expect(net.getByText('claude')).toBeInTheDocument();
    expect(screen.getByTestId('approvals-count')).toHaveTextContent('2 waiting');
  });

  it('answers with each of the five choices; a deny carries the reason; the answered request leaves the list', async () => {
    const user = userEvent.setup();
    const { fake } = renderWithFake(<ApprovalsScreen />, { approvals: [fakeApproval(), network] });
    const first = (await screen.findAllByTestId('approval'))[0]!;
    const labels = within(within(first).getByRole('group', { name: 'Answer' }))
      .getAllByRole('button')
      .map((b) => b.textContent);
    expect(labels).toEqual([
      'Allow once',
      'Allow for this session',
      'Allow for 1 hour',
      'Always in this project',
      'Deny',
    ]);
    await user.click(within(first).getByRole('button', { name: 'Allow for 1 hour' }));
    await waitFor(() => expect(screen.getAllByTestId('approval')).toHaveLength(1));
    const second = screen.getByTestId('approval');
    await user.type(within(second).getByLabelText(/Reason for the agent/), 'use the mirror');
    await user.click(within(second).getByRole('button', { name: 'Deny' }));
    expect(await screen.findByText('Nothing is waiting for you')).toBeInTheDocument();
    expect(fake.calls.filter(([n]) => n === 'approvals.answer').map(([, i]) => i)).toEqual([
      { id: 'appr-1', choice: 'allow-1h' },
      { id: 'appr-net', choice: 'deny', reason: 'use the mirror' },
    ]);
  });

  it('says so when the request expired before the answer arrived, and is keyboard operable', async () => {
    const user = userEvent.setup();
    renderWithFake(<ApprovalsScreen />, {
      approvals: [fakeApproval()],
      arm: (f) => f.failNext('approvals.answer', 'APPROVAL_EXPIRED', 'nobody answered in time'),
    });
    await screen.findByTestId('approval');
    // Tab from the session link through the reason field to the first answer.
    screen.getByRole('link', { name: '20260101-120000-abcdef' }).focus();
    await user.tab();
    expect(screen.getByLabelText(/Reason for the agent/)).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('button', { name: 'Allow once' })).toHaveFocus();
    await user.keyboard('{Enter}');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('APPROVAL_EXPIRED');
    expect(alert).toHaveTextContent('nobody answered in time');
    expect(screen.getByRole('button', { name: 'Allow once' })).toBeEnabled();
  });

  it('a request arriving while open shows up, and leaves when answered elsewhere', async () => {
    const { fake } = renderWithFake(<ApprovalsScreen />);
    await screen.findByText('Nothing is waiting for you');
    act(() => fake.ask(fakeApproval({ id: 'late' })));
    expect(await screen.findByTestId('approval')).toHaveAttribute('data-approval-id', 'late');
    await act(() => fake.handlers['approvals.answer']({ id: 'late', choice: 'allow-once' }));
    expect(await screen.findByText('Nothing is waiting for you')).toBeInTheDocument();
  });
});

describe('Approvals in the shell, the live screen and the new-session form', () => {
  it('the nav shows the pending count, which follows the engine', async () => {
    const fake = createFakeApi({ approvals: [fakeApproval(), network] });
    render(<App client={createApiClient(fake.transport)} />);
    expect(await screen.findByTestId('approvals-nav-count')).toHaveTextContent('2');
    expect(screen.getByRole('link', { name: /Approvals/ })).toHaveAttribute('href', '#/approvals');
    await act(() => fake.handlers['approvals.answer']({ id: 'appr-1', choice: 'deny' }));
    await waitFor(() => expect(screen.getByTestId('approvals-nav-count')).toHaveTextContent('1'));
    await act(() => fake.handlers['approvals.answer']({ id: 'appr-net', choice: 'deny' }));
    await waitFor(() => expect(screen.queryByTestId('approvals-nav-count')).toBeNull());
  });

  it('the live screen’s panel shows only this session’s requests, answerable inline', async () => {
    const user = userEvent.setup();
    const s = fakeSession({
      id: '20260101-120000-abcdef',
      state: 'running',
      attached: true,
      exitCode: null,
      endReason: null,
      endedAt: null,
      durationMs: null,
    });
    const { fake } = renderWithFake(<LiveScreen id={s.id} />, {
      sessions: [s],
      approvals: [fakeApproval(), network],
    });
    const panel = await screen.findByRole('complementary', { name: 'Pending approvals' });
    await waitFor(() => expect(within(panel).getAllByTestId('approval')).toHaveLength(1));
    expect(within(panel).getByText('1 waiting')).toBeInTheDocument();
    await user.click(within(panel).getByRole('button', { name: 'Allow for this session' }));
    expect(await within(panel).findByText(/Nothing waiting/)).toBeInTheDocument();
    expect(fake.calls.filter(([n]) => n === 'approvals.answer').map(([, i]) => i)).toEqual([
      { id: 'appr-1', choice: 'allow-session' },
    ]);
  });

  it('the panel alone: empty, then an error with retry', async () => {
    renderWithFake(<ApprovalsPanel sessionId="x" />, {
      arm: (f) => f.failNext('approvals.list', 'DISCONNECTED', 'no engine'),
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('no engine');
  });

  it('the new-session form sends the approval mode (ask by default)', async () => {
    const user = userEvent.setup();
    const started: string[] = [];
    const { fake } = renderWithFake(<NewSessionForm onStarted={(s) => started.push(s.id)} />);
    await user.type(screen.getByLabelText('Repository'), '/home/dev/project');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    await waitFor(() => expect(started).toHaveLength(1));
    await user.selectOptions(screen.getByLabelText('Approvals'), 'deny');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    await waitFor(() => expect(started).toHaveLength(2));
    expect(
      fake.calls
        .filter(([n]) => n === 'sessions.start')
        .map(([, i]) => (i as { approvals: string }).approvals),
    ).toEqual(['ask', 'deny']);
  });
});
