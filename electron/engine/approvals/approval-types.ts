/**
 * The approvals vocabulary shared by the broker, its providers (terminal, unattended, the
 * desktop app) and its callers (the gate, the egress proxy).
 */

/** What is being asked about. */
export type ApprovalSubject =
  | {
      kind: 'command';
      /** The command line as the agent gave it. */
      command: string;
      /** The parts the policy engine split it into (after unwrapping), each with its decision. */
      parts: { text: string; argv: string[]; decision: string; via: string[]; rule: string }[];
      cwd: string;
    }
  | { kind: 'tool'; tool: string; input: unknown; summary: string; cwd: string }
  | { kind: 'network'; method: string; host: string; port: number; protocol: string };

/** A question put to a human, with everything needed to answer it. */
export interface ApprovalRequest {
  /** Unique per question (coalesced duplicates share one). */
  id: string;
  sessionId: string;
  agent: string;
  /** The repository of the session (for `always for this project`). */
  repo: string;
  subject: ApprovalSubject;
  /** The rule that asked: id and file:line, or `session default`. */
  rule: string;
  /** Why it asks (the rule's justification, or the engine's reason). */
  why: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** When the broker will answer deny on its own. */
  expiresAt: number;
}

/**
 * A human's answer:
 * - `allow-once`: this request only;
 * - `allow-session`: the same thing again in this session flows;
 * - `allow-1h`: the same thing again flows for an hour (in any session of this broker);
 * - `always-project`: written as an allow rule into the user's policy for this repository;
 * - `deny`: refused, with a reason the agent reads.
 */
export type ApprovalChoice = 'allow-once' | 'allow-session' | 'allow-1h' | 'always-project' | 'deny';

export const approvalChoices: readonly ApprovalChoice[] = ['allow-once', 'allow-session', 'allow-1h', 'always-project', 'deny'];

export interface ApprovalAnswer {
  choice: ApprovalChoice;
  /** For a deny: sent back to the agent so it can adapt. */
  reason?: string;
  /** Who answered (`tty:alice`, `desktop:alice`, `unattended`, `test`). */
  by: string;
}

/** Where questions go. Implementations: terminal prompt, unattended allow/deny, the desktop app. */
export interface ApprovalProvider {
  readonly name: string;
  /**
   * Ask; resolve with the answer. The signal aborts when the broker stops waiting (timeout,
   * requester gone): withdraw the question then. A rejection counts as deny.
   */
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}

/** What the broker tells its caller. `reason` is written for the model. */
export interface ApprovalOutcome {
  decision: 'allow' | 'deny';
  reason: string;
  choice: ApprovalChoice | 'timeout' | 'remembered' | 'error';
  by: string;
  requestId: string;
}
