import type { ApprovalAnswer, ApprovalProvider } from './approval-types.js';

/**
 * `--approvals deny` (unattended: every ask is denied, with a reason the agent reads) and
 * `--approvals allow` (every ask is allowed; forbid still forbids, containment and egress
 * still apply). Answers are immediate and recorded as given by `unattended`.
 */
export function fixedProvider(answer: 'allow' | 'deny', reason?: string): ApprovalProvider {
  const a: ApprovalAnswer =
    answer === 'allow'
      ? { choice: 'allow-once', by: 'unattended (--approvals allow)' }
      : {
          choice: 'deny',
          by: 'unattended (--approvals deny)',
          reason: reason ?? 'this session runs unattended (--approvals deny), so anything that needs a human approval is denied. Choose an approach that the policy allows without asking.',
        };
  return { name: `fixed:${answer}`, ask: () => Promise.resolve(a) };
}

/**
 * A provider whose answers the caller supplies later: the desktop app (and tests) implement
 * `onRequest`, show the question, and call `answer(id, …)`. Requests the broker withdraws
 * (timeout) are reported through `onWithdrawn`.
 */
export function callbackProvider(name: string, hooks: {
  onRequest: (request: Parameters<ApprovalProvider['ask']>[0], answer: (a: ApprovalAnswer) => void) => void;
  onWithdrawn?: (id: string) => void;
}): ApprovalProvider {
  return {
    name,
    ask: (request, signal) =>
      new Promise<ApprovalAnswer>((resolve, reject) => {
        let done = false;
        signal.addEventListener(
          'abort',
          () => {
            if (done) return;
            done = true;
            hooks.onWithdrawn?.(request.id);
            reject(new Error('withdrawn'));
          },
          { once: true },
        );
        try {
          hooks.onRequest(request, (a) => {
            if (done) return;
            done = true;
            resolve(a);
          });
        } catch (e) {
          done = true;
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      }),
  };
}
