import type Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { resolveImage } from '../../electron/engine/sandbox/image-builder.js';
import { SandboxContainer, registerWait } from '../../electron/engine/sandbox/sandbox-container.js';
import { ROOT } from '../helpers/paddock-cli.js';

// How a session container's end is learnt (the wait registered before start, the engine's
// events) against the real engine: fast exits, the OOM killer, removal from outside, a failed start.
const LABEL = 'paddock.test.sandbox-exit';
const run = randomBytes(4).toString('hex');
let docker: Docker;
let image: string;

beforeAll(async () => {
  ({ docker } = await connectEngine());
  image = (await resolveImage(docker, undefined)).tag;
});
afterAll(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${run}`] } })) {
    await docker.getContainer(c.Id).remove({ force: true }).catch(() => {});
  }
});

/** Like a session's container, reduced to what these tests need (no repo, no network). */
function spec(cmd: string[], hostConfig: Docker.HostConfig = {}): Docker.ContainerCreateOptions {
  return {
    Image: image,
    Cmd: cmd,
    Entrypoint: [],
    User: '1000:1000',
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Labels: { [LABEL]: run },
    HostConfig: { NetworkMode: 'none', Init: true, CapDrop: ['ALL'], AutoRemove: false, ...hostConfig },
  };
}

async function left(): Promise<string[]> {
  return (await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${run}`] } })).map((c) => c.Id);
}

async function runToEnd(cmd: string[], hostConfig?: Docker.HostConfig) {
  const box = await SandboxContainer.create(docker, spec(cmd, hostConfig));
  let out = '';
  const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()));
  box.pipeOutput(stdout, new PassThrough().resume());
  await box.start();
  const exit = await box.wait();
  await box.remove();
  return { exit, out, id: box.id };
}

describe('the end of a sandbox container', () => {
  it('a program that exits at once is never missed, and its exit code and last output arrive', async () => {
    for (let i = 0; i < 8; i++) {
      const { exit, out } = await runToEnd(['sh', '-c', `echo run-${i}; exit ${i}`]);
      expect(exit).toEqual({ exitCode: i, reason: 'exited' });
      expect(out).toBe(`run-${i}\n`);
    }
    expect(await left()).toEqual([]);
  });

  it('a next-exit wait registered before start sees an exit that follows at once', async () => {
    const c = await docker.createContainer(spec(['sh', '-c', 'exit 5']));
    const w = await registerWait(docker, c.id, 'next-exit');
    await c.start();
    expect(await w.status).toBe(5);
    await c.remove({ force: true });
  });

  it('a not-running wait on a container that has not started answers at once (why it is only sent after start)', async () => {
    const c = await docker.createContainer(spec(['sleep', '300']));
    const w = await registerWait(docker, c.id, 'not-running');
    expect(await w.status).toBe(0);
    await c.remove({ force: true });
  });

  it('a cancelled wait settles (rejects) and leaves the engine alone', async () => {
    const c = await docker.createContainer(spec(['sleep', '300']));
    const w = await registerWait(docker, c.id, 'next-exit');
    w.cancel();
    await expect(w.status).rejects.toThrow(/closed before the container stopped/);
    expect((await c.inspect()).State.Status).toBe('created');
    await c.remove({ force: true });
  });

  it('the OOM killer is reported even when the program survives it with its own exit code', async () => {
    // The hog is a child of the shell: the OOM killer kills it, the shell exits 3. Only the
    // engine's `oom` event (or its OOM flag) tells this apart from a plain `exit 3`.
    const hog = `node -e 'const a=[]; for(;;) a.push(Buffer.alloc(1<<20, 1))'; exit 3`;
    const { exit } = await runToEnd(['sh', '-c', hog], { Memory: 96 * 1024 * 1024, MemorySwap: 96 * 1024 * 1024 });
    expect(exit.reason).toBe('oom');
    expect(exit.exitCode).toBe(3);
    expect(exit.message).toMatch(/ran out of memory/);
  });

  it('a container removed from outside is reported as killed from outside, and nothing is left', async () => {
    const box = await SandboxContainer.create(docker, spec(['sh', '-c', 'echo ready; exec sleep 300']));
    const stdout = new PassThrough();
    const ready = new Promise<void>((resolve) => stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
    box.pipeOutput(stdout, new PassThrough().resume());
    await box.start();
    await ready;
    await docker.getContainer(box.id).remove({ force: true });
    const exit = await box.wait();
    expect(exit.reason).toBe('killed');
    expect(exit.exitCode).toBe(137);
    expect(exit.message).toMatch(/from outside Paddock/);
    await box.remove(); // already gone: not an error
    expect(await left()).toEqual([]);
  });

  it('a start that fails closes the wait registered before it at once', async () => {
    // Counted as open engine connections of this process: after create, the attach stream, the
    // event stream and the wait; once the start has failed (and the attach stream is closed
    // here), only the event stream, which remove() closes with the container.
    const open = () => process.getActiveResourcesInfo().filter((r) => r === 'PipeWrap' || r === 'TCPSocketWrap').length;
    const settled = async (want: number) => {
      for (let i = 0; i < 500 && open() !== want; i++) await new Promise((r) => setImmediate(r));
      return open();
    };
    const before = open();
    const box = await SandboxContainer.create(docker, spec(['/no/such/program'], { Init: false }));
    expect(open() - before).toBe(3);
    await expect(box.start()).rejects.toMatchObject({ code: 'CONTAINER_FAILED' });
    box.stream.destroy();
    expect((await settled(before + 1)) - before).toBe(1);
    await box.remove();
    expect(await settled(before)).toBe(before);
    expect(await left()).toEqual([]);
  });

  it('a start that fails, then remove(), leaves no stream or container behind (the process can exit by itself)', () => {
    // In a process of its own: anything left open would keep it alive, and spawnSync would kill
    // it at the timeout instead of seeing it exit 0.
    const script = `
      import { connectEngine } from ${JSON.stringify(join(ROOT, 'out/node/engine/sandbox/docker-client.js'))};
      import { SandboxContainer } from ${JSON.stringify(join(ROOT, 'out/node/engine/sandbox/sandbox-container.js'))};
      const { docker } = await connectEngine();
      const box = await SandboxContainer.create(docker, ${JSON.stringify(spec(['/no/such/program'], { Init: false }))});
      const err = await box.start().then(() => null, (e) => e);
      await box.remove();
      console.log(err ? 'start failed: ' + err.code : 'started');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('start failed: CONTAINER_FAILED');
    expect(r.status).toBe(0);
  });
});

describe('cleanup', () => {
  it('leaves no container of these tests', async () => {
    expect(await left()).toEqual([]);
  });
});
