import { Writable } from 'node:stream';
import { subjectLine } from './approval-events.js';
import type { ApprovalAnswer, ApprovalChoice, ApprovalProvider, ApprovalRequest } from './approval-types.js';

/**
 * The terminal prompt for `paddock run`. It shares the terminal with a raw-mode sandbox
 * session, so while a question is open:
 * - the sandbox's output is held (`holdOutput` wraps stdout) and flushed after the answer, so
 *   the prompt is never torn by agent output;
 * - keystrokes go to the prompt instead of the sandbox: the terminal wiring calls `feed(chunk)`
 *   first and forwards the chunk only when it returns false.
 * Keys: o once · s session · h 1 hour · p always for this project · d deny (then a reason,
 * Enter to send, Esc to send none); Ctrl-C or Esc at the question denies. One question at a
 * time; later ones wait their turn.
 */
export interface TtyApprovalProvider extends ApprovalProvider {
  feed(chunk: Buffer | string): boolean;
  holdOutput(target: NodeJS.WritableStream): NodeJS.WritableStream;
  readonly asking: boolean;
}

const KEYS: Record<string, ApprovalChoice> = { o: 'allow-once', y: 'allow-once', s: 'allow-session', h: 'allow-1h', p: 'always-project', d: 'deny', n: 'deny' };

export function ttyApprovalProvider(io: { output: NodeJS.WritableStream; user?: string }): TtyApprovalProvider {
  let current: { resolve: (a: ApprovalAnswer) => void; reason: string | null } | null = null;
  const held: Array<{ target: NodeJS.WritableStream; chunk: Buffer | string }> = [];
  let chain: Promise<unknown> = Promise.resolve();
  const by = `tty:${io.user ?? process.env.USER ?? 'user'}`;
  const say = (s: string) => io.output.write(s.replace(/\n/g, '\r\n'));

  const release = () => {
    current = null;
    for (const h of held.splice(0)) h.target.write(h.chunk);
  };

  const prompt = (r: ApprovalRequest, signal: AbortSignal) =>
    new Promise<ApprovalAnswer>((resolve, reject) => {
      if (signal.aborted) return reject(new Error('withdrawn'));
      const secs = Math.max(1, Math.round((r.expiresAt - Date.now()) / 1000));
      say(
        `\n\x1b[1m── Paddock: approval needed ──\x1b[0m\n` +
          `${r.agent} wants to ${r.subject.kind === 'network' ? 'connect to' : r.subject.kind === 'tool' ? 'use' : 'run'}:  ${subjectLine(r.subject)}\n` +
          (r.subject.kind === 'network' ? '' : `  cwd ${r.subject.cwd}\n`) +
          `  rule: ${r.rule}\n  why:  ${r.why}\n` +
          `  [o] allow once  [s] this session  [h] 1 hour  [p] always for this project  [d] deny   (denied in ${secs}s)\n> `,
      );
      current = {
        reason: null,
        resolve: (a) => {
          signal.removeEventListener('abort', onAbort);
          say(`${a.choice === 'deny' ? 'denied' : `allowed (${a.choice})`}\n`);
          release();
          resolve(a);
        },
      };
      const onAbort = () => {
        say('(expired: denied)\n');
        release();
        reject(new Error('withdrawn'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });

  return {
    name: 'tty',
    get asking() {
      return current !== null;
    },
    ask(request, signal) {
      const turn = chain.then(() => prompt(request, signal));
      chain = turn.catch(() => undefined);
      return turn;
    },
    feed(chunk) {
      const c = current;
      if (!c) return false;
      for (const ch of chunk.toString('utf8')) {
        if (c.reason === null) {
          if (ch === '\x03' || ch === '\x1b') {
            c.resolve({ choice: 'deny', by });
            return true;
          }
          const choice = KEYS[ch.toLowerCase()];
          if (choice === 'deny') {
            c.reason = '';
            say('deny — reason for the agent (Enter to send, Esc for none): ');
          } else if (choice) {
            c.resolve({ choice, by });
            return true;
          }
        } else if (ch === '\r' || ch === '\n') {
          c.resolve({ choice: 'deny', by, ...(c.reason ? { reason: c.reason } : {}) });
          return true;
        } else if (ch === '\x1b') {
          c.resolve({ choice: 'deny', by });
          return true;
        } else if (ch === '\x7f' || ch === '\b') {
          if (c.reason.length) {
            c.reason = c.reason.slice(0, -1);
            say('\b \b');
          }
        } else if (ch >= ' ') {
          c.reason += ch;
          say(ch);
        }
      }
      return true;
    },
    holdOutput(target) {
      return new Writable({
        write(chunk: Buffer, _enc, cb) {
          if (current) held.push({ target, chunk });
          else target.write(chunk);
          cb();
        },
      });
    },
  };
}
