import { connect } from 'node:net';
import type { EngineStatus } from './engine-protocol.js';
import { Frame, FrameDecoder, PROTOCOL_VERSION, encodeJson } from './engine-protocol.js';

/**
 * Ask the engine on `socket` for its status, or to stop. Resolves to null when nothing answers
 * there (no socket, a stale one, or a refused connection).
 */
export function engineRequest(socket: string, op: 'status' | 'stop', timeoutMs: number): Promise<EngineStatus | null> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    const decoder = new FrameDecoder();
    let answered = false;
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`the engine on ${socket} did not answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    c.on('connect', () => c.write(encodeJson(Frame.hello, { protocol: PROTOCOL_VERSION, op })));
    c.on('data', (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          if (f.type === Frame.status) {
            answered = true;
            clearTimeout(timer);
            resolve(JSON.parse(f.payload.toString('utf8')) as EngineStatus);
            c.end();
          } else if (f.type === Frame.decline) {
            answered = true;
            clearTimeout(timer);
            reject(new Error(`the engine declined: ${(JSON.parse(f.payload.toString('utf8')) as { reason: string }).reason}`));
          }
        }
      } catch (e) {
        c.destroy();
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    c.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (['ENOENT', 'ECONNREFUSED', 'ENOTSOCK'].includes(e.code ?? '')) resolve(null);
      else reject(e);
    });
    c.on('close', () => {
      clearTimeout(timer);
      if (!answered) resolve(null);
    });
  });
}
