/**
 * The one contract between the engine and every front end: procedures named `domain.verb`,
 * events named `domain.changed` / `terminal.data`, each with a zod schema. The Electron preload
 * surface, the main-process IPC handlers, the WebSocket bridge and the renderer's clients are all
 * derived from these two maps (and a contract test checks that each covers exactly these keys).
 */
import { z } from 'zod';
import type { EventName, ProcedureName } from './contract-names.js';
import { eventNames, isEventName, isProcedureName, procedureNames } from './contract-names.js';
import {
  ApprovalChoiceSchema,
  ApprovalSchema,
  EditableLayerSchema,
  EngineStatusSchema,
  ImageBuildResultSchema,
  ChangedFilesSchema,
  CommandsFeedSchema,
  FileDiffSchema,
  NetworkFeedSchema,
  StartOptionsSchema,
  ExportFileSchema,
  ExportFormatSchema,
  PolicySaveResultSchema,
  PolicySourceSchema,
  PolicyViewSchema,
  ReplayEventsSchema,
  ScreenSchema,
  SearchHitSchema,
  SessionSchema,
  TerminalBacklogSchema,
  VerdictSchema,
} from './contract-schemas.js';

const id = z.string().min(1).max(200);
const empty = z.object({}).strict();
/** A policy preset's name (built-in, or the user's own in $PADDOCK_HOME/presets). */
const presetName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/);
const ok = z.object({}).strict();

function procedure<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

type ProcedureSpec = { input: z.ZodType; output: z.ZodType; doc: string };

export const procedures = {
  'sessions.list': procedure(empty, z.array(SessionSchema), 'every session in the index, newest first'),
  'sessions.get': procedure(z.object({ id }).strict(), SessionSchema, 'one session (an unambiguous id prefix works)'),
  'sessions.start': procedure(
    z
      .object({
        repo: z.string().min(1).max(4096),
        /** A shell command line run with `sh -c`; empty or missing starts an interactive bash. */
        command: z.string().max(100_000).optional(),
        image: z.string().min(1).max(512).optional(),
        timeoutSeconds: z.number().int().positive().max(7 * 24 * 3600).optional(),
        cols: z.number().int().min(2).max(1000).optional(),
        rows: z.number().int().min(2).max(1000).optional(),
        /** Who answers the policy's asks: a human in the UI (default), or unattended allow / deny. */
        approvals: z.enum(['ask', 'allow', 'deny']).optional(),
        /** Run an agent behind the gate (as `paddock run --agent`); the command line is then its arguments. */
        agent: z.enum(['claude', 'codex', 'gemini', 'opencode']).optional(),
        /** As `--network`: none, or egress through the proxy; default: egress when anything may leave. */
        network: z.enum(['none', 'egress']).optional(),
        /** As `--allow`: egress presets (npm, github, …) and host[:port] patterns. */
        allow: z.array(z.string().min(1).max(300)).max(100).optional(),
        /** As `--preset`: a policy preset applied between the user and the project policy. */
        preset: z.string().min(1).max(64).optional(),
      })
      .strict(),
    SessionSchema,
    'start a sandboxed session with a terminal; resolves once the program runs',
  ),
  'sessions.stop': procedure(z.object({ id }).strict(), ok, 'stop a running session now (SIGKILL; the session ends as aborted)'),
  'sessions.input': procedure(z.object({ id, data: z.string().max(1_000_000) }).strict(), ok, "write to a running session's terminal"),
  'sessions.resize': procedure(
    z.object({ id, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(1000) }).strict(),
    ok,
    "resize a running session's terminal",
  ),
  'sessions.output': procedure(z.object({ id }).strict(), TerminalBacklogSchema, 'recent terminal output of a session this engine runs (for late joiners)'),
  'sessions.pause': procedure(z.object({ id }).strict(), ok, "freeze a running session's container (docker pause); approval timeouts and Stop keep working"),
  'sessions.resume': procedure(z.object({ id }).strict(), ok, 'resume a paused session'),
  'sessions.network': procedure(z.object({ id }).strict(), NetworkFeedSchema, "every egress decision of a session so far (re-query on its network activity)"),
  'sessions.commands': procedure(z.object({ id }).strict(), CommandsFeedSchema, 'every command or tool call the gate judged, with its decision, rule and outcome'),
  'sessions.files': procedure(z.object({ id }).strict(), ChangedFilesSchema, 'files changed in the repo since the session started (live while it runs)'),
  'sessions.fileDiff': procedure(z.object({ id, path: z.string().min(1).max(4096) }).strict(), FileDiffSchema, 'the diff of one changed file since the session started'),
  'sessions.startOptions': procedure(empty, StartOptionsSchema, 'the agents, policy presets and egress presets a session can start with'),
  'replay.events': procedure(
    z
      .object({
        id,
        from: z.number(),
        to: z.number(),
        kinds: z.array(z.string().max(100)).max(100).optional(),
        /** Only notable events (everything but terminal output, input and resizes). */
        notable: z.boolean().optional(),
        limit: z.number().int().positive().max(50_000).optional(),
      })
      .strict(),
    ReplayEventsSchema,
    'journal records with from <= time <= to (optionally only some kinds), plus the journal time range',
  ),
  'replay.screenAt': procedure(z.object({ id, t: z.number() }).strict(), ScreenSchema, 'the terminal screen after every record up to time t'),
  'replay.search': procedure(z.object({ id, query: z.string().min(1).max(1000) }).strict(), z.array(SearchHitSchema), 'search terminal output and event data'),
  'export.session': procedure(z.object({ id, format: ExportFormatSchema }).strict(), ExportFileSchema, 'export a session: asciicast, verifiable JSONL bundle, HTML report'),
  'policy.explain': procedure(z.object({ repo: z.string().max(4096).optional(), preset: presetName.optional() }).strict(), PolicyViewSchema, 'the effective policy with the layer and file:line:col of each value (optionally with a policy preset)'),
  'policy.check': procedure(
    z
      .object({
        repo: z.string().max(4096).optional(),
        command: z.string().min(1).max(100_000),
        cwd: z.string().max(4096).optional(),
        /** A policy preset applied as its layer (as `paddock policy check --preset`). */
        preset: presetName.optional(),
        /** Judge with this unsaved text in place of the layer's file (the editor's draft). */
        draft: z.object({ layer: EditableLayerSchema, text: z.string().max(1_000_000) }).strict().optional(),
      })
      .strict(),
    VerdictSchema,
    'judge a command line with the effective policy (or with an unsaved draft of one layer)',
  ),
  'policy.source': procedure(
    z.object({ layer: EditableLayerSchema, repo: z.string().max(4096).optional() }).strict(),
    PolicySourceSchema,
    "the raw file of the user layer, or of a repo's project layer, and the values the managed layer locks",
  ),
  'policy.save': procedure(
    z
      .object({
        layer: EditableLayerSchema,
        repo: z.string().max(4096).optional(),
        text: z.string().max(1_000_000),
        /** The sha256 `policy.source` returned (null: the file did not exist); omitted = no check. */
        baseSha256: z.string().max(64).nullable().optional(),
        /** Check only; write nothing. */
        dryRun: z.boolean().optional(),
      })
      .strict(),
    PolicySaveResultSchema,
    'check a layer with the real loader (the whole stack must load, a project may only tighten, managed values stay) and write it atomically; on a problem nothing is written',
  ),
  'engine.status': procedure(empty, EngineStatusSchema, 'the container engine, images and data directory'),
  'approvals.list': procedure(z.object({ sessionId: id.optional() }).strict(), z.array(ApprovalSchema), 'approval requests waiting for a human, oldest first (across sessions, or of one)'),
  'approvals.answer': procedure(
    z.object({ id, choice: ApprovalChoiceSchema, reason: z.string().max(2000).optional() }).strict(),
    ok,
    'answer a pending approval (a deny reason is sent to the agent); unknown, expired or answered ids fail',
  ),
  'images.build': procedure(
    z.object({ agent: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/).optional() }).strict(),
    ImageBuildResultSchema,
    "build the default image (or an agent's layer) unless the current recipe is built; progress goes out as engine.progress",
  ),
} as const satisfies Record<ProcedureName, ProcedureSpec>;

export const events = {
  /** A session was created, started, ended or failed: re-query the list / the session. */
  'sessions.changed': z.object({ id: z.string() }),
  /** Batched terminal output (~16 ms or ~200 KB, never splitting a character). */
  'terminal.data': z.object({ id: z.string(), data: z.string(), seq: z.number().int() }),
  /** A notable (non-terminal) event of a session, for live feeds: kind, time and one line. */
  'sessions.activity': z.object({ id: z.string(), kind: z.string(), time: z.number(), summary: z.string() }),
  /** What a starting session is waiting for (e.g. the first image build, step by step). */
  'engine.progress': z.object({ message: z.string(), time: z.number() }),
  /** The set of pending approvals changed (asked, answered, expired): re-query `approvals.list`. */
  'approvals.changed': z.object({ pending: z.number().int(), ids: z.array(z.string()) }),
} as const satisfies Record<EventName, z.ZodType>;

export type Procedures = typeof procedures;
export type ProcedureInput<K extends ProcedureName> = z.input<Procedures[K]['input']>;
export type ParsedInput<K extends ProcedureName> = z.output<Procedures[K]['input']>;
export type ProcedureOutput<K extends ProcedureName> = z.output<Procedures[K]['output']>;
export type EventPayload<K extends EventName> = z.output<(typeof events)[K]>;

export { eventNames, isEventName, isProcedureName, procedureNames };
export type { EventName, ProcedureName };

/** Every result crosses a boundary as this envelope; `code` survives (PaddockError codes and the ones below). */
export const ApiErrorSchema = z.object({ code: z.string(), message: z.string() });
export type ApiError = z.infer<typeof ApiErrorSchema>;
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Codes the transports add to the engine's own. */
export type TransportErrorCode = 'BAD_INPUT' | 'UNKNOWN_PROCEDURE' | 'FORBIDDEN' | 'DISCONNECTED' | 'INTERNAL';

/** What implements the contract: one async function per procedure (the engine, the fake). */
export type ApiHandlers = { [K in ProcedureName]: (input: ParsedInput<K>) => Promise<ProcedureOutput<K>> };

export type EventListener = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

/** A contract implementation plus its event stream. */
export interface ApiImplementation {
  handlers: ApiHandlers;
  subscribe(listener: EventListener): () => void;
}
