import { CommanderError, InvalidArgumentError } from 'commander';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIO } from './cli-io.js';
import { families, runCli } from './cli-program.js';

// runCli on an in-memory front end: what a bad flag value prints and the exit code, the same
// path the in-process CLI and the warm engine take. No container engine is contacted: every
// case here fails before a session would start.
function memoryIO(env: NodeJS.ProcessEnv = {}): CliIO & { out: () => string; err: () => string } {
  const text = (s: PassThrough) => {
    let t = '';
    s.on('data', (d: Buffer) => (t += d.toString()));
    return () => t;
  };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const [out, err] = [text(stdout), text(stderr)];
  return {
    stdin: new PassThrough(),
    stdout,
    stderr,
    stdinIsTTY: false,
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdoutHasColors: false,
    stderrHasColors: false,
    size: () => undefined,
    onResize: () => () => {},
    setRawMode: () => {},
    onSignal: () => () => {},
    env,
    cwd: process.cwd(),
    out,
    err,
  };
}

const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const io = memoryIO(env);
  const r = await runCli(['node', 'paddock', ...args], io);
  return { ...r, stdout: io.out(), stderr: io.err() };
};

describe('runCli: bad --allow/--deny/--credential values', () => {
  it.each([
    [['--allow', 'bad host!!'], `error: option '--allow <host|preset>' argument 'bad host!!' is invalid. "bad host!!" is not a preset (npm, pypi,`],
    [['--allow', 'npm', '--allow', 'x.test:99999'], `error: option '--allow <host|preset>' argument 'x.test:99999' is invalid. "x.test:99999" is not a preset`],
    [['--deny', ''], `error: option '--deny <host>' argument '' is invalid. "" is not host[:port]; use e.g. api.example.com or *.example.com:8443 (it is empty)`],
    [['--credential', 'nope'], `error: option '--credential <provider>' argument 'nope' is invalid. "nope" is not a provider; use one of anthropic, openai, google`],
  ])('%j: commander reports it as a bad flag value, exit 1', async (flags, message) => {
    const r = await run(['run', '--repo', '.', ...flags, '--cmd', 'true']);
    expect(r.stderr.startsWith(message), r.stderr).toBe(true);
    expect(r.stderr).toContain('Usage: paddock run'); // as every bad flag: the command's help follows
    expect(r).toMatchObject({ exitCode: 1, failed: true, stdout: '' });
  });

  it("a provider whose key is not in the run's environment: a BAD_INPUT line, exit 125", async () => {
    const r = await run(['run', '--repo', '.', '--credential', 'anthropic', '--cmd', 'true'], { ANTHROPIC_API_KEY: '' });
    expect(r.stderr).toBe("paddock: --credential anthropic: set ANTHROPIC_API_KEY in Paddock's environment (the key stays on the host) [BAD_INPUT]\n");
    expect(r).toMatchObject({ exitCode: 125, failed: true, stdout: '' });
  });
});

describe('runCli: a CommanderError that commander did not report', () => {
  const added: typeof families = [];
  afterEach(() => {
    for (const f of added.splice(0)) families.splice(families.indexOf(f), 1);
  });
  const family = (name: string, error: () => Error) => {
    const f: (typeof families)[number] = {
      commands: [name],
      load: () =>
        Promise.resolve((program) => {
          program.command(name).action(() => {
            throw error();
          });
        }),
    };
    families.push(f);
    added.push(f);
  };

  it('an InvalidArgumentError thrown by an action is printed, exit 1', async () => {
    family('throws-invalid', () => new InvalidArgumentError('"x" is not a widget'));
    const r = await run(['throws-invalid']);
    expect(r.stderr).toBe('paddock: "x" is not a widget\n');
    expect(r).toMatchObject({ exitCode: 1, failed: true });
  });

  it("any other CommanderError from an action is printed with its exit code", async () => {
    family('throws-commander', () => new CommanderError(3, 'x.custom', 'something commander-shaped failed'));
    const r = await run(['throws-commander']);
    expect(r.stderr).toBe('paddock: something commander-shaped failed\n');
    expect(r).toMatchObject({ exitCode: 3, failed: true });
  });

  it('what commander reported itself is not printed twice', async () => {
    const r = await run(['run', '--bogus']);
    expect(r.stderr.match(/unknown option '--bogus'/g)).toHaveLength(1);
    expect(r.stderr).not.toContain('paddock:');
    expect(r).toMatchObject({ exitCode: 1, failed: true });
    const help = await run(['--version']);
    expect(help).toMatchObject({ exitCode: 0, failed: true, stdout: '0.1.0\n', stderr: '' });
  });
});
