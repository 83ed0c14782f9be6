import { StringDecoder } from 'node:string_decoder';

/**
 * JSON-RPC over JSON lines, as `codex app-server` speaks it on stdio (Codex's variant: no
 * `"jsonrpc":"2.0"` field; ids are numbers or strings). Paddock is the client, but the server
 * also sends requests (approvals) that the client must answer, so both directions are handled.
 */
export type RpcId = number | string;

export interface RpcHandlers {
  /** A request from the server; the result is sent back; a throw is sent as a JSON-RPC error. */
  onRequest(method: string, params: unknown, id: RpcId): Promise<unknown>;
  onNotification(method: string, params: unknown): void;
  /** A line that is not a message Paddock understands (never answered: it has no usable id). */
  onProtocolError(problem: string, line: string): void;
}

export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

interface Pending {
  method: string;
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout | null;
}

const MAX_LINE = 16 * 1024 * 1024;

export class JsonLinesRpc {
  private nextId = 1;
  private readonly pending = new Map<RpcId, Pending>();
  private buffer = '';
  private readonly decoder = new StringDecoder('utf8');
  private closedWith: Error | null = null;

  constructor(
    private readonly output: NodeJS.WritableStream,
    private readonly handlers: RpcHandlers,
  ) {}

  /** Feed bytes from the server (its stdout). */
  feed(chunk: Buffer | string): void {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) this.receive(line);
    }
    if (this.buffer.length > MAX_LINE) {
      this.handlers.onProtocolError(`a line longer than ${MAX_LINE} bytes`, this.buffer.slice(0, 200));
      this.buffer = '';
    }
  }

  /** The server's output ended: every open request fails. */
  close(reason: string): void {
    if (this.closedWith) return;
    this.closedWith = new Error(reason);
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(new Error(`${p.method}: ${reason}`));
    }
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  request<T = unknown>(method: string, params: unknown, timeoutMs = 0): Promise<T> {
    if (this.closedWith) return Promise.reject(new Error(`${method}: ${this.closedWith.message}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = timeoutMs
        ? setTimeout(() => {
            this.pending.delete(id);
            reject(new Error(`${method}: no answer from codex app-server within ${Math.round(timeoutMs / 1000)} s`));
          }, timeoutMs)
        : null;
      this.pending.set(id, { method, resolve: (v) => resolve(v as T), reject, timer });
      this.send({ id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    this.send(params === undefined ? { method } : { method, params });
  }

  private send(message: object): void {
    if (this.closedWith) return; // the program's stdin is closing: nothing more is sent, least of all an accept
    this.output.write(`${JSON.stringify(message)}\n`);
  }

  private receive(line: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.handlers.onProtocolError('not JSON', line);
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.handlers.onProtocolError('not a JSON-RPC message', line);
      return;
    }
    const m = msg as Record<string, unknown>;
    const id = m.id;
    const hasId = typeof id === 'number' || typeof id === 'string';
    if (typeof m.method === 'string') {
      if (hasId) this.answer(id, m.method, m.params);
      else if (m.id !== undefined) this.handlers.onProtocolError(`request ${m.method} with an unusable id`, line);
      else this.handlers.onNotification(m.method, m.params);
      return;
    }
    if (!hasId) {
      this.handlers.onProtocolError('a message with neither a method nor an id', line);
      return;
    }
    const p = this.pending.get(id);
    if (!p) {
      this.handlers.onProtocolError(`a response to an unknown request id ${String(id)}`, line);
      return;
    }
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if ('error' in m) {
      const e = (m.error ?? {}) as { message?: unknown; code?: unknown; data?: unknown };
      p.reject(new RpcError(`${p.method}: ${typeof e.message === 'string' ? e.message : 'error'}`, typeof e.code === 'number' ? e.code : -32000, e.data));
    } else p.resolve(m.result);
  }

  private answer(id: RpcId, method: string, params: unknown): void {
    void this.handlers.onRequest(method, params, id).then(
      (result) => this.send({ id, result }),
      (e: unknown) => {
        const err = e instanceof RpcError ? e : new RpcError(e instanceof Error ? e.message : String(e), -32000);
        this.send({ id, error: { code: err.code, message: err.message } });
      },
    );
  }
}
