import type { Command } from 'commander';
import type { CliIO } from '../cli-io.js';
import { trace } from '../../engine/trace.js';
import { collectAllow, collectCredential, collectDeny } from '../egress-flags.js';
import { parseBytes, parseDuration, parsePositive } from '../parse.js';

export interface RunFlags {
  repo: string;
  image?: string;
  cmd?: string;
  tty?: boolean;
  timeout?: number;
  memory?: number;
  cpus?: number;
  pids?: number;
  json?: boolean;
  verbose?: boolean;
  network?: 'none' | 'egress';
  allow?: string[];
  deny?: string[];
  credential?: string[];
  agent?: string;
  approvals?: 'tty' | 'deny' | 'allow';
  prompt?: string;
  preset?: string;
}

export function registerRun(program: Command, io: CliIO): void {
  program
    .command('run')
    .description('Run a command (default: an interactive shell) in a hardened sandbox on a repo.')
    .option('--repo <dir>', 'the repository to mount at /workspace', '.')
    .option('--preset <name>', 'apply a policy preset (`paddock policy presets` lists them) between your user policy and the project policy')
    .option('--image <name>', "container image (default: Paddock's own, built locally)")
    .option('--cmd <string>', 'a one-shot shell command line (run with sh -c)')
    .option('--tty', 'allocate a terminal (default: when stdin and stdout are terminals)')
    .option('--no-tty', 'do not allocate a terminal')
    .option('--timeout <duration>', 'stop the session after this long (e.g. 30s, 10m)', parseDuration)
    .option('--memory <size>', 'memory limit (e.g. 2g)', parseBytes)
    .option('--cpus <n>', 'CPU limit', parsePositive)
    .option('--pids <n>', 'process limit', parsePositive)
    .option(
      '--network <mode>',
      "'none' (no network at all) or 'egress' (only through Paddock's proxy); default: egress when --allow is given, else none",
    )
    .option(
      '--allow <host|preset>',
      'allow egress to a preset (npm, pypi, crates, go, github, anthropic, openai, google) or host[:port]; repeatable',
      collectAllow,
    )
    .option('--deny <host>', 'deny egress to a host (deny wins over allow); repeatable', collectDeny)
    .option(
      '--credential <provider>',
      "hold this provider's API key (anthropic, openai, google; read from Paddock's environment) on the host: the sandbox gets a placeholder and a base URL on the proxy; repeatable",
      collectCredential,
    )
    .option(
      '--agent <name>',
      'run an agent (claude, codex, gemini, opencode) behind the gate: every tool call is judged by the policy; arguments after -- go to the agent',
    )
    .option(
      '--approvals <mode>',
      "who answers 'ask': tty (a prompt on this terminal; default when interactive), deny, or allow (forbid still forbids)",
    )
    .option(
      '--prompt <task>',
      "give the agent this task and run it headless: Codex runs as `codex app-server` and Paddock answers every approval it asks (the session ends with the turn)",
    )
    .option('--json', 'print a JSON summary on stderr when the session ends')
    .option('-v, --verbose', 'print progress and lifecycle lines on stderr')
    .argument('[command...]', 'command and arguments (after --)')
    .allowExcessArguments(false)
    .action(async (command: string[], flags: RunFlags) => {
      trace('run parsed');
      const { runSession } = await import('./run-session.js');
      io.exitCode = await runSession(command, flags, io);
    });
}
