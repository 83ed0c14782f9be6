// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { cleanup, screen, waitFor } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeSession } from '../api/fake-api.js';
import { renderWithFake } from '../test-kit.js';
import { ReplayScreen } from './replay-screen.js';

afterEach(cleanup);
beforeEach(() => {
  URL.createObjectURL = vi.fn(() => 'blob:fake');
  URL.revokeObjectURL = vi.fn();
});

describe('Replay screen', () => {
  it('opens at the end, and a timeline marker seeks to its screen', async () => {
    const user = userEvent.setup();
    const r = renderWithFake(<ReplayScreen id="s1" />, { sessions: [fakeSession({ id: 's1' })] });
    const markers = await screen.findAllByTestId('timeline-marker');
    expect(markers.map((m) => m.getAttribute('aria-label'))).toEqual(['created at +0:00.0', 'started at +0:00.2', 'ended at +0:04.0']);
    await waitFor(() => expect(r.terminals[0]!.written.join('')).toBe('$ npm test\r\nall tests passed'));
    await user.click(screen.getByRole('button', { name: 'started at +0:00.2' }));
    await waitFor(() => expect(r.terminals[0]!.written.join('')).toBe('$ npm test'));
    expect(r.fake.calls).toContainEqual(['replay.screenAt', { id: 's1', t: 1200 }]);
    expect(screen.getByTestId('replay-time')).toHaveTextContent('+0:00.2 / +0:04.0');
    expect(screen.getByLabelText('Position in the recording')).toHaveValue('1200');
  });

  it('searches the recording and jumps to a hit', async () => {
    const user = userEvent.setup();
    const r = renderWithFake(<ReplayScreen id="s1" />, { sessions: [fakeSession({ id: 's1' })] });
    await user.type(await screen.findByLabelText('Search the recording'), 'nothing');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByText('No matches.')).toBeInTheDocument();
    await user.clear(screen.getByLabelText('Search the recording'));
    await user.type(screen.getByLabelText('Search the recording'), 'passed');
    await user.click(screen.getByRole('button', { name: 'Search' }));
    const hits = await screen.findByRole('list', { name: 'Search results' });
    await user.click(hits.querySelector('button')!);
    expect(r.fake.calls).toContainEqual(['replay.screenAt', { id: 's1', t: 4000 }]);
  });

  it('exports the HTML report as a download', async () => {
    const user = userEvent.setup();
    const r = renderWithFake(<ReplayScreen id="s1" />, { sessions: [fakeSession({ id: 's1' })] });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    await user.click(await screen.findByRole('button', { name: 'Export HTML report' }));
    await waitFor(() => expect(click).toHaveBeenCalled());
    expect(r.fake.calls).toContainEqual(['export.session', { id: 's1', format: 'html' }]);
    const a = click.mock.contexts[0] as HTMLAnchorElement;
    expect(a.download).toBe('paddock-s1.html');
    click.mockRestore();
  });

  it('says when there is no recording', async () => {
    renderWithFake(<ReplayScreen id="missing" />);
    expect(await screen.findByRole('alert')).toHaveTextContent('SESSION_NOT_FOUND');
  });
});
