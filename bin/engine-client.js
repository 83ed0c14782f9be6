// The thin client of the warm engine (docs/adr/0008-warm-engine.md): hands a whole
// `paddock run` to the engine over its unix socket and relays the terminal. Loads nothing but
// node:net/node:fs/node:path/node:os (all in Node's own start-up), never the CLI bundle: every
// millisecond here is start-up time of every session. The frame format is
// electron/cli/engine/engine-protocol.ts's; engine-protocol.test.ts checks the two agree.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const PROTOCOL_VERSION = 1;
const MAX_FRAME = 16 * 1024 * 1024;
export const F = { hello: 1, stdin: 2, stdinEnd: 3, resize: 4, signal: 5, accept: 16, decline: 17, stdout: 18, stderr: 19, rawMode: 20, readStdin: 21, exit: 22, status: 23 };

/** One frame: u32 BE length of (type + payload), u8 type, payload. */
export function encode(type, payload = Buffer.alloc(0)) {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32BE(body.length + 1, 0);
  head.writeUInt8(type, 4);
  return Buffer.concat([head, body]);
}

/** A push(chunk) → frames splitter; throws on a bad length. */
export function decoder() {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    const out = [];
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (len < 1 || len > MAX_FRAME) throw new Error(`bad frame length ${len}`);
      if (buf.length < 4 + len) break;
      out.push({ type: buf.readUInt8(4), payload: buf.subarray(5, 4 + len) });
      buf = buf.subarray(4 + len);
    }
    return out;
  };
}

/** The engine socket of this environment's data directory (electron/engine/paths.ts + engine-paths.ts). */
export function engineSocket(env, cwd) {
  let home;
  if (env.PADDOCK_HOME) home = resolve(cwd, env.PADDOCK_HOME);
  else if (process.platform === 'darwin') home = join(homedir(), 'Library', 'Application Support', 'Paddock');
  else home = join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'paddock');
  return join(home, 'engine', 'sock');
}

/**
 * Hand `paddock run` (process.argv) to the warm engine. Resolves to { code, signal } when the
 * engine ran it (exit with that), or { fallback: reason } when this process must run it itself:
 * no engine, a stale socket, or the engine declined (another build, another environment).
 * Nothing of this process's stdin is read before the engine has accepted the run.
 */
export function runThroughEngine({ buildIdFile, trace }) {
  const socketPath = engineSocket(process.env, process.cwd());
  if (!existsSync(socketPath)) return Promise.resolve({ fallback: `no engine runs (no ${socketPath})`, quiet: true });
  let buildId;
  try {
    buildId = readFileSync(buildIdFile, 'utf8').trim();
  } catch {
    return Promise.resolve({ fallback: 'the CLI has no build id (out/cli/build-id)' });
  }
  const { stdin, stdout, stderr } = process;
  return new Promise((done) => {
    const sock = connect(socketPath);
    const split = decoder();
    let accepted = false;
    let finished = false;
    const cleanups = [];
    const send = (type, payload) => {
      if (!sock.destroyed) sock.write(encode(type, payload));
    };
    const finish = (result) => {
      if (finished) return;
      finished = true;
      clearTimeout(helloTimer);
      for (const c of cleanups.splice(0).reverse()) c();
      sock.destroy();
      done(result);
    };
    const helloTimer = setTimeout(() => finish({ fallback: 'the engine did not answer within 5 s' }), 5000);
    sock.on('connect', () => {
      trace?.('engine client: connected');
      const size = stdout.isTTY ? { cols: stdout.columns, rows: stdout.rows } : {};
      send(
        F.hello,
        JSON.stringify({
          protocol: PROTOCOL_VERSION,
          op: 'run',
          buildId,
          argv: process.argv,
          cwd: process.cwd(),
          env: process.env,
          uid: process.getuid?.(),
          gid: process.getgid?.(),
          umask: process.umask(),
          stdinIsTTY: !!stdin.isTTY,
          stdoutIsTTY: !!stdout.isTTY,
          stderrIsTTY: !!stderr.isTTY,
          stdoutHasColors: !!stdout.isTTY && !!stdout.hasColors?.(),
          stderrHasColors: !!stderr.isTTY && !!stderr.hasColors?.(),
          ...size,
        }),
      );
    });
    const onAccept = () => {
      accepted = true;
      clearTimeout(helloTimer);
      trace?.('engine client: run accepted');
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
        const h = () => send(F.signal, sig);
        process.on(sig, h);
        cleanups.push(() => process.off(sig, h));
      }
      if (stdout.isTTY) {
        const h = () => send(F.resize, JSON.stringify({ cols: stdout.columns, rows: stdout.rows }));
        stdout.on('resize', h);
        cleanups.push(() => stdout.off('resize', h));
      }
    };
    let reading = false;
    const readStdin = () => {
      if (reading) return;
      reading = true;
      const onData = (d) => send(F.stdin, d);
      const onEnd = () => send(F.stdinEnd);
      stdin.on('data', onData);
      stdin.on('end', onEnd);
      cleanups.push(() => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.pause();
      });
    };
    let raw = false;
    const setRaw = (on) => {
      if (!stdin.isTTY || raw === on) return;
      stdin.setRawMode(on);
      raw = on;
      if (on) cleanups.push(() => raw && stdin.setRawMode(false));
    };
    sock.on('data', (chunk) => {
      let frames;
      try {
        frames = split(chunk);
      } catch (e) {
        return finish(accepted ? { lost: `the engine sent a bad frame (${e.message})` } : { fallback: `the engine sent a bad frame (${e.message})` });
      }
      for (const f of frames) {
        if (finished) return;
        switch (f.type) {
          case F.accept:
            onAccept();
            break;
          case F.decline:
            return finish({ fallback: `the engine declined: ${JSON.parse(f.payload.toString('utf8')).reason}` });
          case F.stdout:
            stdout.write(f.payload);
            break;
          case F.stderr:
            stderr.write(f.payload);
            break;
          case F.rawMode:
            setRaw(f.payload[0] === 1);
            break;
          case F.readStdin:
            readStdin();
            break;
          case F.exit: {
            const { code, signal } = JSON.parse(f.payload.toString('utf8'));
            trace?.('engine client: exit received');
            return finish({ code, signal });
          }
          default:
            break;
        }
      }
    });
    sock.on('error', (e) => {
      if (!accepted) finish({ fallback: `the engine socket does not answer (${e.code ?? e.message}); it is stale` });
    });
    sock.on('close', () => {
      if (accepted) finish({ lost: 'the engine stopped mid-session (its connection closed); the sandbox is removed at the next start' });
      else finish({ fallback: 'the engine closed the connection without answering' });
    });
  });
}
