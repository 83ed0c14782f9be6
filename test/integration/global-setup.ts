import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { ensureDefaultImage } from '../../electron/engine/sandbox/image-builder.js';

const ROOT = resolve(import.meta.dirname, '../..');
const say = (s: string) => process.stderr.write(`[integration setup] ${s}\n`);

/**
 * Integration tests need a real engine and the default image. Get the engine (the project's
 * bootstrap script starts or installs one where it can) and fail loudly when there is none:
 * Docker tests are never skipped. Then build the default image once, here, so no single test
 * pays a cold build inside its timeout.
 */
export default async function setup(): Promise<void> {
  const t0 = Date.now();
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'ensure-engine.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.stderr) process.stderr.write(r.stderr);
  if (r.status !== 0) {
    throw new Error(
      `integration tests need a Docker-API engine and scripts/ensure-engine.sh could not get one (exit ${r.status ?? r.signal}). ` +
        'The Docker tests are not skipped: fix the engine (see the message above) and run again.',
    );
  }
  const host = r.stdout.trim().split('\n').pop() ?? '';
  if (host && !process.env.DOCKER_HOST) process.env.DOCKER_HOST = host;
  say(`engine: ${host || '(default)'}`);

  // The image build's lock and scratch files go to a temp data dir, never the user's.
  const home = process.env.PADDOCK_HOME ? null : mkdtempSync(join(tmpdir(), 'paddock-setup-'));
  const saved = process.env.PADDOCK_HOME;
  if (home) process.env.PADDOCK_HOME = home;
  try {
    const { docker } = await connectEngine();
    const img = await ensureDefaultImage(docker, {
      onProgress: (e) => {
        if (e.type === 'step') say(`building default image, step ${e.index}/${e.count}: ${e.name}`);
        else if (e.type === 'wait') say(e.line);
      },
    });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    say(`default image ${img.tag} ${img.built ? `built (${secs}s)` : 'already present (cached)'}`);
  } finally {
    if (home) {
      if (saved === undefined) delete process.env.PADDOCK_HOME;
      else process.env.PADDOCK_HOME = saved;
      rmSync(home, { recursive: true, force: true });
    }
  }
}
