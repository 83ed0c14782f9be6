import { createInterface } from 'node:readline';
import type { ApprovalDecider, ApprovalRequest } from './approval-decider.js';

/**
 * The simplest approver: a y/N prompt on a terminal, one question at a time (later requests
 * wait their turn). An aborted request (timeout, client gone) is withdrawn from the queue, or
 * its open prompt is marked as expired. Anything but y/yes is a no.
 */
export function terminalDecider(io: {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}): ApprovalDecider & { close(): void } {
  const rl = createInterface({ input: io.input, terminal: false });
  const lines: string[] = [];
  let waiter: ((line: string | null) => void) | null = null;
  let closed = false;
  rl.on('line', (l) => {
    if (waiter) {
      const w = waiter;
      waiter = null;
      w(l);
    } else lines.push(l);
  });
  rl.on('close', () => {
    closed = true;
    waiter?.(null);
  });
  let chain: Promise<unknown> = Promise.resolve();

  const nextLine = (signal: AbortSignal) =>
    new Promise<string | null>((resolve) => {
      const queued = lines.shift();
      if (queued !== undefined) return resolve(queued);
      if (closed) return resolve(null);
      const onAbort = () => {
        waiter = null;
        resolve(null);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiter = (l) => {
        signal.removeEventListener('abort', onAbort);
        resolve(l);
      };
    });

  const ask = async (r: ApprovalRequest, signal: AbortSignal): Promise<'allow' | 'deny'> => {
    if (signal.aborted) return 'deny';
    const dest = r.host.includes(':') ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`;
    io.output.write(`\nPaddock: the agent wants ${r.method} ${dest} (${r.rule}). Allow? [y/N] `);
    const line = await nextLine(signal);
    if (line === null) {
      io.output.write(signal.aborted ? '(expired: denied)\n' : '(no answer: denied)\n');
      return 'deny';
    }
    return /^\s*y(es)?\s*$/i.test(line) ? 'allow' : 'deny';
  };

  return {
    decide(r, signal) {
      const turn = chain.then(() => ask(r, signal));
      chain = turn.catch(() => undefined);
      return turn;
    },
    close: () => rl.close(),
  };
}
