/**
 * One error type for every boundary: a stable `code` that survives IPC/WebSocket/CLI, and a
 * message that says what is wrong and what to do next.
 */
export type ErrorCode =
  | 'ENGINE_UNREACHABLE'
  | 'ENGINE_LOST'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_BUILD_FAILED'
  | 'REPO_NOT_FOUND'
  | 'REPO_NOT_DIRECTORY'
  | 'CONTAINER_FAILED'
  | 'CONTAINER_KILLED'
  | 'SESSION_NOT_FOUND'
  | 'BAD_INPUT'
  | 'JOURNAL_WRITE_FAILED'
  | 'JOURNAL_TAMPERED'
  | 'JOURNAL_KEY_UNAVAILABLE'
  | 'POLICY_INVALID'
  | 'POLICY_LOOSENING'
  | 'POLICY_SIGNATURE'
  | 'APPROVAL_NOT_FOUND'
  | 'APPROVAL_EXPIRED'
  | 'APPROVAL_ANSWERED'
  | 'POLICY_LOCKED'
  | 'POLICY_CONFLICT'
  | 'EGRESS_UNFIREWALLED'
  | 'WARM_ENGINE'
  | 'INTERNAL';

export class PaddockError extends Error {
  override readonly name = 'PaddockError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isPaddockError(e: unknown): e is PaddockError {
  return e instanceof PaddockError;
}

/** A one-line message for any thrown value. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
