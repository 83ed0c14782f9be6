/**
 * The warm engine's wire protocol (ADR 0008): length-prefixed frames over a unix socket.
 *
 *   frame = u32 big-endian length of (type + payload) · u8 type · payload
 *
 * The client (bin/engine-client.js, plain JS so the thin client loads nothing heavy) speaks the
 * same format; engine-protocol.test.ts checks the two against each other. A frame larger than
 * MAX_FRAME, or of an unknown type, ends the connection.
 */
export const PROTOCOL_VERSION = 1;
export const MAX_FRAME = 16 * 1024 * 1024;

export const Frame = {
  // client → engine
  hello: 1, // JSON Hello
  stdin: 2, // bytes
  stdinEnd: 3, // empty
  resize: 4, // JSON { cols, rows }
  signal: 5, // utf8 signal name (SIGINT, SIGTERM, SIGHUP)
  // engine → client
  accept: 16, // JSON {}
  decline: 17, // JSON { reason }
  stdout: 18, // bytes
  stderr: 19, // bytes
  rawMode: 20, // one byte: 1 on, 0 off
  readStdin: 21, // empty: start reading stdin (the session wants it now)
  exit: 22, // JSON { code }
  status: 23, // JSON EngineStatus (answer to op status/stop)
} as const;
export type FrameType = (typeof Frame)[keyof typeof Frame];
const KNOWN = new Set<number>(Object.values(Frame));

export interface Hello {
  protocol: number;
  op: 'run' | 'status' | 'stop';
  buildId?: string;
  argv?: string[];
  cwd?: string;
  env?: Record<string, string>;
  uid?: number;
  gid?: number;
  umask?: number;
  stdinIsTTY?: boolean;
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  stdoutHasColors?: boolean;
  stderrHasColors?: boolean;
  cols?: number;
  rows?: number;
}

export interface EngineStatus {
  pid: number;
  socket: string;
  buildId: string;
  home: string;
  startedAt: string;
  sessions: string[];
  stopping: boolean;
  /** The engine stops by itself after this long without a run (ms); null: it runs until stopped. */
  idleExitMs?: number | null;
}

export function encodeFrame(type: FrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32BE(body.length + 1, 0);
  head.writeUInt8(type, 4);
  return Buffer.concat([head, body]);
}

export const encodeJson = (type: FrameType, value: unknown): Buffer => encodeFrame(type, JSON.stringify(value));

/** Splits a byte stream into frames; throws on a frame that is too large, empty, or of an unknown type. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Array<{ type: FrameType; payload: Buffer }> {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Array<{ type: FrameType; payload: Buffer }> = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUInt32BE(0);
      if (len < 1 || len > MAX_FRAME) throw new Error(`bad frame length ${len}`);
      if (this.buf.length < 4 + len) break;
      const type = this.buf.readUInt8(4);
      if (!KNOWN.has(type)) throw new Error(`unknown frame type ${type}`);
      out.push({ type: type as FrameType, payload: this.buf.subarray(5, 4 + len) });
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }

  /** Bytes of an unfinished frame (a connection that ends with some left was cut mid-frame). */
  get pending(): number {
    return this.buf.length;
  }
}
