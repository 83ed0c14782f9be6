import { randomUUID } from 'node:crypto';
import { errorMessage } from '../errors.js';
import type { ApprovalDecider } from '../egress/approval-decider.js';
import type { SessionEventSink } from '../sessions/session-events.js';
import { subjectLine } from './approval-events.js';
import type {
  ApprovalAnswer,
  ApprovalOutcome,
  ApprovalProvider,
  ApprovalRequest,
  ApprovalSubject,
} from './approval-types.js';
import type { ProjectRuleWriter } from './project-rules.js';

export interface ApprovalBrokerOptions {
  provider: ApprovalProvider;
  events: SessionEventSink;
  /** An unanswered question is denied after this long (policy `approvals.timeout_seconds`; default 5 min). */
  timeoutMs?: number;
  /** Writes `always for this project` rules; without it that answer acts as `allow-session`. */
  projectRules?: ProjectRuleWriter | null;
  now?: () => number;
}

/** Who is asking: fixed per session. */
export interface ApprovalContext {
  sessionId: string;
  agent: string;
  repo: string;
  /** This session's policy timeout, when one broker serves sessions with different policies. */
  timeoutMs?: number;
}

export interface AskInput {
  subject: ApprovalSubject;
  rule: string;
  why: string;
}

interface Pending {
  outcome: Promise<ApprovalOutcome>;
  ac: AbortController;
  waiters: number;
}

const HOUR = 3_600_000;

/**
 * The approvals broker: one per engine. Puts questions from the gate and the egress proxy to a
 * provider, with a deadline (timeout → deny, with a reason written for the model); coalesces
 * duplicate questions of one session; remembers `allow for this session` and `allow for 1 hour`;
 * writes `always for this project` into the user's policy. Every question and answer is an event.
 */
export class ApprovalBroker {
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly pending = new Map<string, Pending>();
  private readonly sessionAllow = new Map<string, Set<string>>();
  private readonly hourAllow = new Map<string, number>();

  constructor(private readonly opts: ApprovalBrokerOptions) {
    this.timeoutMs = opts.timeoutMs ?? 300_000;
    this.now = opts.now ?? Date.now;
  }

  get providerName(): string {
    return this.opts.provider.name;
  }

  /** Ask (or answer from memory). Never rejects, never waits longer than the timeout. */
  async ask(ctx: ApprovalContext, input: AskInput, requesterGone?: AbortSignal): Promise<ApprovalOutcome> {
    const key = rememberKey(input.subject);
    const remembered = this.remembered(ctx, key);
    const line = subjectLine(input.subject);
    if (remembered) {
      const id = randomUUID();
      const outcome: ApprovalOutcome = { decision: 'allow', reason: `approved earlier (${remembered})`, choice: 'remembered', by: remembered, requestId: id };
      this.opts.events.emit(ctx.sessionId, 'approval.answer', { id, command: line, decision: 'allow', choice: 'remembered', by: remembered, reason: outcome.reason, waitedMs: 0 });
      return outcome;
    }
    const pkey = `${ctx.sessionId}\0${key}`;
    let entry = this.pending.get(pkey);
    if (!entry) {
      const ac = new AbortController();
      const outcome = this.put(ctx, input, line, key, ac).finally(() => this.pending.delete(pkey));
      entry = { outcome, ac, waiters: 0 };
      this.pending.set(pkey, entry);
    }
    const e = entry;
    e.waiters++;
    requesterGone?.addEventListener(
      'abort',
      () => {
        if (--e.waiters === 0) e.ac.abort();
      },
      { once: true },
    );
    return e.outcome;
  }

  /** The egress proxy's view of this broker (the session id comes from each request when not given). */
  egressDecider(ctx: Omit<ApprovalContext, 'sessionId'> & { sessionId?: string }): ApprovalDecider {
    return {
      decide: async (r, signal) => {
        const out = await this.ask(
          { ...ctx, sessionId: ctx.sessionId ?? r.sessionId },
          { subject: { kind: 'network', method: r.method, host: r.host, port: r.port, protocol: r.protocol }, rule: r.rule, why: `network rule: ${r.rule}` },
          signal,
        );
        return out.decision;
      },
    };
  }

  /** Forget a session's remembered answers (call when it ends). */
  endSession(sessionId: string): void {
    this.sessionAllow.delete(sessionId);
  }

  private remembered(ctx: ApprovalContext, key: string): string | null {
    if (this.sessionAllow.get(ctx.sessionId)?.has(key)) return 'allowed for this session';
    const until = this.hourAllow.get(`${ctx.repo}\0${key}`);
    if (until !== undefined) {
      if (until > this.now()) return 'allowed for 1 hour';
      this.hourAllow.delete(`${ctx.repo}\0${key}`);
    }
    return null;
  }

  private async put(ctx: ApprovalContext, input: AskInput, line: string, key: string, ac: AbortController): Promise<ApprovalOutcome> {
    const createdAt = this.now();
    const timeoutMs = ctx.timeoutMs ?? this.timeoutMs;
    const request: ApprovalRequest = {
      id: randomUUID(),
      sessionId: ctx.sessionId,
      agent: ctx.agent,
      repo: ctx.repo,
      subject: input.subject,
      rule: input.rule,
      why: input.why,
      createdAt,
      expiresAt: createdAt + timeoutMs,
    };
    const { events, provider } = this.opts;
    events.emit(ctx.sessionId, 'approval.request', {
      id: request.id,
      agent: ctx.agent,
      command: line,
      subject: input.subject,
      rule: input.rule,
      why: input.why,
      provider: provider.name,
      expiresAt: request.expiresAt,
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const gone = new Promise<'gone'>((resolve) => ac.signal.addEventListener('abort', () => resolve('gone'), { once: true }));
    const answered = Promise.resolve()
      .then(() => provider.ask(request, ac.signal))
      .then(
        (a): ApprovalAnswer | Error => a,
        (e: unknown) => new Error(errorMessage(e)),
      );
    const first = await Promise.race([answered, timedOut, gone]);
    clearTimeout(timer);
    if (!ac.signal.aborted) ac.abort();
    let outcome: ApprovalOutcome;
    let writtenRule: { file: string; id: string } | null = null;
    if (first === 'timeout' || first === 'gone') {
      const mins = timeoutMs >= 60_000 ? `${Math.round(timeoutMs / 60_000)} minute(s)` : `${Math.round(timeoutMs / 1000)} second(s)`;
      outcome = {
        decision: 'deny',
        reason:
          first === 'timeout'
            ? `Paddock asked the user to approve \`${line}\` but nobody answered within ${mins}, so it was denied. Do not retry it unchanged; continue without it or ask the user.`
            : 'the request was withdrawn before anyone answered',
        choice: 'timeout',
        by: 'paddock',
        requestId: request.id,
      };
    } else if (first instanceof Error) {
      outcome = { decision: 'deny', reason: `Paddock could not get an approval for \`${line}\` (${first.message}), so it was denied.`, choice: 'error', by: provider.name, requestId: request.id };
    } else {
      if (first.choice === 'deny') {
        const why = first.reason?.trim();
        outcome = {
          decision: 'deny',
          reason: why ? `The user denied \`${line}\`: ${why}` : `The user denied \`${line}\`. Do not retry it unchanged.`,
          choice: 'deny',
          by: first.by,
          requestId: request.id,
        };
      } else {
        if (first.choice === 'allow-session') this.rememberSession(ctx.sessionId, key);
        if (first.choice === 'allow-1h') this.hourAllow.set(`${ctx.repo}\0${key}`, this.now() + HOUR);
        if (first.choice === 'always-project') {
          this.rememberSession(ctx.sessionId, key);
          try {
            writtenRule = (await this.opts.projectRules?.write(request)) ?? null;
          } catch (e) {
            writtenRule = null;
            events.emit(ctx.sessionId, 'session.error', { code: 'POLICY_INVALID', message: `could not write the approval as a rule: ${errorMessage(e)}` });
          }
        }
        outcome = { decision: 'allow', reason: `approved by ${first.by} (${first.choice})`, choice: first.choice, by: first.by, requestId: request.id };
      }
    }
    events.emit(ctx.sessionId, 'approval.answer', {
      id: request.id,
      command: line,
      decision: outcome.decision,
      choice: outcome.choice,
      by: outcome.by,
      reason: outcome.reason,
      ...(first !== 'timeout' && first !== 'gone' && !(first instanceof Error) && first.choice === 'always-project' ? { writtenRule } : {}),
      waitedMs: this.now() - createdAt,
    });
    return outcome;
  }

  private rememberSession(sessionId: string, key: string): void {
    let s = this.sessionAllow.get(sessionId);
    if (!s) this.sessionAllow.set(sessionId, (s = new Set()));
    s.add(key);
  }
}

/** What "the same request" means for coalescing and remembered answers. */
export function rememberKey(s: ApprovalSubject): string {
  if (s.kind === 'command') return `cmd\0${s.command.trim().replace(/\s+/g, ' ')}`;
  if (s.kind === 'tool') return `tool\0${s.tool}\0${JSON.stringify(s.input) ?? ''}`;
  const method = s.method === 'CONNECT' || s.method === 'SOCKS5' ? 'tunnel' : s.method;
  return `net\0${method}\0${s.host}:${s.port}`;
}
