/* eslint-disable @typescript-eslint/require-await -- an in-memory fake has nothing to wait for */
import type { ApiHandlers, Approval, ChangedFiles, CommandEntry, EventName, EventPayload, NetworkEntry, PolicyView, Session, Transport, TransportStatus } from '../../../electron/contract/index.js';
import { ApiCallError, dispatch } from '../../../electron/contract/index.js';
import { createFakePolicy } from './fake-policy.js';

/**
 * An in-memory implementation of the whole contract, for component tests. Calls go through the
 * contract's own `dispatch`, so inputs are validated exactly as the engine's transports do.
 */
export interface FakeApi {
  transport: Transport;
  handlers: ApiHandlers;
  sessions: Session[];
  /** Pending approvals (answering one removes it and emits `approvals.changed`). */
  approvals: Approval[];
  /** Add a pending approval and emit `approvals.changed`, as the engine does when a request arrives. */
  ask(a: Approval): void;
  /** Every call made, in order: [name, input]. */
  calls: Array<[string, unknown]>;
  emit<K extends EventName>(name: K, payload: EventPayload<K>): void;
  /** Make the next call of this procedure fail with this code. */
  failNext(name: keyof ApiHandlers, code: string, message: string): void;
  /** Simulate the connection dropping ('connecting') and coming back ('open'). */
  setStatus(status: TransportStatus): void;
  /** What the side panels of each session return; tests push to these and emit activity. */
  network: Map<string, NetworkEntry[]>;
  commands: Map<string, CommandEntry[]>;
  files: Map<string, ChangedFiles>;
  /** Diffs by `${sessionId}:${path}`. */
  diffs: Map<string, string>;
}

export function fakeSession(over: Partial<Session> = {}): Session {
  return {
    id: '20260101-120000-abcdef',
    repo: '/home/dev/project',
    image: 'paddock/agent:test',
    agent: 'command',
    command: ['sh', '-c', 'npm test'],
    state: 'ended',
    startedAt: '2026-01-01T12:00:00.000Z',
    endedAt: '2026-01-01T12:00:05.000Z',
    durationMs: 5000,
    exitCode: 0,
    endReason: 'exited',
    message: null,
    attached: false,
    journaled: true,
    counts: { approvals: 2, denials: 1 },
    ...over,
  };
}

export function fakeApproval(over: Partial<Approval> = {}): Approval {
  const now = Date.now();
  return {
    id: 'appr-1',
    sessionId: '20260101-120000-abcdef',
    agent: 'command',
    repo: '/home/dev/project',
    subject: {
      kind: 'command',
      command: "npm install left-pad && git status",
      cwd: '/workspace',
      parts: [
        { text: 'npm install left-pad', argv: ['npm', 'install', 'left-pad'], decision: 'ask', via: [], rule: 'commands.default (default-policy.yaml:11:12)' },
        { text: 'git status', argv: ['git', 'status'], decision: 'allow', via: [], rule: 'read-only-git (default-policy.yaml:40:7)' },
      ],
    },
    rule: 'commands.default (default-policy.yaml:11:12)',
    why: 'no rule matches this command; the policy default applies',
    createdAt: now - 20_000,
    expiresAt: now + 280_000,
    ...over,
  };
}

export const fakePolicy: PolicyView = {
  repo: null,
  fingerprint: 'f'.repeat(64),
  layers: [
    { layer: 'default', file: '/opt/paddock/default-policy.yaml', sha256: 'a'.repeat(64) },
    { layer: 'managed', file: '/etc/paddock/policy.yaml', sha256: 'b'.repeat(64), signed: true },
  ],
  rows: [
    { section: 'commands', key: 'default', value: 'ask', source: { layer: 'default', file: '/opt/paddock/default-policy.yaml', line: 3, col: 12 }, locked: false },
    { section: 'commands', key: 'rule git-push-force', value: 'forbid git push --force', source: { layer: 'managed', file: '/etc/paddock/policy.yaml', line: 9, col: 5 }, locked: true },
    { section: 'network', key: 'default', value: 'deny', source: null, locked: false },
  ],
  warnings: [],
};

export function createFakeApi(init: { sessions?: Session[]; approvals?: Approval[] } = {}): FakeApi {
  const sessions = [...(init.sessions ?? [])];
  const approvals = [...(init.approvals ?? [])];
  const approvalsChanged = () => emit('approvals.changed', { pending: approvals.length, ids: approvals.map((a) => a.id) });
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const failures = new Map<string, { code: string; message: string }>();
  const calls: Array<[string, unknown]> = [];
  const statusListeners = new Set<(s: TransportStatus) => void>();
  const output = new Map<string, string>();
  const network = new Map<string, NetworkEntry[]>();
  const commands = new Map<string, CommandEntry[]>();
  const files = new Map<string, ChangedFiles>();
  const diffs = new Map<string, string>();
  const setState = (id: string, from: Session['state'], to: Session['state']) => {
    const s = find(id);
    if (!s.attached || s.state !== from) throw new ApiCallError('BAD_INPUT', `session ${id} is ${s.state}`);
    s.state = to;
    emit('sessions.changed', { id });
    emit('sessions.activity', { id, kind: to === 'paused' ? 'session.paused' : 'session.resumed', time: Date.now(), summary: `${to === 'paused' ? 'paused' : 'resumed'} by the user, from the Paddock UI` });
    return {};
  };
  const emit = <K extends EventName>(name: K, payload: EventPayload<K>) => {
    for (const l of listeners.get(name) ?? []) l(payload);
  };
  const policy = createFakePolicy(emit);
  const find = (id: string) => {
    const s = sessions.find((x) => x.id === id);
    if (!s) throw new ApiCallError('SESSION_NOT_FOUND', `no session ${id}`);
    return s;
  };
  const fakePolicyPresets = [
    { name: 'read-only', source: 'built-in' as const, description: 'Read and investigate only; commits, pushes, installs, deletes and in-place edits are forbidden.' },
    { name: 'strict', source: 'built-in' as const, description: 'No network unless a rule allows it, unanswered asks denied, package installs and downloads always asked.' },
  ];
  const handlers: ApiHandlers = {
    'sessions.list': async () => [...sessions],
    'sessions.get': async ({ id }) => find(id),
    'sessions.start': async ({ repo, command, image, agent, preset }) => {
      if (preset && !fakePolicyPresets.some((p) => p.name === preset)) {
        throw new ApiCallError('BAD_INPUT', `unknown policy preset "${preset}"; available presets: ${fakePolicyPresets.map((p) => p.name).join(', ')}`);
      }
      const s = fakeSession({
        id: `20260101-1200${String(sessions.length).padStart(2, '0')}-fake${sessions.length}`,
        repo,
        image: image ?? 'paddock/agent:test',
        command: agent ? [agent] : command ? ['sh', '-c', command] : ['bash'],
        agent: agent ?? (command ? 'command' : 'shell'),
        state: 'running',
        startedAt: new Date().toISOString(),
        endedAt: null,
        durationMs: null,
        exitCode: null,
        endReason: null,
        attached: true,
      });
      sessions.unshift(s);
      output.set(s.id, '');
      return s;
    },
    'sessions.stop': async ({ id }) => {
      const s = find(id);
      Object.assign(s, { state: 'ended', attached: false, endReason: 'aborted', endedAt: new Date().toISOString(), exitCode: 137 });
      emit('sessions.changed', { id });
      return {};
    },
    'sessions.input': async ({ id }) => (find(id), {}),
    'sessions.resize': async ({ id }) => (find(id), {}),
    'sessions.output': async ({ id }) => ({ data: output.get(find(id).id) ?? '', seq: 0, attached: find(id).attached }),
    'sessions.pause': async ({ id }) => setState(id, 'running', 'paused'),
    'sessions.resume': async ({ id }) => setState(id, 'paused', 'running'),
    'sessions.network': async ({ id }) => ({ entries: [...(network.get(find(id).id) ?? [])], truncated: false }),
    'sessions.commands': async ({ id }) => ({ entries: [...(commands.get(find(id).id) ?? [])], truncated: false }),
    'sessions.files': async ({ id }) => {
      const s = find(id);
      return files.get(s.id) ?? { basis: 'git', since: 'a'.repeat(40), live: s.attached, paths: [], note: null };
    },
    'sessions.fileDiff': async ({ id, path }) => {
      const diff = diffs.get(`${find(id).id}:${path}`);
      if (diff === undefined) throw new ApiCallError('BAD_INPUT', `${path} is not among the files this session changed`);
      return { path, diff, truncated: false };
    },
    'sessions.startOptions': async () => ({
      agents: ['claude', 'codex', 'gemini', 'opencode'],
      presets: [
        { name: 'npm', hosts: ['registry.npmjs.org', 'registry.yarnpkg.com'] },
        { name: 'github', hosts: ['github.com', 'api.github.com'] },
      ],
      policyPresets: fakePolicyPresets.map((p) => ({ ...p })),
    }),
    'replay.events': async ({ id }) => {
      find(id);
      return {
        startTime: 1000,
        endTime: 5000,
        count: 6,
        truncated: false,
        events: [
          { seq: 1, time: 1000, kind: 'session.created', data: {}, summary: 'created: npm test in /home/dev/project' },
          { seq: 3, time: 1200, kind: 'session.started', data: {}, summary: 'started in container 0123456789ab' },
          { seq: 6, time: 5000, kind: 'session.ended', data: {}, summary: 'ended: exit 0 (exited)' },
        ],
      };
    },
    'replay.screenAt': async ({ id, t }) => {
      find(id);
      const lines = t >= 5000 ? ['$ npm test', 'all tests passed'] : t >= 1200 ? ['$ npm test'] : [];
      return { time: t, seq: 1, cols: 80, rows: 24, lines, ansi: lines.join('\r\n') };
    },
    'replay.search': async ({ id, query }) => (find(id), query === 'passed' ? [{ seq: 5, time: 4000, kind: 'terminal.output', snippet: 'all tests passed' }] : []),
    'export.session': async ({ id, format }) => ({ filename: `paddock-${find(id).id}.${format}`, mime: 'text/plain', content: `export ${format}`, bytes: 9 }),
    'policy.explain': async ({ repo }) => ({ ...fakePolicy, repo: repo ?? null }),
    'policy.check': async ({ command, draft }) => policy.verdictFromRules(command, draft) ?? {
      commandLine: command,
      decision: command.includes('--force') ? 'forbid' : 'allow',
      justification: command.includes('--force') ? 'force-pushing rewrites shared history' : 'read-only command',
      rule: { id: command.includes('--force') ? 'git-push-force' : 'read-only', source: { layer: 'default', file: '/opt/paddock/default-policy.yaml', line: 20, col: 5 } },
      parts: [{ text: command, decision: command.includes('--force') ? 'forbid' : 'allow', ruleId: 'git-push-force', via: [], justification: '' }],
    },
    ...policy.handlers,
    'engine.status': async () => ({
      connected: true,
      host: 'unix:///var/run/docker.sock',
      version: 'Engine 27.0',
      error: null,
      dataDir: '/home/dev/.local/share/paddock',
      defaultImage: { tag: 'paddock/agent:test', built: true },
      images: [{ tag: 'paddock/agent:test', kind: 'image', size: 300_000_000, created: '2026-01-01T00:00:00.000Z', current: true }],
      agentImages: policy.agentImages(),
      running: sessions.filter((s) => s.state === 'running').length,
    }),
    'approvals.list': async ({ sessionId }) => approvals.filter((a) => !sessionId || a.sessionId === sessionId),
    'approvals.answer': async ({ id }) => {
      const i = approvals.findIndex((a) => a.id === id);
      if (i < 0) throw new ApiCallError('APPROVAL_NOT_FOUND', `no approval request ${id}`);
      approvals.splice(i, 1);
      approvalsChanged();
      return {};
    },
  };
  const transport: Transport = {
    async call(name, input) {
      calls.push([name, input]);
      const f = failures.get(name);
      if (f) {
        failures.delete(name);
        return { ok: false, error: f };
      }
      return dispatch(handlers, name, input);
    },
    on(name, listener) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener('open');
      return () => statusListeners.delete(listener);
    },
  };
  return {
    transport,
    handlers,
    sessions,
    approvals,
    ask: (a) => {
      approvals.push(a);
      approvalsChanged();
    },
    calls,
    emit,
    failNext: (name, code, message) => failures.set(name, { code, message }),
    setStatus: (s) => statusListeners.forEach((l) => l(s)),
    network,
    commands,
    files,
    diffs,
  };
}
