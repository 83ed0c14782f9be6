/**
 * Data shapes that cross the contract (IPC, WebSocket, the fake client). Plain JSON only: the
 * renderer never sees engine classes, and every type here is inferred from its schema.
 */
import { z } from 'zod';

export const SessionStateSchema = z.enum(['starting', 'running', 'paused', 'ended', 'failed', 'interrupted']);

export const SessionSchema = z.object({
  id: z.string(),
  repo: z.string(),
  image: z.string(),
  agent: z.string(),
  command: z.array(z.string()),
  state: SessionStateSchema,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  exitCode: z.number().int().nullable(),
  endReason: z.string().nullable(),
  message: z.string().nullable(),
  /** Started by this engine process and still running: input, resize and stop work. */
  attached: z.boolean(),
  /** A journal exists: replay and export work. */
  journaled: z.boolean(),
  /** Questions put to a human, and refusals (commands, tools, network); null without a journal. */
  counts: z.object({ approvals: z.number().int(), denials: z.number().int() }).nullable(),
});
export type Session = z.infer<typeof SessionSchema>;

export const TerminalBacklogSchema = z.object({
  /** The recent output (up to ~1 MB), to paint before the live `terminal.data` events. */
  data: z.string(),
  /** Sequence number of the last batch included; apply only events with a higher `seq`. */
  seq: z.number().int(),
  attached: z.boolean(),
});
export type TerminalBacklog = z.infer<typeof TerminalBacklogSchema>;

export const ReplayEventSchema = z.object({
  seq: z.number().int(),
  time: z.number(),
  kind: z.string(),
  data: z.unknown(),
  /** One line of plain text for feeds and timeline labels. */
  summary: z.string(),
});
export type ReplayEvent = z.infer<typeof ReplayEventSchema>;

export const ReplayEventsSchema = z.object({
  startTime: z.number(),
  endTime: z.number(),
  count: z.number().int(),
  events: z.array(ReplayEventSchema),
  truncated: z.boolean(),
});
export type ReplayEvents = z.infer<typeof ReplayEventsSchema>;

export const ScreenSchema = z.object({
  time: z.number(),
  seq: z.number().int(),
  cols: z.number().int(),
  rows: z.number().int(),
  lines: z.array(z.string()),
  /** Escape sequence that paints this screen in a fresh terminal of cols x rows. */
  ansi: z.string(),
});
export type Screen = z.infer<typeof ScreenSchema>;

export const SearchHitSchema = z.object({ seq: z.number().int(), time: z.number(), kind: z.string(), snippet: z.string() });
export type SearchHit = z.infer<typeof SearchHitSchema>;

export const ExportFormatSchema = z.enum(['cast', 'jsonl', 'html']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

export const ExportFileSchema = z.object({ filename: z.string(), mime: z.string(), content: z.string(), bytes: z.number().int() });
export type ExportFile = z.infer<typeof ExportFileSchema>;

export const SourceSchema = z.object({ layer: z.string(), file: z.string(), line: z.number().int(), col: z.number().int(), note: z.string().optional() });
export type Source = z.infer<typeof SourceSchema>;

export const PolicyRowSchema = z.object({
  section: z.string(),
  key: z.string(),
  value: z.string(),
  source: SourceSchema.nullable(),
  /** Set by the managed layer: users and projects cannot change it. */
  locked: z.boolean(),
});
export type PolicyRow = z.infer<typeof PolicyRowSchema>;

export const PolicyViewSchema = z.object({
  repo: z.string().nullable(),
  fingerprint: z.string(),
  layers: z.array(z.object({ layer: z.string(), file: z.string(), sha256: z.string(), signed: z.boolean().optional() })),
  rows: z.array(PolicyRowSchema),
  warnings: z.array(z.object({ message: z.string(), source: SourceSchema })),
});
export type PolicyView = z.infer<typeof PolicyViewSchema>;

export const DecisionSchema = z.enum(['allow', 'ask', 'forbid']);

export const VerdictSchema = z.object({
  commandLine: z.string(),
  decision: DecisionSchema,
  justification: z.string(),
  rule: z.object({ id: z.string(), source: SourceSchema }),
  parts: z.array(z.object({ text: z.string(), decision: DecisionSchema, ruleId: z.string(), via: z.array(z.string()), justification: z.string() })),
});
export type Verdict = z.infer<typeof VerdictSchema>;

export const EngineStatusSchema = z.object({
  connected: z.boolean(),
  host: z.string().nullable(),
  version: z.string().nullable(),
  error: z.string().nullable(),
  dataDir: z.string(),
  defaultImage: z.object({ tag: z.string(), built: z.boolean() }),
  images: z.array(z.object({ tag: z.string(), kind: z.string(), size: z.number(), created: z.string(), current: z.boolean() })),
  /** The agent layers the current recipe builds (`paddock images build --agent NAME`), built or not. */
  agentImages: z.array(z.object({ agent: z.string(), tag: z.string(), built: z.boolean() })),
  running: z.number().int(),
});
export type EngineStatus = z.infer<typeof EngineStatusSchema>;

export const ApprovalChoiceSchema = z.enum(['allow-once', 'allow-session', 'allow-1h', 'always-project', 'deny']);
export type ApprovalChoice = z.infer<typeof ApprovalChoiceSchema>;

/** What a pending approval asks about: a command as the policy parsed it, an agent tool, or a network destination. */
export const ApprovalSubjectSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('command'),
    command: z.string(),
    cwd: z.string(),
    /** Each part after unwrapping (`bash -c`, `env`, `&&` …) with its own decision and rule. */
    parts: z.array(z.object({ text: z.string(), argv: z.array(z.string()), decision: z.string(), via: z.array(z.string()), rule: z.string() })),
  }),
  z.object({ kind: z.literal('tool'), tool: z.string(), summary: z.string(), cwd: z.string() }),
  z.object({ kind: z.literal('network'), method: z.string(), host: z.string(), port: z.number().int(), protocol: z.string() }),
]);

/** A request waiting for a human (the broker denies it on its own at `expiresAt`). */
export const ApprovalSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  agent: z.string(),
  repo: z.string(),
  subject: ApprovalSubjectSchema,
  /** The rule that asked: id and file:line, or `session default`. */
  rule: z.string(),
  why: z.string(),
  /** Milliseconds since the epoch. */
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type Approval = z.infer<typeof ApprovalSchema>;
export const EditableLayerSchema = z.enum(['user', 'project']);
export type EditableLayer = z.infer<typeof EditableLayerSchema>;

/** A value the managed layer sets: the editors show it locked and a save that changes it is refused. */
export const PolicyLockSchema = z.object({ key: z.string(), file: z.string(), line: z.number().int(), col: z.number().int(), reason: z.string() });
export type PolicyLock = z.infer<typeof PolicyLockSchema>;

export const PolicySourceSchema = z.object({
  layer: EditableLayerSchema,
  path: z.string(),
  exists: z.boolean(),
  text: z.string(),
  /** sha256 of the file as read (null: it does not exist yet); `policy.save` refuses if it changed since. */
  sha256: z.string().nullable(),
  managedFile: z.string().nullable(),
  locks: z.array(PolicyLockSchema),
});
export type PolicySource = z.infer<typeof PolicySourceSchema>;

/** Why a draft does not load: the loader's code and message, and the position when it has one. */
export const PolicyProblemSchema = z.object({
  code: z.string(),
  message: z.string(),
  file: z.string().nullable(),
  line: z.number().int().nullable(),
  col: z.number().int().nullable(),
});
export type PolicyProblem = z.infer<typeof PolicyProblemSchema>;

export const PolicySaveResultSchema = z.object({
  /** True only when the file was written (never on a dry run or a problem). */
  saved: z.boolean(),
  path: z.string(),
  sha256: z.string().nullable(),
  /** Empty when the draft loads; nothing is written otherwise. */
  problems: z.array(PolicyProblemSchema),
  /** The effective policy with the draft (null when it does not load). */
  view: PolicyViewSchema.nullable(),
});
export type PolicySaveResult = z.infer<typeof PolicySaveResultSchema>;

export const ImageBuildResultSchema = z.object({ tag: z.string(), id: z.string(), built: z.boolean(), seconds: z.number() });
export type ImageBuildResult = z.infer<typeof ImageBuildResultSchema>;
/** One decision of a session's egress proxy (the live network feed). */
export const NetworkEntrySchema = z.object({
  seq: z.number().int(),
  time: z.number(),
  /** Final outcome. */
  decision: z.enum(['allow', 'deny']),
  /** The rules said ask: a human (or the unattended setting) decided. */
  asked: z.boolean(),
  /** Paddock's own start-up check that the proxy refuses itself (from the host, not the sandbox). */
  selfCheck: z.boolean(),
  protocol: z.string(),
  method: z.string(),
  host: z.string(),
  port: z.number().int(),
  rule: z.string(),
  reason: z.string(),
  bytesUp: z.number(),
  bytesDown: z.number(),
  durationMs: z.number(),
});
export type NetworkEntry = z.infer<typeof NetworkEntrySchema>;

export const NetworkFeedSchema = z.object({ entries: z.array(NetworkEntrySchema), truncated: z.boolean() });
export type NetworkFeed = z.infer<typeof NetworkFeedSchema>;

/** A command or tool call the gate judged, and what came of it where known. */
export const CommandEntrySchema = z.object({
  seq: z.number().int(),
  time: z.number(),
  command: z.string(),
  /** The answer the agent got. */
  decision: z.enum(['allow', 'deny']),
  /** What the policy said before any approval. */
  policy: z.enum(['allow', 'ask', 'forbid']),
  rule: z.string(),
  justification: z.string(),
  /** Who answered an ask (a person, or the unattended setting). */
  by: z.string().nullable(),
  /** The tool's result (allowed commands, when the agent reports it): ok or failed, and its first output. */
  outcome: z.enum(['ok', 'failed']).nullable(),
  output: z.string().nullable(),
});
export type CommandEntry = z.infer<typeof CommandEntrySchema>;

export const CommandsFeedSchema = z.object({ entries: z.array(CommandEntrySchema), truncated: z.boolean() });
export type CommandsFeed = z.infer<typeof CommandsFeedSchema>;

export const ChangedFilesSchema = z.object({
  /** git: against the start commit; snapshot: a repo outside git, against its files at the start; none: nothing to compare with. */
  basis: z.enum(['git', 'snapshot', 'none']),
  /** The start commit (git). */
  since: z.string().nullable(),
  /** Computed now from the repo (running session) or read from the record made at its end. */
  live: z.boolean(),
  /** git-style status letters: A added, M modified, D deleted, R renamed, ? untracked. */
  paths: z.array(z.object({ path: z.string(), status: z.string() })),
  note: z.string().nullable(),
});
export type ChangedFiles = z.infer<typeof ChangedFilesSchema>;

export const FileDiffSchema = z.object({ path: z.string(), diff: z.string(), truncated: z.boolean() });
export type FileDiff = z.infer<typeof FileDiffSchema>;

/** Choices for the new-session form. */
export const StartOptionsSchema = z.object({
  agents: z.array(z.string()),
  presets: z.array(z.object({ name: z.string(), hosts: z.array(z.string()) })),
  /** Policy presets (`paddock policy presets`): built-in, or the user's own in $PADDOCK_HOME/presets. */
  policyPresets: z.array(z.object({ name: z.string(), source: z.enum(['built-in', 'user']), description: z.string() })),
});
export type StartOptions = z.infer<typeof StartOptionsSchema>;
