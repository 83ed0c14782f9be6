import { resolve } from 'node:path';
import type { Command } from 'commander';
import type {
  CommandDecision,
  EffectivePolicyResult,
  PartVerdict,
  SourceRef,
} from '../../engine/policy/index.js';

/** `paddock policy check` exit codes: scripts can gate on them (a usage error also exits 1, i.e. never "allow"). */
export const CHECK_EXIT: Record<CommandDecision, number> = { allow: 0, ask: 1, forbid: 2 };

interface RepoFlags {
  repo: string;
  preset?: string;
  json?: boolean;
}

const PRESET_HELP = 'apply this policy preset between the user and the project layer (see `paddock policy presets`)';

const where = (s: SourceRef): string =>
  s.layer === 'engine' ? 'built into the engine' : `${s.file}:${s.line}:${s.col} (${s.layer})`;

/** Join argv back into one command line; a single argument is taken verbatim. */
export function commandLineFrom(args: string[]): string {
  if (args.length === 1) return args[0]!;
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

async function load(flags: RepoFlags): Promise<EffectivePolicyResult> {
  const { loadEffectivePolicy } = await import('../../engine/policy/index.js');
  return loadEffectivePolicy({ repo: resolve(flags.repo), ...(flags.preset ? { preset: flags.preset } : {}) });
}

function partLine(p: PartVerdict): string {
  const text = p.kind === 'command' ? p.argv.join(' ') : p.text.replace(/\s+/g, ' ');
  const via = p.via.length > 0 ? `  [via ${p.via.join(' > ')}]` : '';
  return `  ${p.decision.padEnd(6)}  ${text}${via}  — ${p.rule.id}`;
}

export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description('Inspect and test the effective policy (command rules, paths, network, approvals).');

  policy
    .command('check')
    .description(
      'Judge a command line with the effective policy. Exit 0 allow, 1 ask, 2 forbid, 125 if the policy fails to load.',
    )
    .option('--repo <dir>', 'repository whose .paddock/policy.yaml and per-repository approvals apply', '.')
    .option('--preset <name>', PRESET_HELP)
    .option(
      '--cwd <dir>',
      'working directory the command would run in, as the sandbox sees it (default /workspace)',
    )
    .option('--json', 'print the verdict as JSON')
    .argument(
      '<command...>',
      'the command line (after --); one argument is taken verbatim, several are joined',
    )
    .action(async (args: string[], flags: RepoFlags & { cwd?: string }) => {
      const { createCommandEngine } = await import('../../engine/policy/index.js');
      const loaded = await load(flags);
      const engine = createCommandEngine(loaded.policy, { provenance: loaded.provenance, cacheSize: 0 });
      const line = commandLineFrom(args);
      const v = engine.evaluate(line, flags.cwd ? { cwd: flags.cwd } : {});
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ commandLine: line, ...v, fingerprint: loaded.fingerprint }, null, 2)}\n`,
        );
      } else {
        const out = [
          `decision: ${v.decision}`,
          `part:     ${v.decidingPart ? (v.decidingPart.kind === 'command' ? v.decidingPart.argv.join(' ') : v.decidingPart.text) : '(nothing runs)'}`,
          ...(v.decidingPart && v.decidingPart.via.length > 0
            ? [`via:      ${v.decidingPart.via.join(' > ')}`]
            : []),
          `rule:     ${v.rule.id} — ${where(v.rule.source)}`,
          `why:      ${v.justification}`,
        ];
        if (v.parts.length > 1) out.push('parts:', ...v.parts.map(partLine));
        process.stdout.write(`${out.join('\n')}\n`);
      }
      process.exitCode = CHECK_EXIT[v.decision];
    });

  policy
    .command('explain')
    .description('Print the effective policy with the layer and file:line:col that set each value.')
    .option('--repo <dir>', 'repository whose .paddock/policy.yaml and per-repository approvals apply', '.')
    .option('--preset <name>', PRESET_HELP)
    .option('--json', 'print { policy, provenance, layers, fingerprint, warnings } as JSON')
    .action(async (flags: RepoFlags) => {
      const loaded = await load(flags);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(loaded, null, 2)}\n`);
        return;
      }
      const { formatExplain } = await import('../../engine/policy/policy-explain.js');
      process.stdout.write(formatExplain(loaded));
    });

  policy
    .command('presets')
    .description('List the policy presets (`paddock run --preset NAME`): built-in ones, and yours in $PADDOCK_HOME/presets/NAME.yaml, which shadow a built-in one of the same name.')
    .option('--json', 'print [{ name, file, source, description }] as JSON')
    .action(async (flags: { json?: boolean }) => {
      const { listPolicyPresets } = await import('../../engine/policy/index.js');
      const { paddockHome } = await import('../../engine/paths.js');
      const presets = listPolicyPresets({ home: paddockHome() });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(presets, null, 2)}\n`);
        return;
      }
      const width = Math.max(4, ...presets.map((p) => p.name.length));
      const lines = presets.map((p) => `${p.name.padEnd(width)}  ${p.source.padEnd(8)}  ${p.file}${p.description ? `\n${' '.repeat(width + 2)}${p.description}` : ''}`);
      process.stdout.write(`${lines.length ? lines.join('\n') : '(no policy presets)'}\n`);
    });

  policy
    .command('schema')
    .description('Print the JSON schema of a policy file (also in resources/policy/policy.schema.json).')
    .action(async () => {
      const { policyJsonSchema } = await import('../../engine/policy/index.js');
      process.stdout.write(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
    });
}
