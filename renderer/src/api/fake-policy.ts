/* eslint-disable @typescript-eslint/require-await -- an in-memory fake has nothing to wait for */
// The fake client's policy files and image builds: enough behaviour for component tests of the
// editor and Settings (YAML errors at their line, managed locks, drafts, progress events).
import { LineCounter, parseDocument } from 'yaml';
import type {
  ApiHandlers,
  EngineStatus,
  EventName,
  EventPayload,
  PolicyLock,
  PolicyProblem,
  Verdict,
} from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';

export const FAKE_MANAGED_FILE = '/etc/paddock/policy.yaml';
export const FAKE_USER_FILE = '/home/dev/.local/share/paddock/policy.yaml';

export const fakeUserPolicy = `# my policy
version: 1
commands:
  rules:
    - id: no-deploy
      decision: forbid
      pattern: make deploy
      justification: deploys go through CI
      examples:
        match: [make deploy]
    - id: git-push-force
      decision: ask
      pattern: git push
      flags_any: [--force]
network:
  rules:
    - { host: registry.npmjs.org, port: 443, decision: allow }
`;

export const fakeLocks: PolicyLock[] = [
  {
    key: 'commands.rules.git-push-force',
    file: FAKE_MANAGED_FILE,
    line: 9,
    col: 5,
    reason: 'set by the managed policy',
  },
  {
    key: 'telemetry.endpoint',
    file: FAKE_MANAGED_FILE,
    line: 14,
    col: 13,
    reason: 'set by the managed policy',
  },
];

interface Rule {
  id?: string;
  decision?: string;
  pattern?: string;
  justification?: string;
}

function problemsOf(file: string, text: string, locks: PolicyLock[]): PolicyProblem[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (offset: number) => lc.linePos(offset);
  if (doc.errors[0]) {
    const { line, col } = at(doc.errors[0].pos[0]);
    return [
      {
        code: 'POLICY_INVALID',
        file,
        line,
        col,
        message: `not valid YAML: ${doc.errors[0].message.split('\n')[0]}`,
      },
    ];
  }
  const data = (doc.toJS() ?? {}) as { version?: unknown; commands?: { rules?: Rule[] } };
  if (data.version !== 1)
    return [{ code: 'POLICY_INVALID', file, line: 1, col: 1, message: 'version: expected 1' }];
  for (const [i, r] of (data.commands?.rules ?? []).entries()) {
    const lock = locks.find((l) => l.key === `commands.rules.${r.id ?? ''}`);
    const node = doc.getIn(['commands', 'rules', i], true) as
      { range?: [number, number, number] } | undefined;
    const { line, col } = at(node?.range?.[0] ?? 0);
    if (!r.pattern)
      return [
        {
          code: 'POLICY_INVALID',
          file,
          line,
          col,
          message: `commands.rules[${i}]: missing required key "pattern"`,
        },
      ];
    if (lock && r.decision !== 'ask')
      return [
        {
          code: 'POLICY_LOCKED',
          file,
          line,
          col,
          message: `${lock.key} is locked: ${lock.reason} (${lock.file}:${lock.line}:${lock.col})`,
        },
      ];
  }
  return [];
}

function rulesIn(text: string): Rule[] {
  try {
    return ((parseDocument(text).toJS() ?? {}) as { commands?: { rules?: Rule[] } }).commands?.rules ?? [];
  } catch {
    return [];
  }
}

export function createFakePolicy(emit: <K extends EventName>(name: K, payload: EventPayload<K>) => void) {
  const files = new Map<string, string>([[FAKE_USER_FILE, fakeUserPolicy]]);
  const agentBuilt = new Map<string, boolean>([
    ['claude', true],
    ['codex', false],
  ]);
  const pathOf = (layer: 'user' | 'project', repo?: string) => {
    if (layer === 'user') return FAKE_USER_FILE;
    if (!repo)
      throw new ApiCallError('BAD_INPUT', 'the project policy belongs to a repository: name the repository');
    return `${repo}/.paddock/policy.yaml`;
  };
  const sha = (text: string | undefined) =>
    text === undefined ? null : `sha-${text.length}-${text.slice(-8)}`;
  const handlers: Pick<ApiHandlers, 'policy.source' | 'policy.save' | 'images.build'> = {
    'policy.source': async ({ layer, repo }) => {
      const path = pathOf(layer, repo);
      const text = files.get(path);
      return {
        layer,
        path,
        exists: text !== undefined,
        text: text ?? '',
        sha256: sha(text),
        managedFile: FAKE_MANAGED_FILE,
        locks: fakeLocks,
      };
    },
    'policy.save': async ({ layer, repo, text, baseSha256, dryRun }) => {
      const path = pathOf(layer, repo);
      const problems = problemsOf(path, text, fakeLocks);
      if (problems.length === 0 && baseSha256 !== undefined && baseSha256 !== sha(files.get(path))) {
        problems.push({
          code: 'POLICY_CONFLICT',
          file: null,
          line: null,
          col: null,
          message: `${path} changed on disk since it was opened`,
        });
      }
      if (problems.length > 0) return { saved: false, path, sha256: null, problems, view: null };
      if (!dryRun) files.set(path, text);
      return { saved: !dryRun, path, sha256: dryRun ? null : sha(text), problems: [], view: null };
    },
    'images.build': async ({ agent }) => {
      const tag = agent ? `paddock/agent-${agent}:test` : 'paddock/agent:test';
      emit('engine.progress', { message: `checking ${tag}`, time: Date.now() });
      const built = agent !== undefined && !agentBuilt.get(agent);
      if (built) {
        emit('engine.progress', {
          message: `building ${tag}, step 1/2: npm install @openai/codex`,
          time: Date.now(),
        });
        emit('engine.progress', { message: `building ${tag}, step 2/2: ${agent} layer`, time: Date.now() });
        agentBuilt.set(agent, true);
      }
      emit('engine.progress', {
        message: built ? `built ${tag} in 1.0s` : `${tag} is up to date (nothing to build)`,
        time: Date.now(),
      });
      return { tag, id: 'sha256:0123', built, seconds: 1 };
    },
  };
  return {
    handlers,
    files,
    agentImages: (): EngineStatus['agentImages'] =>
      [...agentBuilt].map(([agent, b]) => ({ agent, tag: `paddock/agent-${agent}:test`, built: b })),
    /** The user's (or the draft's) rule that names the command's first words, for the fake `policy.check`. */
    verdictFromRules(command: string, draft?: { layer: 'user' | 'project'; text: string }): Verdict | null {
      const text = draft?.layer === 'user' ? draft.text : (files.get(FAKE_USER_FILE) ?? '');
      const rule = rulesIn(text).find(
        (r) =>
          r.pattern &&
          !fakeLocks.some((l) => l.key === `commands.rules.${r.id ?? ''}`) &&
          command.trim().split(/\s+/).join(' ').startsWith(r.pattern),
      );
      if (!rule?.id || !rule.decision) return null;
      const decision = rule.decision as Verdict['decision'];
      const source = { layer: 'user', file: FAKE_USER_FILE, line: 1, col: 1 };
      return {
        commandLine: command,
        decision,
        justification: rule.justification ?? '',
        rule: { id: rule.id, source },
        parts: [
          { text: command, decision, ruleId: rule.id, via: [], justification: rule.justification ?? '' },
        ],
      };
    },
  };
}
