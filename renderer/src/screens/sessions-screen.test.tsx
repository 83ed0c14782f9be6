// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeSession } from '../api/fake-api.js';
import { renderWithFake } from '../test-kit.js';
import { SessionsScreen } from './sessions-screen.js';

afterEach(() => {
  cleanup();
  location.hash = '';
});

describe('Sessions screen', () => {
  it('says there are no sessions yet', async () => {
    renderWithFake(<SessionsScreen />);
    expect(await screen.findByText('No sessions yet')).toBeInTheDocument();
  });

  it('lists sessions with state, command, repo and the right action', async () => {
    renderWithFake(<SessionsScreen />, {
      sessions: [
        fakeSession({ id: 'live-1', state: 'running', attached: true, exitCode: null, endReason: null, durationMs: null, counts: null }),
        fakeSession({ id: 'old-1', command: ['sh', '-c', 'npm run build'], exitCode: 2, counts: { approvals: 7, denials: 4 } }),
      ],
    });
    const rows = await screen.findAllByTestId('session-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('Running')).toBeInTheDocument();
    expect(within(rows[0]!).getByRole('link', { name: 'Open' })).toHaveAttribute('href', '#/live/live-1');
    expect(within(rows[1]!).getByText('npm run build')).toBeInTheDocument();
    expect(within(rows[1]!).getByRole('link', { name: 'Replay' })).toHaveAttribute('href', '#/replay/old-1');
    expect(within(rows[1]!).getByText('2')).toBeInTheDocument();
    // Approvals and denials: counted from the record; none without one.
    const headers = screen.getAllByRole('columnheader').map((h) => h.textContent);
    const col = (name: string) => headers.indexOf(name);
    expect(within(rows[1]!).getAllByRole('cell')[col('Approvals')]).toHaveTextContent('7');
    expect(within(rows[1]!).getAllByRole('cell')[col('Denials')]).toHaveTextContent('4');
    expect(within(rows[0]!).getAllByRole('cell')[col('Denials')]).toHaveTextContent('—');
  });

  it('shows the error with its code, and recovers on retry', async () => {
    const user = userEvent.setup();
    const { fake } = renderWithFake(<SessionsScreen />, { sessions: [fakeSession()], arm: (f) => f.failNext('sessions.list', 'INTERNAL', 'the sessions index is not valid JSON') });
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('INTERNAL');
    expect(alert).toHaveTextContent('the sessions index is not valid JSON');
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findAllByTestId('session-row')).toHaveLength(1);
    expect(fake.calls.filter(([n]) => n === 'sessions.list')).toHaveLength(2);
  });

  it('starts a session from the form and opens it', async () => {
    const user = userEvent.setup();
    const { fake } = renderWithFake(<SessionsScreen />);
    await user.click(await screen.findByRole('button', { name: 'New session' }));
    const form = screen.getByRole('form', { name: 'New session' });
    expect(within(form).getByRole('button', { name: 'Start session' })).toBeDisabled();
    await user.type(within(form).getByLabelText('Repository'), '/home/dev/project');
    await user.type(within(form).getByLabelText('Command'), 'npm test');
    await user.type(within(form).getByLabelText('Time limit (minutes)'), '2');
    await user.click(within(form).getByRole('button', { name: 'Start session' }));
    await waitFor(() => expect(location.hash).toMatch(/^#\/live\//));
    expect(fake.calls.find(([n]) => n === 'sessions.start')?.[1]).toEqual({ repo: '/home/dev/project', command: 'npm test', timeoutSeconds: 120, approvals: 'ask' });
  });

  it('shows what a starting session waits for (e.g. the first image build)', async () => {
    const user = userEvent.setup();
    let finish: () => void = () => {};
    const { fake } = renderWithFake(<SessionsScreen />, {
      arm: (f) => {
        const start = f.handlers['sessions.start'];
        f.handlers['sessions.start'] = (input) => new Promise((resolve) => (finish = () => resolve(start(input))));
      },
    });
    await user.click(await screen.findByRole('button', { name: 'New session' }));
    await user.type(screen.getByLabelText('Repository'), '/home/dev/project');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    expect(await screen.findByTestId('start-progress')).toHaveTextContent('Preparing the sandbox');
    act(() => fake.emit('engine.progress', { message: 'building image, step 2/5: packages', time: 1 }));
    expect(screen.getByTestId('start-progress')).toHaveTextContent('building image, step 2/5: packages');
    act(() => finish());
    await waitFor(() => expect(location.hash).toMatch(/^#\/live\//));
  });

  it('shows why a session could not start', async () => {
    const user = userEvent.setup();
    const { fake } = renderWithFake(<SessionsScreen />);
    fake.failNext('sessions.start', 'REPO_NOT_FOUND', '/nope does not exist; give the path of a repository on this machine');
    await user.click(await screen.findByRole('button', { name: 'New session' }));
    await user.type(screen.getByLabelText('Repository'), '/nope');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('REPO_NOT_FOUND');
    expect(alert).toHaveTextContent('/nope does not exist');
    expect(location.hash).toBe('');
  });
});
