import { connect } from 'node:net';
import type { JudgeContext } from './egress-judge.js';
import { judge } from './egress-judge.js';
import { fixedDecider } from './approval-decider.js';

/**
 * Proof that a known-denied destination is still denied. In process (no traffic): the proxy's own
 * address, the cloud metadata address (unless a rule names it exactly) and, under a deny default,
 * a name no rule can match, all judged as if a human approved every ask. Then live, over TCP to
 * the proxy's own listener: CONNECT to the proxy itself must get a 403 (if it did not, the only
 * connection made would be to the proxy itself).
 */
export interface SelfCheckResult {
  ok: boolean;
  failures: string[];
}

const UNMATCHABLE = 'paddock-self-check.invalid';

export async function judgeCanaries(ctx: JudgeContext, listenHost: string, port: number): Promise<string[]> {
  const worst: JudgeContext = {
    ...ctx,
    decider: fixedDecider('allow'),
    resolver: { resolve: () => Promise.resolve([]) },
  };
  const canaries: { host: string; port: number }[] = [{ host: listenHost, port }];
  if (!ctx.rules.namesExactAddress('169.254.169.254', 80))
    canaries.push({ host: '169.254.169.254', port: 80 });
  if (
    ctx.rules.defaultDecision === 'deny' &&
    ctx.rules.evaluate({ host: UNMATCHABLE, port: 443, method: null }).rule === null
  ) {
    canaries.push({ host: UNMATCHABLE, port: 443 });
  }
  const failures: string[] = [];
  for (const c of canaries) {
    const v = await judge(worst, {
      protocol: 'connect',
      method: 'CONNECT',
      tunnel: true,
      rawHost: c.host,
      port: c.port,
    });
    if (v.decision !== 'deny')
      failures.push(`${c.host}:${c.port} was allowed (${v.rule}); it must be denied`);
  }
  return failures;
}

/** CONNECT to the proxy itself through its own listener; anything but a 403 is a failure. */
export function liveSelfCheck(
  listenHost: string,
  port: number,
  token: string,
  timeoutMs = 5000,
): Promise<string | null> {
  return new Promise((resolve) => {
    const target = listenHost.includes(':') ? `[${listenHost}]:${port}` : `${listenHost}:${port}`;
    const s = connect({ host: listenHost, port });
    let got = '';
    const done = (r: string | null) => {
      clearTimeout(t);
      s.destroy();
      resolve(r);
    };
    const t = setTimeout(
      () => done(`live self-check: no answer from ${target} in ${timeoutMs} ms`),
      timeoutMs,
    );
    s.on('error', (e) => done(`live self-check: ${e.message}`));
    s.on('connect', () =>
      s.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nx-paddock-self-check: ${token}\r\n\r\n`),
    );
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const line = got.split('\r\n')[0] ?? '';
      if (!got.includes('\r\n')) return;
      done(
        /^HTTP\/1\.[01] 403 /.test(line)
          ? null
          : `live self-check: CONNECT to the proxy itself answered ${JSON.stringify(line)}, expected 403`,
      );
    });
    s.on('end', () => done(`live self-check: connection closed without an answer`));
  });
}
