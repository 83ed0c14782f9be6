import { describe, expect, it } from 'vitest';
import { globToRegExp } from './glob.js';
import { createPathJudge } from './policy-paths.js';

const judge = createPathJudge({
  paths: {
    protected: ['.git/hooks/**', '.git/config', '.paddock/**', '~/.ssh/**', '/etc/paddock/**'],
    masked: ['.env', '.env.*', '*.pem'],
    allowed_secrets: ['.env.example'],
    writable_mounts: [],
  },
});

describe('path rules', () => {
  it('protected paths: relative to the workspace, home and absolute; .. resolved', () => {
    expect(judge.isProtected('.git/hooks/pre-commit')).toBe(true);
    expect(judge.isProtected('/workspace/.git/hooks')).toBe(true);
    expect(judge.isProtected('src/../.git/config')).toBe(true);
    expect(judge.isProtected('.git/HEAD')).toBe(false);
    expect(judge.isProtected('~/.ssh/authorized_keys')).toBe(true);
    expect(judge.isProtected('/etc/paddock/policy.yaml')).toBe(true);
    expect(judge.isProtected('hooks/x', { cwd: '/repo/.git', workspace: '/repo' })).toBe(true);
    expect(judge.isProtected('sub/.git/hooks/x')).toBe(false);
  });

  it('masked secrets match a name at any depth, minus allowed_secrets', () => {
    expect(judge.isMasked('.env')).toBe(true);
    expect(judge.isMasked('services/api/.env.production')).toBe(true);
    expect(judge.isMasked('certs/server.pem')).toBe(true);
    expect(judge.isMasked('.env.example')).toBe(false);
    expect(judge.isMasked('environment.ts')).toBe(false);
  });

  it('globs', () => {
    expect(globToRegExp('a/**/b').test('a/b')).toBe(true);
    expect(globToRegExp('a/**/b').test('a/x/y/b')).toBe(true);
    expect(globToRegExp('*.{js,ts}').test('x.ts')).toBe(true);
    expect(globToRegExp('*.{js,ts}').test('dir/x.ts')).toBe(false);
    expect(globToRegExp('\\*').test('*')).toBe(true);
    expect(globToRegExp('\\*').test('x')).toBe(false);
    expect(globToRegExp('dir/**').test('dir')).toBe(true);
  });
});
