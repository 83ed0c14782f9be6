import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Approval, ApiHandlers } from '../../contract/index.js';
import { ApprovalBroker } from '../approvals/approval-broker.js';
import { ApprovalInbox } from '../approvals/approval-inbox.js';
import { fixedProvider } from '../approvals/approval-providers.js';
import type { ApprovalRequest } from '../approvals/approval-types.js';
import { userPolicyRuleWriter } from '../approvals/project-rules.js';
import { PaddockError } from '../errors.js';
import { sessionGateExtras } from '../gate/session-gate.js';
import { dataPaths } from '../paths.js';
import type { SessionEventSink } from '../sessions/session-events.js';
import type { AgentSetup, SupervisedStart } from '../sessions/supervisor.js';

/** How a UI session's asks are answered: by a human in the UI (default), or unattended. */
export type UiApprovalsMode = 'ask' | 'allow' | 'deny';

/** Who answers from this front end: `desktop:<user>` in the Electron app, `web:<user>` through `paddock serve`. */
export function answererName(frontEnd: 'desktop' | 'web'): string {
  let user = process.env.USER ?? 'user';
  try {
    user = userInfo().username || user;
  } catch {
    /* no passwd entry (containers): keep $USER */
  }
  return `${frontEnd}:${user}`;
}

/**
 * Approvals for sessions started through the API: one inbox (the UI's provider) and one broker
 * per mode for the whole engine, so `allow for 1 hour` spans sessions; every UI session gets the
 * shell gate (its `sh -c` / `bash -c` are judged) and the broker answers its network asks.
 */
export class UiApprovals {
  readonly inbox = new ApprovalInbox('ui');
  private readonly brokers = new Map<UiApprovalsMode, ApprovalBroker>();

  constructor(private readonly o: { home: string; events: SessionEventSink; answeredBy: string }) {}

  broker(mode: UiApprovalsMode): ApprovalBroker {
    let b = this.brokers.get(mode);
    if (!b) {
      b = new ApprovalBroker({
        provider: mode === 'ask' ? this.inbox.provider : fixedProvider(mode),
        events: this.o.events,
        projectRules: userPolicyRuleWriter(this.o.home),
      });
      this.brokers.set(mode, b);
    }
    return b;
  }

  /** The Supervisor's `agentSetup` for a UI session: the gate, and the broker as the network decider. */
  setup(
    mode: UiApprovalsMode,
    run: { agent: string; command: string[] },
  ): NonNullable<SupervisedStart['agentSetup']> {
    return ({ policy, repo }): Promise<AgentSetup> => {
      if (mode === 'allow' && policy.policy.ceilings.unattended === 'deny')
        return Promise.reject(
          new PaddockError(
            'BAD_INPUT',
            'approvals "allow" is not permitted by the managed policy (ceilings.unattended: deny)',
          ),
        );
      const broker = this.broker(mode);
      const timeoutMs = policy.policy.approvals.timeout_seconds * 1000;
      // Someone (the inbox, or the mode's fixed answer) decides network asks: with the decider
      // known up front, the Supervisor keeps the policy's own `ask` default (on reloads too).
      const decider = broker.egressDecider({ agent: run.agent, repo, timeoutMs });
      return Promise.resolve({
        decider,
        run: {
          ...run,
          extras: sessionGateExtras({
            agent: run.agent,
            repo,
            policy: policy.policy,
            provenance: policy.provenance,
            broker,
            events: this.o.events,
            scratchDir: join(dataPaths(this.o.home).scratch, 'gate'),
            shellGate: true,
          }),
        },
        egress: (base) => ({
          ...(base ?? { rules: [], defaultDecision: 'deny' }),
          decider,
          askTimeoutMs: timeoutMs,
        }),
      });
    };
  }

  handlers(): Pick<ApiHandlers, 'approvals.list' | 'approvals.answer'> {
    return {
      'approvals.list': ({ sessionId }) => Promise.resolve(this.inbox.list(sessionId).map(toApproval)),
      'approvals.answer': ({ id, choice, reason }) =>
        Promise.resolve().then(() => {
          const why = reason?.trim();
          this.inbox.answer(id, {
            choice,
            by: this.o.answeredBy,
            ...(choice === 'deny' && why ? { reason: why } : {}),
          });
          return {};
        }),
    };
  }
}

/** The contract's view of a request (a tool's raw input stays in the journal; its summary is shown). */
export function toApproval(r: ApprovalRequest): Approval {
  const s = r.subject;
  const subject: Approval['subject'] =
    s.kind === 'command'
      ? {
          kind: 'command',
          command: s.command,
          cwd: s.cwd,
          parts: s.parts.map((p) => ({
            text: p.text,
            argv: p.argv,
            decision: p.decision,
            via: p.via,
            rule: p.rule,
          })),
        }
      : s.kind === 'tool'
        ? { kind: 'tool', tool: s.tool, summary: s.summary, cwd: s.cwd }
        : { kind: 'network', method: s.method, host: s.host, port: s.port, protocol: s.protocol };
  return {
    id: r.id,
    sessionId: r.sessionId,
    agent: r.agent,
    repo: r.repo,
    subject,
    rule: r.rule,
    why: r.why,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  };
}
