import type { Readable, Writable } from 'node:stream';
import type { SessionEventSink } from '../sessions/session-events.js';
import { answerCodexRequest, fileChangeItem } from './codex-approvals.js';
import type { FileChangeItem } from './codex-approvals.js';
import { JsonLinesRpc } from './codex-rpc.js';
import type { GateJudge } from './gate-judge.js';
import './gate-events.js';

/**
 * Paddock as the client of `codex app-server` (JSON-RPC over the container's stdio, no TTY):
 * initialize, start a thread that asks before every command (`untrusted`; Codex's own sandbox
 * off, the container is the sandbox), run one turn with the prompt, answer every approval request
 * through the gate's judge (codex-approvals.ts), and show what happens as readable lines.
 * Resolves when the turn ends: exit 0 when it completed, 1 when it failed or was interrupted,
 * or when Codex went away first.
 */
export interface CodexAppServerOptions {
  sessionId: string;
  agent?: string;
  prompt: string;
  model?: string;
  judge: GateJudge;
  events: SessionEventSink;
  /** Codex's stdout (JSON lines). */
  fromCodex: Readable;
  /** Codex's stdin. */
  toCodex: NodeJS.WritableStream;
  /** Readable lines for the terminal (and the journal's terminal output). */
  display: NodeJS.WritableStream;
  /** End the program (close its stdin; the runner signals it if it lingers). */
  stop: () => void;
  workspace?: string;
  /** How long to wait for Codex's answer to initialize/thread/turn start. */
  startTimeoutMs?: number;
}

export interface CodexAppServerResult {
  exitCode: number;
  message?: string;
}

const APPROVAL_POLICY = 'untrusted';

export function driveCodexAppServer(o: CodexAppServerOptions): Promise<CodexAppServerResult> {
  const workspace = o.workspace ?? '/workspace';
  const agent = o.agent ?? 'codex';
  const open = () => !(o.display as Partial<Writable>).writableEnded;
  const line = (s: string) => open() && o.display.write(`${s}\n`);
  const fileChanges = new Map<string, FileChangeItem>();
  const aborter = new AbortController();
  let threadId = '';
  let turnId = '';
  let settle: (r: CodexAppServerResult) => void = () => {};
  const result = new Promise<CodexAppServerResult>((resolve) => (settle = resolve));
  let finished = false;
  const finish = (r: CodexAppServerResult) => {
    if (finished) return;
    finished = true;
    aborter.abort();
    rpc.close('the session is ending');
    settle(r); // the message is the session's end message (the CLI prints it once)
    o.stop();
  };

  const rpc: JsonLinesRpc = new JsonLinesRpc(o.toCodex, {
    async onRequest(method, params) {
      const out = await answerCodexRequest(method, params, { judge: o.judge, fileChanges, workspace, signal: aborter.signal });
      if (out.decision === 'accept') line(`paddock: allowed ${out.subject}`);
      else {
        line(`paddock: declined ${out.subject}: ${out.reason}`);
        // The decline itself carries no reason in this protocol: tell the model before answering,
        // so the reason is in its very next request (best effort; the decline never waits on it).
        if (threadId && turnId && !rpc.closed)
          await rpc
            .request('turn/steer', { threadId, expectedTurnId: turnId, input: [{ type: 'text', text: `[Paddock] ${out.reason}` }] }, 10_000)
            .catch(() => undefined);
      }
      if (out.error) throw out.error;
      return out.result;
    },
    onNotification(method, params) {
      onNotification(method, params);
    },
    onProtocolError(problem, raw) {
      line(`paddock: ignored a message from codex app-server (${problem}): ${raw.slice(0, 200)}`);
      o.events.emit(o.sessionId, 'session.error', { code: 'AGENT_PROTOCOL', message: `codex app-server sent ${problem}: ${raw.slice(0, 500)}` });
    },
  });

  const onNotification = (method: string, params: unknown) => {
    const p = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
    if (method === 'item/started' || method === 'item/completed') {
      const item = (p.item ?? {}) as Record<string, unknown>;
      const id = typeof item.id === 'string' ? item.id : '';
      if (method === 'item/started') {
        const fc = fileChangeItem(item);
        if (fc && id) fileChanges.set(id, fc);
      }
      render(method, item);
      return;
    }
    if (method === 'turn/completed') {
      const turn = (p.turn ?? {}) as { id?: string; status?: string; error?: { message?: string } | null };
      if (turnId && turn.id !== turnId) return;
      if (turn.status === 'completed') finish({ exitCode: 0 });
      else finish({ exitCode: 1, message: `the Codex turn ended ${turn.status ?? 'without a status'}${turn.error?.message ? `: ${turn.error.message}` : ''}` });
      return;
    }
    if (method === 'error') {
      const err = (p.error ?? {}) as { message?: string };
      line(`codex: error: ${err.message ?? 'unknown'}${p.willRetry ? ' (retrying)' : ''}`);
      return;
    }
    if (method === 'warning' || method === 'configWarning') {
      const msg = typeof p.message === 'string' ? p.message : typeof p.summary === 'string' ? p.summary : '';
      if (msg) line(`codex: warning: ${msg}`);
    }
  };

  const render = (method: string, item: Record<string, unknown>) => {
    const type = item.type;
    if (type === 'commandExecution') {
      if (method === 'item/started') line(`$ ${String(item.command)}`);
      else {
        const output = typeof item.aggregatedOutput === 'string' ? item.aggregatedOutput : '';
        if (output && open()) o.display.write(output.endsWith('\n') ? output : `${output}\n`);
        const status = String(item.status);
        line(status === 'declined' ? '  (declined)' : `  (${status}${typeof item.exitCode === 'number' ? `, exit ${item.exitCode}` : ''})`);
      }
    } else if (type === 'fileChange') {
      const fc = fileChangeItem(item);
      if (method === 'item/started') for (const c of fc?.changes ?? []) line(`~ ${c.kind} ${c.path}${c.movePath ? ` → ${c.movePath}` : ''}`);
      else line(`  (${String(item.status)})`);
    } else if (type === 'agentMessage' && method === 'item/completed' && typeof item.text === 'string') {
      line(`codex: ${item.text}`);
    }
  };

  o.fromCodex.on('data', (c: Buffer) => rpc.feed(c));
  o.fromCodex.once('end', () => finish({ exitCode: 1, message: 'codex app-server ended before the turn finished' }));
  o.fromCodex.once('close', () => finish({ exitCode: 1, message: 'codex app-server ended before the turn finished' }));

  void (async () => {
    const t = o.startTimeoutMs ?? 120_000;
    await rpc.request('initialize', { clientInfo: { name: 'paddock', title: 'Paddock', version: '0.1.0' } }, t);
    rpc.notify('initialized');
    const started = await rpc.request<{ thread?: { id?: string }; approvalPolicy?: unknown }>(
      'thread/start',
      { cwd: workspace, approvalPolicy: APPROVAL_POLICY, sandbox: 'danger-full-access', ...(o.model ? { model: o.model } : {}) },
      t,
    );
    // Fail closed: if Codex would not ask (another approval policy won), nothing runs.
    if (started.approvalPolicy !== APPROVAL_POLICY)
      throw new Error(`codex app-server runs the thread with approval policy ${JSON.stringify(started.approvalPolicy)}, not ${APPROVAL_POLICY}; Paddock would not see every command`);
    threadId = started.thread?.id ?? '';
    if (!threadId) throw new Error('codex app-server started a thread without an id');
    o.events.emit(o.sessionId, 'user.prompt', { agent, prompt: o.prompt });
    const turn = await rpc.request<{ turn?: { id?: string } }>('turn/start', { threadId, input: [{ type: 'text', text: o.prompt }], approvalPolicy: APPROVAL_POLICY }, t);
    turnId = turn.turn?.id ?? '';
    if (!turnId) throw new Error('codex app-server started a turn without an id');
  })().catch((e: unknown) => finish({ exitCode: 1, message: `codex app-server: ${e instanceof Error ? e.message : String(e)}` }));

  return result;
}
