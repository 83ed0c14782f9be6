// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeSession } from '../api/fake-api.js';
import { renderWithFake } from '../test-kit.js';
import { LiveScreen } from './live-screen.js';

afterEach(cleanup);

const running = () => fakeSession({ id: 's-live', state: 'running', attached: true, exitCode: null, endReason: null, endedAt: null, durationMs: null, journaled: true });

describe('Live session screen', () => {
  it('paints the backlog, then live output in order, each batch once', async () => {
    const r = renderWithFake(<LiveScreen id="s-live" />, {
      sessions: [running()],
      arm: (f) => {
        const output = f.handlers['sessions.output'];
        f.handlers['sessions.output'] = async (input) => {
          // Output that arrives while the backlog is on its way: batch 2 is in the backlog, 3 is not.
          f.emit('terminal.data', { id: 's-live', data: 'two ', seq: 2 });
          f.emit('terminal.data', { id: 's-live', data: 'three ', seq: 3 });
          f.emit('terminal.data', { id: 'other', data: 'NOT MINE', seq: 9 });
          return { ...(await output(input)), data: 'one two ', seq: 2 };
        };
      },
    });
    await waitFor(() => expect(r.terminals[0]?.written.join('')).toBe('one two three '));
    act(() => r.fake.emit('terminal.data', { id: 's-live', data: 'four', seq: 4 }));
    act(() => r.fake.emit('terminal.data', { id: 's-live', data: 'four', seq: 4 }));
    expect(r.terminals[0]!.written.join('')).toBe('one two three four');
    expect(screen.getByRole('region', { name: 'Session terminal' })).toHaveTextContent('one two three four');
  });

  it('repaints from the backlog after the connection comes back (batches sent meanwhile were missed)', async () => {
    let backlog = { data: 'one ', seq: 1 };
    const r = renderWithFake(<LiveScreen id="s-live" />, {
      sessions: [running()],
      arm: (f) => {
        f.handlers['sessions.output'] = () => Promise.resolve({ ...backlog, attached: true });
      },
    });
    await waitFor(() => expect(r.terminals[0]?.written.join('')).toBe('one '));
    act(() => r.fake.setStatus('connecting'));
    backlog = { data: 'one two three ', seq: 3 }; // "two " and "three " were sent while disconnected
    act(() => r.fake.setStatus('open'));
    await waitFor(() => expect(r.terminals[0]!.written.join('')).toBe('one two three '));
    expect(r.terminals[0]!.resets).toBe(1);
    act(() => r.fake.emit('terminal.data', { id: 's-live', data: 'three ', seq: 3 }));
    act(() => r.fake.emit('terminal.data', { id: 's-live', data: 'four', seq: 4 }));
    expect(r.terminals[0]!.written.join('')).toBe('one two three four');
  });

  it('sends what is typed and the terminal size to the session', async () => {
    const r = renderWithFake(<LiveScreen id="s-live" />, { sessions: [running()] });
    await waitFor(() => expect(r.terminals).toHaveLength(1));
    r.terminals[0]!.type('ls\r');
    await waitFor(() => expect(r.fake.calls).toContainEqual(['sessions.input', { id: 's-live', data: 'ls\r' }]));
    await waitFor(() => expect(r.fake.calls).toContainEqual(['sessions.resize', { id: 's-live', cols: 80, rows: 24 }]));
  });

  it('stops the session, and shows activity as plain text', async () => {
    const user = userEvent.setup();
    const r = renderWithFake(<LiveScreen id="s-live" />, { sessions: [running()] });
    await screen.findByRole('region', { name: 'Session terminal' });
    await screen.findByText('ended: exit 0 (exited)'); // the journal's events are in: the feed is subscribed
    act(() => r.fake.emit('sessions.activity', { id: 's-live', kind: 'network.decision', time: 1, summary: 'network deny GET <img src=x onerror=alert(1)>:443 (rule)' }));
    const feed = await screen.findByTestId('events-feed');
    expect(feed).toHaveTextContent('network deny GET <img src=x onerror=alert(1)>:443');
    expect(feed.querySelector('img')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    expect(r.fake.calls).toContainEqual(['sessions.stop', { id: 's-live' }]);
    // sessions.changed → re-query → the session has ended: no Stop, a replay link instead.
    expect(await screen.findByRole('link', { name: 'Open replay' })).toHaveAttribute('href', '#/replay/s-live');
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull();
  });

  it('says when the session does not exist', async () => {
    renderWithFake(<LiveScreen id="nope" />);
    expect(await screen.findByRole('alert')).toHaveTextContent('SESSION_NOT_FOUND');
  });
});
