import { describe, expect, it } from 'vitest';
import { buildContainerSpec, defaultLimits, sandboxUser } from './container-spec.js';
import { ownerFromLabels } from './owner.js';

const ws = {
  repo: '/src/app',
  protected: ['.git/hooks', '.claude', '.git/config'],
  masked: ['.env', 'certs/key.pem'],
  placeholders: ['.claude'],
  gitDir: true,
};

function spec(overrides: Partial<Parameters<typeof buildContainerSpec>[0]> = {}) {
  return buildContainerSpec({
    sessionId: 's1',
    image: 'paddock/agent:abc',
    command: ['bash'],
    tty: true,
    workspace: ws,
    emptyFile: '/data/empty',
    owner: { host: 'h', pid: 42, start: '99' },
    limits: { memory: 1024 ** 3, cpus: 2, pids: 256, tmpfsSize: '256m' },
    ...overrides,
  });
}

describe('buildContainerSpec', () => {
  it('drops every privilege', () => {
    const hc = spec().HostConfig!;
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd).toBeUndefined();
    expect(hc.SecurityOpt).toContain('no-new-privileges');
    expect(hc.Privileged).toBe(false);
    expect(hc.ReadonlyRootfs).toBe(true);
    expect(spec().User).toBe('1000:1000');
  });

  it('never mounts the engine socket or anything outside the repo and the empty file', () => {
    const mounts = spec().HostConfig!.Mounts!;
    for (const m of mounts) {
      expect(m.Source === '/data/empty' || m.Source === '/src/app' || m.Source.startsWith('/src/app/')).toBe(true);
      expect(m.Source).not.toMatch(/docker\.sock|podman\.sock/);
    }
    expect(spec().HostConfig!.Binds).toBeUndefined();
  });

  it('mounts the repo read-write, protected paths read-only (parents first), secrets masked', () => {
    const mounts = spec().HostConfig!.Mounts!;
    expect(mounts[0]).toEqual({ Type: 'bind', Source: '/src/app', Target: '/workspace', ReadOnly: false });
    const targets = mounts.map((m) => `${m.Target}:${m.ReadOnly ? 'ro' : 'rw'}`);
    expect(targets).toEqual([
      '/workspace:rw',
      '/workspace/.git:rw',
      '/workspace/.claude:ro',
      '/workspace/.git/config:ro',
      '/workspace/.git/hooks:ro',
      '/workspace/.env:ro',
      '/workspace/certs/key.pem:ro',
    ]);
    expect(mounts.filter((m) => m.Source === '/data/empty').map((m) => m.Target)).toEqual(['/workspace/.env', '/workspace/certs/key.pem']);
  });

  it('applies limits, tmpfs scratch and no network', () => {
    const hc = spec().HostConfig!;
    expect(hc.Memory).toBe(1024 ** 3);
    expect(hc.MemorySwap).toBe(1024 ** 3);
    expect(hc.NanoCpus).toBe(2e9);
    expect(hc.PidsLimit).toBe(256);
    expect(hc.NetworkMode).toBe('none');
    expect(Object.keys(hc.Tmpfs!).sort()).toEqual(['/home/agent', '/tmp', '/var/tmp']);
    expect(hc.Tmpfs!['/home/agent']).toMatch(/size=256m.*uid=1000,gid=1000/);
  });

  it('labels the container with its session and owner', () => {
    const labels = spec().Labels!;
    expect(labels['paddock.managed']).toBe('1');
    expect(labels['paddock.session']).toBe('s1');
    expect(ownerFromLabels(labels)).toEqual({ host: 'h', pid: 42, start: '99' });
  });

  it('lets caller env through but keeps HOME and the session id', () => {
    const env = spec({ env: { FOO: 'bar', HOME: '/root', PADDOCK_SESSION: 'forged' }, tty: false }).Env!;
    expect(env).toContain('FOO=bar');
    expect(env).toContain('HOME=/home/agent');
    expect(env).toContain('PADDOCK_SESSION=s1');
    expect(env).toContain('TERM=dumb');
    expect(env.filter((e) => e.startsWith('HOME=') || e.startsWith('PADDOCK_SESSION='))).toHaveLength(2);
  });

  it('a TTY session gets the terminal type of its front end (xterm-256color when none), never the one of the host process', () => {
    const saved = process.env.TERM;
    process.env.TERM = 'engine-process-term';
    try {
      expect(spec({ tty: true, term: 'vt220' }).Env).toContain('TERM=vt220');
      expect(spec({ tty: true }).Env).toContain('TERM=xterm-256color');
      expect(spec({ tty: false, term: 'vt220' }).Env).toContain('TERM=dumb');
    } finally {
      if (saved === undefined) delete process.env.TERM;
      else process.env.TERM = saved;
    }
  });

  it('has sane default limits', () => {
    const l = defaultLimits();
    expect(l.memory).toBeGreaterThanOrEqual(512 * 1024 ** 2);
    expect(l.memory).toBeLessThanOrEqual(4 * 1024 ** 3);
    expect(l.pids).toBeGreaterThan(64);
  });

  it('runs as the repo owner when that is a non-root user, never as root', () => {
    expect(sandboxUser({ uid: 0, gid: 0 })).toEqual({ uid: 1000, gid: 1000 });
    expect(sandboxUser({ uid: 1001, gid: 1001 })).toEqual({ uid: 1001, gid: 1001 });
    expect(sandboxUser({ uid: 1001, gid: 0 })).toEqual({ uid: 1000, gid: 1000 });
    const s = spec({ user: { uid: 1001, gid: 1002 } });
    expect(s.User).toBe('1001:1002');
    expect(s.HostConfig!.Tmpfs!['/home/agent']).toMatch(/uid=1001,gid=1002/);
  });

  it('passes the initial terminal size for TTY sessions only', () => {
    expect(spec({ consoleSize: { cols: 120, rows: 40 } }).HostConfig).toMatchObject({ ConsoleSize: [40, 120] });
    expect(spec({ tty: false, consoleSize: { cols: 120, rows: 40 } }).HostConfig).not.toHaveProperty('ConsoleSize');
  });
});
