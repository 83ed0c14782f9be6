import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Closes the gap described in ADR 0003: the session network's gateway is a host address, so
 * every host service listening on 0.0.0.0 is reachable from the sandbox. With CAP_NET_ADMIN
 * (root on a Linux server, CI), this inserts INPUT rules for the session bridge only: the
 * proxy's TCP port and DNS (udp/53) on the gateway are accepted, everything else from that
 * bridge is dropped. Without the privilege it changes nothing and says why (the session layer
 * then refuses to start unless the user accepted the gap: docs/egress.md).
 *
 * Each rule's comment names its session and owning process (`paddock: egress proxy; session=…;
 * owner=<pid>/<start>`), so that after a kill -9 the reaper (`reapGatewayFirewall`) can find
 * and delete the rules of a dead owner or of a bridge that no longer exists.
 */
export interface GatewayFirewall {
  applied: boolean;
  /** Why it was not applied (no privilege, no iptables, not permitted, ...). */
  reason?: string;
  remove(): Promise<void>;
}

/** The process that installs the rules (pid and /proc start time, as in sandbox/owner.ts). */
export interface FirewallOwner {
  pid: number;
  start: string;
}

export interface GatewayFirewallInput {
  /** Host-side bridge interface of the session network (`br-<first 12 of the network id>`). */
  bridge: string;
  gateway: string;
  proxyPort: number;
  dns?: boolean;
  /** Written into each rule's comment for the reaper. */
  sessionId?: string;
  owner?: FirewallOwner;
  /** For tests: the iptables binary. */
  iptables?: string;
  /** May this process change the host firewall? Default: `hasNetAdmin()`. Tests inject `() => false`. */
  capable?: () => boolean;
}

export function bridgeNameFor(networkId: string): string {
  return `br-${networkId.slice(0, 12)}`;
}

/** CAP_NET_ADMIN (bit 12) in this process's effective capabilities (Linux); false elsewhere. */
export function hasNetAdmin(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] ? (BigInt(`0x${m[1]}`) & (1n << 12n)) !== 0n : false;
  } catch {
    return false;
  }
}

const TAG = 'paddock:';
const safe = (s: string) => s.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 80);

function comment(what: string, input: GatewayFirewallInput): string {
  const who = input.owner ? `; owner=${input.owner.pid}/${safe(input.owner.start)}` : '';
  const session = input.sessionId ? `; session=${safe(input.sessionId)}` : '';
  return `${TAG} ${what}${session}${who}`;
}

export async function applyGatewayFirewall(input: GatewayFirewallInput): Promise<GatewayFirewall> {
  const bin = input.iptables ?? 'iptables';
  const none = (reason: string): GatewayFirewall => ({
    applied: false,
    reason,
    remove: () => Promise.resolve(),
  });
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(input.bridge)) return none(`bad interface name ${input.bridge}`);
  if (!(input.capable ?? hasNetAdmin)())
    return none('Paddock runs without CAP_NET_ADMIN (not as root), so it cannot change the host firewall');
  const c = (what: string) => ['-m', 'comment', '--comment', comment(what, input)];
  /** Accept `proto` to `port` on the gateway from the session bridge. */
  const accept = (proto: 'tcp' | 'udp', port: number, what: string) => [
    '-i',
    input.bridge,
    '-d',
    input.gateway,
    '-p',
    proto,
    '--dport',
    String(port),
    ...c(what),
    '-j',
    'ACCEPT',
  ];
  // Inserted at the top in reverse order, so they read: accept proxy, accept dns, drop rest.
  const rules: string[][] = [['-i', input.bridge, ...c('session bridge, nothing else'), '-j', 'DROP']];
  if (input.dns !== false) rules.push(accept('udp', 53, 'dns refuser'));
  rules.push(accept('tcp', input.proxyPort, 'egress proxy'));
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
    return none(`iptables not usable here (${msg})`);
  }
}

/** One `paddock:` rule in the INPUT chain, as `iptables -S INPUT` lists it. */
export interface PaddockFirewallRule {
  /** The rule spec after `-A INPUT` (what `iptables -D INPUT` takes). */
  spec: string[];
  bridge: string | null;
  sessionId: string | null;
  owner: FirewallOwner | null;
}

/** Split one `iptables -S` line into arguments (double-quoted strings, backslash escapes). */
export function splitRuleLine(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line))
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? ''));
  return out;
}

export function parsePaddockRules(listing: string): PaddockFirewallRule[] {
  const rules: PaddockFirewallRule[] = [];
  for (const line of listing.split('\n')) {
    const args = splitRuleLine(line.trim());
    if (args[0] !== '-A' || args[1] !== 'INPUT') continue;
    const spec = args.slice(2);
    const ci = spec.indexOf('--comment');
    const text = ci >= 0 ? (spec[ci + 1] ?? '') : '';
    if (!text.startsWith(TAG)) continue;
    const ii = spec.indexOf('-i');
    const owner = /; owner=(\d+)\/([^;]*)/.exec(text);
    rules.push({
      spec,
      bridge: ii >= 0 ? (spec[ii + 1] ?? null) : null,
      sessionId: /; session=([^;]*)/.exec(text)?.[1] ?? null,
      owner: owner ? { pid: Number(owner[1]), start: owner[2] ?? '' } : null,
    });
  }
  return rules;
}

export interface ReapFirewallOptions {
  /** Is the owner process of a rule still alive on this host? (sandbox/owner.ts `ownerAlive`.) */
  ownerAlive: (o: FirewallOwner) => boolean;
  /** For rules without an owner. Default: /sys/class/net/<name> exists. */
  bridgeExists?: (bridge: string) => boolean;
  iptables?: string;
  capable?: () => boolean;
  /** For tests that share the host: consider only these rules (default: every `paddock:` rule). */
  scope?: (r: PaddockFirewallRule) => boolean;
}

/**
 * Delete the `paddock:` INPUT rules left by a crashed engine: rules whose owner process is dead,
 * and rules without an owner (older builds) whose bridge is gone. Rules of live owners are left
 * alone, whoever installed them. Without the privilege to read the firewall there is nothing
 * this process could have installed: it returns [] quietly.
 */
export async function reapGatewayFirewall(opts: ReapFirewallOptions): Promise<PaddockFirewallRule[]> {
  const bin = opts.iptables ?? 'iptables';
  if (!(opts.capable ?? hasNetAdmin)()) return [];
  const bridgeExists =
    opts.bridgeExists ?? ((b: string) => /^[\w.-]+$/.test(b) && existsSync(`/sys/class/net/${b}`));
  let listing: string;
  try {
    listing = (await run(bin, ['-S', 'INPUT'])).stdout;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(
      `cannot list the host firewall (${bin} -S INPUT): ${(e as Error).message.split('\n')[0]}`,
      { cause: e },
    );
  }
  // A rule that names its owner goes with its owner only: Podman creates a network's bridge when
  // the first container starts, so a missing bridge does not mean a dead session. Rules without an
  // owner (older builds) go once their bridge is gone.
  const stale = parsePaddockRules(listing).filter(
    (r) =>
      (opts.scope?.(r) ?? true) &&
      (r.owner ? !opts.ownerAlive(r.owner) : r.bridge !== null && !bridgeExists(r.bridge)),
  );
  const removed: PaddockFirewallRule[] = [];
  const failures: string[] = [];
  for (const r of stale) {
    try {
      await run(bin, ['-D', 'INPUT', ...r.spec]);
      removed.push(r);
    } catch (e) {
      // Already gone (another engine's reaper, or the owner's own cleanup, was quicker): fine.
      if (/does a matching rule exist/i.test(String((e as { stderr?: string }).stderr ?? ''))) continue;
      failures.push(`${r.spec.join(' ')}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (failures.length > 0)
    throw new Error(
      `could not delete ${failures.length} stale paddock firewall rule(s): ${failures.join('; ')}`,
    );
  return removed;
}
