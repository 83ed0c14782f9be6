import { PRESET_NAMES } from './presets.js';
import type { Verdict } from './egress-judge.js';

/** The body of a 403: what was refused, which rule (or none) refused it, and how to allow it. */
export function denyBody(sessionId: string, method: string, v: Verdict): string {
  const dest = v.host.includes(':') ? `[${v.host}]:${v.port}` : `${v.host}:${v.port}`;
  return [
    `Paddock egress proxy refused ${method} ${dest}`,
    `Why: ${v.detail ?? v.reason}`,
    `Rule: ${v.denyKind === 'default' ? 'no rule matched; default deny' : v.rule}`,
    `To allow it: ${advice(v)}`,
    `Session: ${sessionId}`,
    '',
  ].join('\n');
}

function advice(v: Verdict): string {
  const example = `allow ${v.host} port ${v.port}`;
  switch (v.denyKind) {
    case 'rule':
      return `remove or narrow that deny rule (deny outranks ask and allow; a project policy can only tighten).`;
    case 'default':
      return `add a network rule to the policy, e.g. \`${example}\`, or switch on a preset (${PRESET_NAMES.join(', ')}).`;
    case 'ask':
      return `approve it when Paddock asks, or add \`${example}\` to the policy so it is not asked again.`;
    case 'address':
      return `if you really mean this address, add a rule naming it exactly, e.g. \`allow ${v.address ?? '?'} port ${v.port}\`.`;
    case 'self':
      return 'nothing: the proxy never connects to itself. Paddock endpoints are reached directly (see NO_PROXY).';
    case 'resolve':
      return 'check the host name; the proxy resolves names on the host and found no address.';
    case 'bad-host':
    case undefined:
      return 'use a valid host name and port 1-65535.';
  }
}
