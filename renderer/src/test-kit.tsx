// Component-test helpers: the in-memory fake client and a text-only terminal (jsdom has no canvas).
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createApiClient } from '../../electron/contract/index.js';
import type { Approval, Session } from '../../electron/contract/index.js';
import { ClientContext } from './api/client-context.js';
import type { FakeApi } from './api/fake-api.js';
import { createFakeApi } from './api/fake-api.js';
import type { TerminalFactory, TerminalLike } from './components/terminal-view.js';
import { TerminalFactoryContext } from './components/terminal-view.js';

export interface FakeTerminal extends TerminalLike {
  written: string[];
  resets: number;
  size: { cols: number; rows: number };
  type(data: string): void;
}

export function renderWithFake(ui: ReactElement, init: { sessions?: Session[]; approvals?: Approval[]; arm?: (fake: FakeApi) => void } = {}) {
  const fake = createFakeApi(init);
  init.arm?.(fake);
  const client = createApiClient(fake.transport);
  const terminals: FakeTerminal[] = [];
  const factory: TerminalFactory = (el) => {
    const listeners = new Set<(d: string) => void>();
    const t: FakeTerminal = {
      written: [],
      resets: 0,
      size: { cols: 80, rows: 24 },
      write(d) {
        t.written.push(d);
        el.textContent = t.written.join('');
      },
      reset() {
        t.resets += 1;
        t.written = [];
        el.textContent = '';
      },
      resize(cols, rows) {
        t.size = { cols, rows };
      },
      onData(l) {
        listeners.add(l);
        return { dispose: () => listeners.delete(l) };
      },
      fit: () => t.size,
      focus() {},
      dispose() {},
      type(d) {
        listeners.forEach((l) => l(d));
      },
    };
    terminals.push(t);
    return t;
  };
  const result = render(
    <ClientContext.Provider value={client}>
      <TerminalFactoryContext.Provider value={factory}>{ui}</TerminalFactoryContext.Provider>
    </ClientContext.Provider>,
  );
  return { ...result, fake, client, terminals };
}
