import { describe, expect, it } from 'vitest';
import { envDifferences, envMatters } from './engine-env.js';

describe('which environment differences make the engine decline a run', () => {
  it('counts what changes a session and ignores the rest', () => {
    for (const n of ['PADDOCK_MANAGED_POLICY', 'DOCKER_HOST', 'HOME', 'USER', 'PATH', 'ANTHROPIC_API_KEY', 'OPENAI_BASE_URL', 'https_proxy', 'NODE_EXTRA_CA_CERTS', 'GIT_DIR', 'XDG_DATA_HOME'])
      expect(envMatters(n), n).toBe(true);
    for (const n of ['PADDOCK_TRACE', 'PADDOCK_NO_ENGINE', 'PADDOCK_HOME', 'TERM', 'COLUMNS', 'OLDPWD', 'SHLVL', '_', 'PWD'])
      expect(envMatters(n), n).toBe(false);
  });

  it('names the differing variables, never their values', () => {
    const engine = { HOME: '/root', PATH: '/bin', ANTHROPIC_API_KEY: 'sk-engine', OLDPWD: '/a', PADDOCK_HOME: '/p' };
    expect(envDifferences({ ...engine, OLDPWD: '/b', PADDOCK_TRACE: '1' }, '/', engine, '/p')).toEqual([]);
    const d = envDifferences({ HOME: '/root', PATH: '/usr/bin', ANTHROPIC_API_KEY: 'sk-client', PADDOCK_HOME: '/p' }, '/', engine, '/p');
    expect(d).toEqual(['ANTHROPIC_API_KEY', 'PATH']);
    expect(d.join(' ')).not.toContain('sk-');
    // Set on one side only.
    expect(envDifferences({ ...engine, DOCKER_HOST: 'unix:///x' }, '/', engine, '/p')).toEqual(['DOCKER_HOST']);
  });

  it('compares PADDOCK_HOME as the directory it resolves to', () => {
    const env = { HOME: '/root', PADDOCK_HOME: 'data' };
    expect(envDifferences(env, '/work', { HOME: '/root', PADDOCK_HOME: '/work/data' }, '/work/data')).toEqual([]);
    expect(envDifferences(env, '/elsewhere', { HOME: '/root', PADDOCK_HOME: '/work/data' }, '/work/data')).toEqual(['PADDOCK_HOME']);
  });
});
