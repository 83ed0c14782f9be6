import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isZombie, processAlive } from './process-alive.js';

describe('processAlive', () => {
  it('is true for this process and false for a pid that exited', () => {
    expect(processAlive(process.pid)).toBe(true);
    const r = spawnSync(process.execPath, ['-e', '0']);
    expect(processAlive(r.pid)).toBe(false);
  });

  it.runIf(process.platform === 'linux')('a killed child its parent has not reaped yet (a zombie) is not alive', async () => {
    // The parent (a shell exec'd into sleep) never waits for its child: killed, the child stays a zombie.
    const shell = spawn('sh', ['-c', 'sleep 60 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zpid = Number(await new Promise<string>((r) => shell.stdout.once('data', (d: Buffer) => r(d.toString().trim()))));
    expect(processAlive(zpid)).toBe(true);
    process.kill(zpid, 'SIGKILL');
    for (let i = 0; i < 100 && !isZombie(zpid); i++) await new Promise((r) => setTimeout(r, 10));
    expect(isZombie(zpid)).toBe(true);
    expect(processAlive(zpid)).toBe(false);
    shell.kill('SIGKILL');
  });
});
