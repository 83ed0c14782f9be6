// `sessions.start`'s agent, policy preset and network choices → the Supervisor's options, exactly as
// `paddock run --agent/--allow/--network` maps them (the same engine parsers: egress/egress-flags.ts,
// sessions/agent-session.ts).
import type { ParsedInput, StartOptions } from '../../contract/index.js';
import { allowValue } from '../egress/egress-flags.js';
import { PRESET_NAMES, presetRules } from '../egress/presets.js';
import { PaddockError, errorMessage } from '../errors.js';
import { listPolicyPresets } from '../policy/policy-presets.js';
import { AGENTS } from '../sandbox/image-recipe.js';
import type { SupervisedStart } from '../sessions/supervisor.js';
import type { ApprovalBroker } from '../approvals/approval-broker.js';

type StartInput = ParsedInput<'sessions.start'>;

export function startOptions(home: string): StartOptions {
  return {
    policyPresets: listPolicyPresets({ home }).map(({ name, source, description }) => ({ name, source, description })),
    agents: [...AGENTS],
    presets: PRESET_NAMES.map((name) => ({
      name,
      hosts: [...new Set(presetRules(name).map((r) => `${r.host}${r.ports?.length === 1 && r.ports[0] === 443 ? '' : `:${r.ports?.join(',') ?? '*'}`}`))],
    })),
  };
}

/** The network part: `--network` and `--allow` (presets and host[:port]); BAD_INPUT names the field. */
export function networkOptions(input: StartInput): Pick<SupervisedStart, 'network' | 'extraRules'> {
  const allow = (input.allow ?? []).map((a) => a.trim()).filter(Boolean);
  if (input.network === 'none' && allow.length) throw new PaddockError('BAD_INPUT', 'allow: hosts and presets need network "egress"; "none" means no network at all');
  const extraRules = allow.flatMap((value, i) => {
    try {
      return allowValue(value);
    } catch (e) {
      throw new PaddockError('BAD_INPUT', `allow[${i}]: ${errorMessage(e)}`, { cause: e });
    }
  });
  return { ...(input.network ? { network: input.network } : {}), ...(extraRules.length ? { extraRules } : {}) };
}

/**
 * The agent part: the agent's image layer, its command line, the gate, and the UI's approvals
 * broker for the session's mode (ask: the inbox; allow / deny: unattended); the agent runs
 * interactively in the session's terminal. An agent needs the session network (its model and
 * the gate are reached there).
 */
export function agentOptions(
  input: StartInput,
  home: string,
  onProgress: (m: string) => void,
  broker: ApprovalBroker,
  mode: 'ask' | 'allow' | 'deny',
): Pick<SupervisedStart, 'agentSetup'> {
  const agent = input.agent;
  if (!agent) return {};
  if (input.network === 'none') throw new PaddockError('BAD_INPUT', 'network: an agent session needs network "egress" (its model API and the gate are reached through it)');
  if (input.command?.trim()) throw new PaddockError('BAD_INPUT', 'command: an agent session runs the agent itself; leave the command empty');
  if (input.image?.trim()) throw new PaddockError('BAD_INPUT', "image: an agent session runs the agent's own image layer; leave the image empty");
  return {
    agentSetup: async (ctx) => {
      const { prepareAgentSession } = await import('../sessions/agent-session.js'); // only agent sessions load the gate
      const a = await prepareAgentSession({
        ...ctx,
        agent,
        approvals: mode === 'ask' ? undefined : mode,
        broker: { broker, asks: mode === 'ask' },
        args: [],
        interactive: false,
        env: { ...process.env, PADDOCK_HOME: home },
        onProgress,
      });
      return { run: a.runOptions, egress: (base) => a.egress(base), ...(a.decider ? { decider: a.decider } : {}) };
    },
  };
}
