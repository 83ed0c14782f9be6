import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { createContext, useContext, useEffect, useRef } from 'react';

/** What the screens need from a terminal; component tests inject a text-only fake. */
export interface TerminalLike {
  write(data: string): void;
  reset(): void;
  resize(cols: number, rows: number): void;
  onData(listener: (data: string) => void): { dispose(): void };
  /** Fit to the container; returns the new size. */
  fit(): { cols: number; rows: number };
  focus(): void;
  dispose(): void;
}

export type TerminalFactory = (el: HTMLElement, opts: { readOnly: boolean }) => TerminalLike;

const dark = { background: '#0f1419', foreground: '#d8dee9', cursor: '#d8dee9', selectionBackground: '#3b4252' };
const light = { background: '#fbfbfc', foreground: '#1f2328', cursor: '#1f2328', selectionBackground: '#cfd8e3', black: '#1f2328', white: '#6e7781', brightWhite: '#8c959f' };

/** The real terminal: @xterm/xterm renders agent output as text (never HTML). */
export const xtermFactory: TerminalFactory = (el, { readOnly }) => {
  const prefersDark = globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false;
  const term = new Terminal({
    fontFamily: 'ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", Menlo, monospace',
    fontSize: 13,
    lineHeight: 1.15,
    cursorBlink: !readOnly,
    disableStdin: readOnly,
    scrollback: readOnly ? 0 : 5000,
    theme: prefersDark ? dark : light,
    allowProposedApi: false,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(el);
  return {
    write: (d) => term.write(d),
    reset: () => term.reset(),
    resize: (c, r) => term.resize(c, r),
    onData: (l) => term.onData(l),
    fit: () => {
      try {
        fit.fit();
      } catch {
        /* not laid out yet */
      }
      return { cols: term.cols, rows: term.rows };
    },
    focus: () => term.focus(),
    dispose: () => term.dispose(),
  };
};

export const TerminalFactoryContext = createContext<TerminalFactory>(xtermFactory);

export interface TerminalViewProps {
  label: string;
  readOnly?: boolean;
  /** Fit to the container and report size changes (live sessions); replay keeps the recorded size. */
  autoFit?: boolean;
  onReady: (term: TerminalLike) => void | (() => void);
  onData?: (data: string) => void;
  onResize?: (cols: number, rows: number) => void;
}

export function TerminalView({ label, readOnly = false, autoFit = true, onReady, onData, onResize }: TerminalViewProps) {
  const factory = useContext(TerminalFactoryContext);
  const el = useRef<HTMLDivElement>(null);
  const handlers = useRef({ onReady, onData, onResize });
  handlers.current = { onReady, onData, onResize };
  // Fixed at creation: a session that ends keeps its terminal (input is then ignored by the caller).
  const initialReadOnly = useRef(readOnly);
  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const term = factory(host, { readOnly: initialReadOnly.current });
    const cleanup = handlers.current.onReady(term);
    const sub = term.onData((d) => handlers.current.onData?.(d));
    let last = '';
    const refit = () => {
      if (!autoFit) return;
      const { cols, rows } = term.fit();
      const key = `${cols}x${rows}`;
      if (key !== last && cols > 1 && rows > 1) {
        last = key;
        handlers.current.onResize?.(cols, rows);
      }
    };
    refit();
    const ro = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => refit());
    ro?.observe(host);
    return () => {
      ro?.disconnect();
      sub.dispose();
      if (typeof cleanup === 'function') cleanup();
      term.dispose();
    };
  }, [factory, autoFit]);
  return <div ref={el} className="terminal" role="region" aria-label={label} data-testid="terminal" />;
}
