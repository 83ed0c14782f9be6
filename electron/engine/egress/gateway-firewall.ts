import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Closes the gap described in ADR 0003: the session network's gateway is a host address, so
 * every host service listening on 0.0.0.0 is reachable from the sandbox. With CAP_NET_ADMIN
 * (root on a Linux server, CI), this inserts INPUT rules for the session bridge only: the
 * proxy's TCP port and DNS (udp/53) on the gateway are accepted, everything else from that
 * bridge is dropped. Without the privilege it changes nothing and says why.
 */
export interface GatewayFirewall {
  applied: boolean;
  /** Why it was not applied (no iptables, not permitted, ...). */
  reason?: string;
  remove(): Promise<void>;
}

export interface GatewayFirewallInput {
  /** Host-side bridge interface of the session network (`br-<first 12 of the network id>`). */
  bridge: string;
  gateway: string;
  proxyPort: number;
  dns?: boolean;
  /** For tests: the iptables binary. */
  iptables?: string;
}

export function bridgeNameFor(networkId: string): string {
  return `br-${networkId.slice(0, 12)}`;
}

export async function applyGatewayFirewall(input: GatewayFirewallInput): Promise<GatewayFirewall> {
  const bin = input.iptables ?? 'iptables';
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(input.bridge))
    return { applied: false, reason: `bad interface name ${input.bridge}`, remove: () => Promise.resolve() };
  // Inserted at the top in reverse order, so they read: accept proxy, accept dns, drop rest.
  const rules: string[][] = [
    ['-i', input.bridge, '-m', 'comment', '--comment', 'paddock: session bridge, nothing else', '-j', 'DROP'],
  ];
  if (input.dns !== false)
    rules.push([
      '-i',
      input.bridge,
      '-d',
      input.gateway,
      '-p',
      'udp',
      '--dport',
      '53',
      '-m',
      'comment',
      '--comment',
      'paddock: dns refuser',
      '-j',
      'ACCEPT',
    ]);
  rules.push([
    '-i',
    input.bridge,
    '-d',
    input.gateway,
    '-p',
    'tcp',
    '--dport',
    String(input.proxyPort),
    '-m',
    'comment',
    '--comment',
    'paddock: egress proxy',
    '-j',
    'ACCEPT',
  ]);
  const added: string[][] = [];
  const remove = async () => {
    for (const r of added.splice(0).reverse()) await run(bin, ['-D', 'INPUT', ...r]).catch(() => undefined);
  };
  try {
    for (const r of rules) {
      await run(bin, ['-I', 'INPUT', '1', ...r]);
      added.push(r);
    }
    return { applied: true, remove };
  } catch (e) {
    await remove();
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return {
      applied: false,
      reason: `iptables not usable here (${msg}); host services on 0.0.0.0 stay reachable from the sandbox (ADR 0003)`,
      remove: () => Promise.resolve(),
    };
  }
}
