import { join, resolve } from 'node:path';
import { EngineApi } from '../../engine/api/engine-api.js';
import { startWebBridge } from '../../engine/api/web-bridge.js';
import { packageRoot } from '../package-root.js';
import type { ServeFlags } from './serve.js';

/** `paddock serve`: runs until SIGINT/SIGTERM, then stops the sessions it started and closes their journals. */
export async function serve(flags: ServeFlags): Promise<void> {
  const log = (m: string) => process.stderr.write(`paddock: ${m}\n`);
  const api = await EngineApi.open({ log, frontEnd: 'web' });
  const staticDir = resolve(flags.ui ?? join(packageRoot(), 'out', 'renderer'));
  const bridge = await startWebBridge({ api, staticDir, port: flags.port, log });
  process.stdout.write(`Paddock UI: ${bridge.url}\n`);
  log('serving on 127.0.0.1 only; the token in the URL is the only key, keep it private. Ctrl-C stops the server and the sessions it started.');
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      void bridge
        .close()
        .then(() => api.close('the Paddock server was stopped'))
        .finally(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
