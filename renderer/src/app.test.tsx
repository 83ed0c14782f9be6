// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, render, screen } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../../electron/contract/index.js';
import { createFakeApi } from './api/fake-api.js';
import { App } from './app.js';

afterEach(() => {
  cleanup();
  location.hash = '';
});

describe('App shell', () => {
  it('is ready, navigable by links, and marks the current page', async () => {
    const fake = createFakeApi();
    const { container } = render(<App client={createApiClient(fake.transport)} />);
    expect(container.querySelector('[data-app-state="ready"]')).not.toBeNull();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(screen.getByRole('link', { name: 'Sessions' })).toHaveAttribute('aria-current', 'page');
    expect(nav.querySelectorAll('a[href]')).toHaveLength(4);
    act(() => {
      location.hash = '#/settings';
      dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(await screen.findByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Settings' })).toHaveAttribute('aria-current', 'page');
  });

  it('is keyboard navigable in reading order', async () => {
    const user = userEvent.setup();
    render(<App client={createApiClient(createFakeApi().transport)} />);
    await screen.findByText('No sessions yet');
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      await user.tab();
      order.push(document.activeElement?.textContent ?? '');
    }
    expect(order).toEqual(['Skip to content', 'Sessions', 'Approvals', 'Policy', 'Settings', 'New session']);
    await user.keyboard('{Enter}');
    expect(screen.getByRole('form', { name: 'New session' })).toBeInTheDocument();
    await user.tab();
    expect(document.activeElement).toBe(screen.getByLabelText('Repository'));
  });

  it('says when the engine connection drops', () => {
    const fake = createFakeApi();
    const statusListeners = new Set<(s: 'open' | 'connecting' | 'closed') => void>();
    const push = (s: 'open' | 'connecting' | 'closed') => statusListeners.forEach((l) => l(s));
    const transport = { ...fake.transport, onStatus: (l: (s: 'open' | 'connecting' | 'closed') => void) => (statusListeners.add(l), () => void statusListeners.delete(l)) };
    const { container } = render(<App client={createApiClient(transport)} />);
    act(() => push('connecting'));
    expect(container.querySelector('[data-app-state="connecting"]')).not.toBeNull();
    expect(screen.getByRole('alert')).toHaveTextContent('connection to the Paddock engine dropped');
  });
});
